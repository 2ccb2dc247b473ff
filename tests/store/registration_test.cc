// Building registrations from core types, the consistency rules every backend applies, and
// page tokens.
#include <gtest/gtest.h>

#include <set>

#include "infip/fingerprint/file_format.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"
#include "infip/store/make_registration.h"
#include "infip/store/page_token.h"
#include "infip/store/validate.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::Info;
using testing::MakeKeys;
using testing::MakeSet;
using testing::MakeTestRegistration;
using testing::Spec;

void ExpectInvalid(const Registration& r, const std::string& needle) {
  const absl::Status status = ValidateRegistration(r);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find(needle), absl::string_view::npos)
      << "\"" << status.message() << "\" does not mention \"" << needle << "\"";
}

TEST(NewRegistrationIdTest, RegPrefixAndSixteenHexDigits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRegistrationId();
    ASSERT_EQ(id.size(), 20u) << id;
    EXPECT_EQ(id.substr(0, 4), "reg_");
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
    EXPECT_TRUE(ValidateRegistrationId(id).ok());
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(MakeRegistrationTest, CopiesFromTheKeysAndTheSet) {
  const io::KeySet keys = MakeKeys({3, 6, 5}, 7, 1);
  const fingerprint::FingerprintSet set = MakeSet(keys, 2);
  const absl::Time created = absl::FromUnixNanos(1717000000123456789);
  NewRegistration info;
  info.owner = "alice";
  info.model_name = "resnet";
  info.threshold = 0.55;
  info.created = created;
  absl::StatusOr<Registration> r = MakeRegistration(info, keys, set);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id.substr(0, 4), "reg_");
  EXPECT_EQ(r->owner, "alice");
  EXPECT_EQ(r->model_name, "resnet");
  EXPECT_EQ(r->threshold, 0.55);
  EXPECT_EQ(r->created, absl::FromUnixMicros(1717000000123456));  // truncated to microseconds
  EXPECT_EQ(r->key_count, 7);
  EXPECT_EQ(r->input_shape, (InputShape{3, 6, 5}));
  EXPECT_EQ(r->composite, "dtd");
  EXPECT_EQ(r->lambda, set.metadata.lambda);
  EXPECT_EQ(r->lambda_scaling, set.metadata.lambda_scaling);
  EXPECT_EQ(r->key_set.sha256, keys.sha256);
  EXPECT_EQ(r->key_set.box_low, keys.box_low);
  EXPECT_EQ(r->key_set.preprocessing, keys.preprocessing);
  EXPECT_EQ(r->fingerprints_sha256, io::Sha256Hex(r->fingerprints));
  EXPECT_TRUE(r->receipt.empty());
  // Unsigned: the full rules refuse it until the server adds the receipt.
  EXPECT_EQ(ValidateRegistration(*r).code(), absl::StatusCode::kInvalidArgument);
  r->receipt = "signed";
  EXPECT_TRUE(ValidateRegistration(*r).ok()) << ValidateRegistration(*r);

  const RegistrationSummary s = Summarize(*r);
  EXPECT_EQ(s.id, r->id);
  EXPECT_EQ(s.key_set_sha256, keys.sha256);
  EXPECT_EQ(s.fingerprints_sha256, r->fingerprints_sha256);
}

TEST(MakeRegistrationTest, KeepsInfipBytesVerbatim) {
  const io::KeySet keys = MakeKeys({1, 8, 8}, 4, 1);
  absl::StatusOr<std::string> bytes = fingerprint::SerializeFingerprintSet(MakeSet(keys, 2));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Registration> r = MakeRegistration(Info("bob", "reg_x"), keys, *bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, "reg_x");
  EXPECT_TRUE(r->fingerprints == *bytes);
  EXPECT_EQ(r->fingerprints_sha256, io::Sha256Hex(*bytes));
}

TEST(MakeRegistrationTest, RefusesUnparsableFingerprints) {
  const io::KeySet keys = MakeKeys({1, 8, 8}, 4, 1);
  absl::StatusOr<Registration> r = MakeRegistration(Info("bob"), keys, "not an infip file");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("fingerprints"), absl::string_view::npos) << r.status();
}

