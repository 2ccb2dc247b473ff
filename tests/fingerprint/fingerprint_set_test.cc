#include "infip/fingerprint/fingerprint_set.h"

#include <gtest/gtest.h>

#include "test_sets.h"

namespace infip::fingerprint {
namespace {

using testing::MakeSet;

void ExpectIncomparable(const FingerprintSet& a, const FingerprintSet& b,
                        const std::string& setting) {
  const absl::Status s = CheckComparable(a, b);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << setting;
  EXPECT_NE(s.message().find(setting + " differs"), std::string::npos) << s;
}

TEST(CheckComparableTest, SameSettingsAreComparable) {
  const FingerprintSet a = MakeSet(true);
  FingerprintSet b = MakeSet(false);
  // What a suspect model legitimately changes: its own hash, predictions and pixels.
  b.metadata.model_sha256 = "other";
  b.metadata.predicted = {1, 2, 3, 4};
  b.metadata.created_utc = "2025-01-01T00:00:00Z";
  b.images = torch::zeros_like(a.images);
  EXPECT_TRUE(CheckComparable(a, b).ok()) << CheckComparable(a, b);
}

TEST(CheckComparableTest, NamesTheDifferingSetting) {
  const FingerprintSet a = MakeSet(false);
  FingerprintSet b = MakeSet(false);
  b.metadata.key_set_sha256 = "00";
  ExpectIncomparable(a, b, "key set (sha256)");

  b = MakeSet(false);
  b.images = b.images.narrow(0, 0, 3);
  b.metadata.predicted.pop_back();
  ExpectIncomparable(a, b, "key count");

  b = MakeSet(false);
  b.metadata.input_shape = {3, 32, 32};
  ExpectIncomparable(a, b, "resolution (input shape)");

  b = MakeSet(false);
  b.metadata.composite = "gradient_x_input";
  ExpectIncomparable(a, b, "composite");

  b = MakeSet(false);
  b.metadata.composite_rules = "input=flat conv=z+ linear=z+";
  ExpectIncomparable(a, b, "composite rules");

  b = MakeSet(false);
  b.metadata.lambda = 1000;
  ExpectIncomparable(a, b, "lambda");
  EXPECT_NE(CheckComparable(a, b).message().find("1000"), std::string::npos);

  b = MakeSet(false);
  b.metadata.lambda_scaling = LambdaScaling::kResolution;
  ExpectIncomparable(a, b, "lambda scaling");
  EXPECT_NE(CheckComparable(a, b).message().find("literal vs resolution"), std::string::npos);
}

TEST(ValidateTest, AcceptsConsistentSets) {
  EXPECT_TRUE(Validate(MakeSet(true)).ok()) << Validate(MakeSet(true));
  EXPECT_TRUE(Validate(MakeSet(false)).ok());
  FingerprintSet no_box = MakeSet(false);
  no_box.metadata.box_low.clear();
  no_box.metadata.box_high.clear();
  EXPECT_TRUE(Validate(no_box).ok());
}

TEST(ValidateTest, RejectsInconsistentSets) {
  struct Case {
    const char* what;
    void (*mutate)(FingerprintSet&);
    const char* message;
  };
  const Case cases[] = {
      {"no images", [](FingerprintSet& s) { s.images = torch::Tensor(); }, "missing"},
      {"float images", [](FingerprintSet& s) { s.images = s.images.to(torch::kFloat32); }, "uint8"},
      {"2-D images", [](FingerprintSet& s) { s.images = s.images[0]; }, "N x H x W"},
      {"empty", [](FingerprintSet& s) { s.images = s.images.narrow(0, 0, 0); }, "N >= 1"},
      {"shape vs input_shape",
       [](FingerprintSet& s) {
         s.metadata.input_shape = {3, 12, 13};
       },
       "do not match input_shape"},
      {"input_shape rank",
       [](FingerprintSet& s) {
         s.metadata.input_shape = {12, 12};
       },
       "input_shape must be C, H, W"},
      {"predicted count", [](FingerprintSet& s) { s.metadata.predicted.pop_back(); },
       "predicted holds 3 classes for 4 keys"},
      {"lambda", [](FingerprintSet& s) { s.metadata.lambda = 0; }, "lambda must be positive"},
      {"box size", [](FingerprintSet& s) { s.metadata.box_low.pop_back(); }, "box_low"},
      {"preview shape",
       [](FingerprintSet& s) {
         s.key_preview = torch::zeros({4, 1, 12, 12}, torch::kUInt8);
       },
       "key_preview must be uint8 [4, 3, 12, 12]"},
  };
  for (const Case& c : cases) {
    FingerprintSet s = MakeSet(true);
    c.mutate(s);
    const absl::Status status = Validate(s);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << c.what << ": " << status;
  }
}

}  // namespace
}  // namespace infip::fingerprint
