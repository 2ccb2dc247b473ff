#include "infip/verdict/base64.h"

#include <gtest/gtest.h>

namespace infip::verdict {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(Base64Encode(bytes), text);
    absl::StatusOr<std::string> decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    const std::string part = bytes.substr(0, len);
    absl::StatusOr<std::string> back = Base64Decode(Base64Encode(part));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, part);
  }
}

TEST(Base64Test, AcceptsUrlSafeAndUnpadded) {
  // 0xfb 0xff: "+/8=" standard, "-_8" URL-safe unpadded.
  EXPECT_EQ(*Base64Decode("+/8="), "\xfb\xff");
  EXPECT_EQ(*Base64Decode("-_8="), "\xfb\xff");
  EXPECT_EQ(*Base64Decode("-_8"), "\xfb\xff");
  EXPECT_EQ(*Base64Decode("Zg"), "f");
}

TEST(Base64Test, RefusesWhatIsNotStrictBase64) {
  for (const char* bad : {"Zg=", "Zg===", "Z", "Zm9vY", "Zm9v\n", " Zm9v", "Zm 9v",
                          "Zm9v====", "Z=g=", "+_8=", "Zh==", "Zm9=", "Zm*v"}) {
    absl::StatusOr<std::string> decoded = Base64Decode(bad);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace infip::verdict