TEST(MakeRegistrationTest, StoredBlobsParseBackToTheOriginals) {
  const io::KeySet keys = MakeKeys({3, 4, 4}, 5, 3);
  const fingerprint::FingerprintSet set = MakeSet(keys, 4);
  absl::StatusOr<Registration> r = MakeRegistration(Info("alice"), keys, set);
  ASSERT_TRUE(r.ok()) << r.status();

  absl::StatusOr<io::KeySet> k = StoredKeys(*r);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_TRUE(torch::equal(k->inputs, keys.inputs));
  EXPECT_EQ(k->box_low, keys.box_low);
  EXPECT_EQ(k->box_high, keys.box_high);
  EXPECT_EQ(k->preprocessing, keys.preprocessing);
  EXPECT_EQ(k->sha256, keys.sha256);
  EXPECT_EQ(io::KeySetSha256(k->inputs), keys.sha256);
  EXPECT_EQ(k->names, keys.names);

  absl::StatusOr<fingerprint::FingerprintSet> s = StoredFingerprints(*r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(torch::equal(s->images, set.images));
  EXPECT_TRUE(torch::equal(s->key_preview, set.key_preview));
  EXPECT_TRUE(fingerprint::CheckComparable(*s, set).ok());
}

TEST(ValidateRegistrationTest, AcceptsAWellFormedRegistration) {
  const Registration r = MakeTestRegistration();
  EXPECT_TRUE(ValidateRegistration(r).ok()) << ValidateRegistration(r);
}

TEST(ValidateRegistrationTest, IdCharacters) {
  for (const std::string& bad :
       std::vector<std::string>{"", "reg 1", "../etc/passwd", "reg_1;DROP TABLE registrations",
                                "reg\xc3\xa9", std::string("reg\0x", 5), std::string(65, 'a')}) {
    EXPECT_EQ(ValidateRegistrationId(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  for (const std::string& good :
       std::vector<std::string>{"reg_0123456789abcdef", "A-b_9", std::string(64, 'z')}) {
    EXPECT_TRUE(ValidateRegistrationId(good).ok()) << good;
  }
  Registration r = MakeTestRegistration();
  r.id = "reg/1";
  ExpectInvalid(r, "registration id");
}

TEST(ValidateRegistrationTest, EmptyOwner) {
  Registration r = MakeTestRegistration();
  r.owner = "";
  ExpectInvalid(r, "owner is empty");
}

TEST(ValidateRegistrationTest, ThresholdOutOfRange) {
  Registration r = MakeTestRegistration();
  r.threshold = 1.5;
  ExpectInvalid(r, "threshold");
  r.threshold = std::nan("");
  ExpectInvalid(r, "threshold");
}

TEST(ValidateRegistrationTest, MissingReceiptAndTime) {
  Registration r = MakeTestRegistration();
  r.receipt.clear();
  ExpectInvalid(r, "receipt");
  r = MakeTestRegistration();
  r.created = absl::InfiniteFuture();
  ExpectInvalid(r, "created");
}

TEST(ValidateRegistrationTest, FingerprintCountDiffersFromKeyCount) {
  const io::KeySet keys = MakeKeys({1, 8, 8}, 4, 1);
  const io::KeySet more_keys = MakeKeys({1, 8, 8}, 5, 1);
  fingerprint::FingerprintSet set = MakeSet(more_keys, 2);  // five fingerprints ...
  set.metadata.key_set_sha256 = keys.sha256;                // ... claiming the four keys
  absl::StatusOr<Registration> r = MakeRegistration(Info("alice"), keys, set);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("5 fingerprints for 4 keys"), absl::string_view::npos)
      << r.status();
}

TEST(ValidateRegistrationTest, ShapeMismatchBetweenKeysAndFingerprints) {
  const io::KeySet keys = MakeKeys({1, 8, 8}, 4, 1);
  const io::KeySet other = MakeKeys({1, 10, 10}, 4, 1);
  fingerprint::FingerprintSet set = MakeSet(other, 2);
  set.metadata.key_set_sha256 = keys.sha256;
  absl::StatusOr<Registration> r = MakeRegistration(Info("alice"), keys, set);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("input shape 1x10x10, the keys are 1x8x8"),
            absl::string_view::npos)
      << r.status();
}

TEST(ValidateRegistrationTest, FingerprintsMadeOnAnotherKeySet) {
  const io::KeySet keys = MakeKeys({1, 8, 8}, 4, 1);
  const io::KeySet other = MakeKeys({1, 8, 8}, 4, 99);
  absl::StatusOr<Registration> r = MakeRegistration(Info("alice"), keys, MakeSet(other, 2));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("made on key set"), absl::string_view::npos) << r.status();
}

TEST(ValidateRegistrationTest, CopiedColumnsMustMatchTheBlobs) {
  Registration r = MakeTestRegistration();
  r.key_count = 3;
  ExpectInvalid(r, "key_count");
  r = MakeTestRegistration();
  r.input_shape.width = 9;
  ExpectInvalid(r, "input_shape");
  r = MakeTestRegistration();
  r.composite = "lrp";
  ExpectInvalid(r, "composite");
  r = MakeTestRegistration();
  r.lambda = 5000.0;
  ExpectInvalid(r, "lambda");
  r = MakeTestRegistration();
  r.lambda_scaling = fingerprint::LambdaScaling::kLiteral;
  ExpectInvalid(r, "lambda scaling");
}

TEST(ValidateRegistrationTest, HashesMustBeOfTheStoredBytes) {
  Registration r = MakeTestRegistration();
  r.fingerprints_sha256 = std::string(64, '0');
  ExpectInvalid(r, "fingerprints sha256");
  r = MakeTestRegistration();
  r.key_set.sha256 = std::string(64, '0');
  ExpectInvalid(r, "key set sha256");
}

TEST(ValidateRegistrationTest, BrokenBlobs) {
  Registration r = MakeTestRegistration();
  r.key_set.npy = "\x93NUMPY broken";
  ExpectInvalid(r, "key set");
  r = MakeTestRegistration();
  r.fingerprints[r.fingerprints.size() / 2] ^= 0x5a;  // the CRC catches it
  r.fingerprints_sha256 = io::Sha256Hex(r.fingerprints);
  ExpectInvalid(r, "fingerprints");
  r = MakeTestRegistration();
  absl::StatusOr<std::string> uint8_keys =
      io::SerializeNpy(torch::zeros({4, 1, 8, 8}, torch::kUInt8));
  ASSERT_TRUE(uint8_keys.ok());
  r.key_set.npy = *uint8_keys;
  ExpectInvalid(r, "float32");
}

TEST(ValidateRegistrationTest, KeyBoxPerChannel) {
  Registration r = MakeTestRegistration(Spec().Shape({3, 4, 4}));
  r.key_set.box_low = {0.0};
  ExpectInvalid(r, "one low and one high per channel");
  r = MakeTestRegistration(Spec().Shape({3, 4, 4}));
  r.key_set.box_high[1] = r.key_set.box_low[1];
  ExpectInvalid(r, "must be below high");
}

TEST(PageTokenTest, RoundTrip) {
  const PagePosition p{.created_micros = -1234567, .id = "reg_00ff"};
  const std::string token = EncodePageToken(p);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << token;
  absl::StatusOr<PagePosition> back = DecodePageToken(token);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
}

TEST(PageTokenTest, RefusesWhatItDidNotMake) {
  for (const std::string& bad :
       std::vector<std::string>{"!!!", "cDI6MTI6cmVn", "bm9wZQ", "cDE6eDpyZWc", "cDE6MTI6",
                                EncodePageToken({.created_micros = 1, .id = "a b"})}) {
    absl::StatusOr<PagePosition> p = DecodePageToken(bad);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace infip::store
