// The value parsers behind infip-server's flags.
#include "server/config_values.h"

#include <gtest/gtest.h>

namespace infip::server {
namespace {

TEST(ConfigValuesTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("8388608"), 8388608);
  EXPECT_EQ(*ParseByteSize("8MiB"), 8 * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("8 mib"), 8 * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("512KiB"), 512 * 1024);
  EXPECT_EQ(*ParseByteSize("2GiB"), int64_t{2} * 1024 * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1TiB"), int64_t{1} << 40);
  EXPECT_EQ(*ParseByteSize("100B"), 100);
  EXPECT_EQ(*ParseByteSize(" 7 "), 7);
  for (const char* bad : {"", "MiB", "2MB", "2GB", "1.5GiB", "-1", "abc", "2 GiB extra",
                          "9223372036854775807KiB", "99999999999999999999"}) {
    absl::StatusOr<int64_t> v = ParseByteSize(bad);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
  EXPECT_EQ(*ParseByteSize("8191TiB"), int64_t{8191} << 40);
}

TEST(ConfigValuesTest, Durations) {
  EXPECT_EQ(*ParseDurationText("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDurationText("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseDurationText("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationText("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDurationText("45"), absl::Seconds(45));
  EXPECT_EQ(*ParseDurationText("0"), absl::ZeroDuration());
  for (const char* bad : {"", "soon", "5 minutes", "-3s", "inf", "1.5"}) {
    EXPECT_EQ(ParseDurationText(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << bad << "'";
  }
}

TEST(ConfigValuesTest, Booleans) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) EXPECT_TRUE(*ParseBool(yes)) << yes;
  for (const char* no : {"false", "0", "No", "off"}) EXPECT_FALSE(*ParseBool(no)) << no;
  EXPECT_EQ(ParseBool("maybe").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseBool("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConfigValuesTest, Numbers) {
  EXPECT_EQ(*ParseInteger("-12"), -12);
  EXPECT_FALSE(ParseInteger("1e3").ok());
  EXPECT_EQ(*ParseNumber("0.85"), 0.85);
  EXPECT_EQ(*ParseNumber("1e3"), 1000.0);
  EXPECT_FALSE(ParseNumber("inf").ok());
  EXPECT_FALSE(ParseNumber("nan").ok());
  EXPECT_FALSE(ParseNumber("").ok());
}

TEST(ConfigValuesTest, Lists) {
  EXPECT_EQ(SplitList(" a, b ,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(" , ").empty());
}

TEST(ConfigValuesTest, ListenAddresses) {
  for (const char* ok : {"127.0.0.1:50051", "0.0.0.0:0", "[::1]:50051", "[::]:65535",
                         "localhost:8080", "infip.internal:1"}) {
    EXPECT_TRUE(CheckListenAddress(ok, false).ok()) << ok;
  }
  EXPECT_TRUE(CheckListenAddress("unix:/run/infip.sock", true).ok());
  EXPECT_FALSE(CheckListenAddress("unix:/run/infip.sock", false).ok());
  EXPECT_FALSE(CheckListenAddress("unix:", true).ok());
  for (const char* bad : {"", "50051", ":50051", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:-1", "::1:50051", "[]:1", "a b:1", "http://x:1",
                          "127.0.0.1:5x"}) {
    EXPECT_EQ(CheckListenAddress(bad, true).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ConfigValuesTest, Devices) {
  EXPECT_EQ(*ParseDeviceName("auto"), "auto");
  EXPECT_EQ(*ParseDeviceName("CPU"), "cpu");
  EXPECT_EQ(*ParseDeviceName("cuda"), "cuda");
  EXPECT_EQ(*ParseDeviceName("cuda:3"), "cuda:3");
  for (const char* bad : {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:12345", "mps"}) {
    EXPECT_EQ(ParseDeviceName(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace infip::server
