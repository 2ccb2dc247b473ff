// The Auditor's refusals: every bad input gets its canonical status, names what it is about,
// and leaves the store as it was.
#include <gtest/gtest.h>

#include <atomic>

#include "audit_test_util.h"
#include "infip/audit/auditor.h"
#include "infip/audit/extraction.h"
#include "infip/fingerprint/file_format.h"

namespace infip::audit {
namespace {

using testing::AuditorTest;
using testing::GrayKeys;
using testing::MakeKeys;
using testing::ReadBytes;
using testing::RgbKeys;
using testing::Settings;
using testing::Suspect;
using testing::WriteBytes;

class AuditorErrorsTest : public AuditorTest {
 protected:
  // A model file of these bytes in the scratch directory.
  SuspectModel FileModel(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.Path(name);
    WriteBytes(path, bytes);
    SuspectModel model;
    model.path = path;
    model.name = name;
    return model;
  }
};

void ExpectMentions(const absl::Status& status, const std::string& text) {
  EXPECT_NE(status.message().find(text), absl::string_view::npos)
      << "\"" << text << "\" not in: " << status;
}

TEST_F(AuditorErrorsTest, UnknownIdsAreNotFound) {
  const std::string id = "reg_0123456789abcdef";
  const absl::Status verify = auditor_->Verify(id, Suspect("vgg_like.pt"), Control{}).status();
  EXPECT_EQ(verify.code(), absl::StatusCode::kNotFound) << verify;
  ExpectMentions(verify, id);
  const absl::Status evidence = auditor_->RegistrationEvidence(id, 0).status();
  EXPECT_EQ(evidence.code(), absl::StatusCode::kNotFound) << evidence;
  const absl::Status verdict = auditor_->VerdictEvidence("vrd_0123456789abcdef", 0).status();
  EXPECT_EQ(verdict.code(), absl::StatusCode::kNotFound) << verdict;
  ExpectMentions(verdict, "vrd_0123456789abcdef");
  EXPECT_EQ(auditor_->Verify("no such id!", Suspect("vgg_like.pt"), Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, UnsupportedOperationIsUnimplementedNamingIt) {
  const absl::Status s =
      auditor_->RegisterModel(Settings(), GrayKeys(), Suspect("unsupported_op.pt"), Control{})
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
  ExpectMentions(s, "sigmoid");
  EXPECT_EQ(Registrations(), 0);
}

TEST_F(AuditorErrorsTest, ModelThatDoesNotTakeTheKeysIsFailedPrecondition) {
  const absl::Status registering =
      auditor_->RegisterModel(Settings(), GrayKeys(), Suspect("resnet_like.pt"), Control{})
          .status();
  EXPECT_EQ(registering.code(), absl::StatusCode::kFailedPrecondition) << registering;
  EXPECT_EQ(Registrations(), 0);

  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  const absl::Status verifying =
      auditor_->Verify(r.id, Suspect("resnet_like.pt"), Control{}).status();
  EXPECT_EQ(verifying.code(), absl::StatusCode::kFailedPrecondition) << verifying;
  ExpectMentions(verifying, r.id);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, CorruptModelsAreInvalidArguments) {
  const std::string good = ReadBytes(testing::ModelPath("vgg_like.pt"));
  const SuspectModel models[] = {
      FileModel("truncated.pt", good.substr(0, good.size() / 2)),
      FileModel("text.pt", "this is not a TorchScript archive"),
      FileModel("empty.pt", ""),
  };
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  for (const SuspectModel& model : models) {
    const absl::Status registering =
        auditor_->RegisterModel(Settings(), GrayKeys(), model, Control{}).status();
    EXPECT_EQ(registering.code(), absl::StatusCode::kInvalidArgument)
        << model.name << ": " << registering;
    const absl::Status verifying = auditor_->Verify(r.id, model, Control{}).status();
    EXPECT_EQ(verifying.code(), absl::StatusCode::kInvalidArgument)
        << model.name << ": " << verifying;
  }
  EXPECT_EQ(Registrations(), 1);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, CancelledCallsStoreNothing) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  ASSERT_EQ(Registrations(), 1);

  Control cancelled;
  cancelled.cancelled = [] { return true; };
  EXPECT_EQ(auditor_->RegisterModel(Settings(), GrayKeys(), Suspect("vgg_like.pt"), cancelled)
                .status()
                .code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(auditor_->Verify(r.id, Suspect("vgg_like.pt"), cancelled).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(auditor_->Screen(Suspect("vgg_like.pt"), std::nullopt, cancelled).status().code(),
            absl::StatusCode::kCancelled);

  // Cancelled in the middle of the extraction: after the first chunk of 4 keys of 8.
  std::atomic<bool> stop{false};
  Control midway;
  midway.cancelled = [&stop] { return stop.load(); };
  midway.progress = [&stop](const Progress& p) {
    if (p.stage == Stage::kExtracting && p.done > 0) stop = true;
  };
  const absl::Status registering =
      auditor_->RegisterModel(Settings(), GrayKeys(), Suspect("vgg_like.pt"), midway).status();
  EXPECT_EQ(registering.code(), absl::StatusCode::kCancelled) << registering;
  stop = false;
  const absl::Status verifying = auditor_->Verify(r.id, Suspect("vgg_like.pt"), midway).status();
  EXPECT_EQ(verifying.code(), absl::StatusCode::kCancelled) << verifying;
  stop = false;
  const absl::Status screening =
      auditor_->Screen(Suspect("vgg_like.pt"), std::nullopt, midway).status();
  EXPECT_EQ(screening.code(), absl::StatusCode::kCancelled) << screening;

  // Cancelled when everything but the signing is done.
  Control at_signing;
  bool signing = false;
  at_signing.progress = [&signing](const Progress& p) {
    if (p.stage == Stage::kComparing && p.done == p.total) signing = true;
  };
  at_signing.cancelled = [&signing] { return signing; };
  EXPECT_EQ(auditor_->Verify(r.id, Suspect("vgg_like.pt"), at_signing).status().code(),
            absl::StatusCode::kCancelled);

  EXPECT_EQ(Registrations(), 1);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, ExpiredDeadlineIsDeadlineExceeded) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  Control late;
  late.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(auditor_->Verify(r.id, Suspect("vgg_like.pt"), late).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(
      auditor_->RegisterModel(Settings(), GrayKeys(), Suspect("vgg_like.pt"), late).status().code(),
      absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Registrations(), 1);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, BadSettingsAreInvalidArgumentsNamingThem) {
  struct Case {
    const char* expect;
    RegisterSettings settings;
  };
  std::vector<Case> cases;
  cases.push_back({"owner", Settings("", "m")});
  cases.push_back({"owner", Settings("   ", "m")});
  cases.push_back({"owner", Settings("al\nice", "m")});
  cases.push_back({"owner", Settings(std::string(129, 'a'), "m")});
  cases.push_back({"owner", Settings("\xff\xfe", "m")});
  cases.push_back({"model name", Settings("alice", "")});
  cases.push_back({"model name", Settings("alice", std::string(257, 'm'))});
  RegisterSettings composite = Settings();
  composite.composite = "magic";
  cases.push_back({"dtd", composite});  // the message lists the known composites
  RegisterSettings lambda = Settings();
  lambda.lambda = 0.0;
  cases.push_back({"lambda", lambda});
  RegisterSettings threshold = Settings();
  threshold.threshold = 1.5;
  cases.push_back({"threshold", threshold});
  for (const Case& c : cases) {
    const absl::Status s =
        auditor_->RegisterModel(c.settings, GrayKeys(), Suspect("vgg_like.pt"), Control{}).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.expect << ": " << s;
    ExpectMentions(s, c.expect);
  }
  // 128 characters of more than one byte each are still 128 characters.
  std::string long_owner;
  for (int i = 0; i < 128; ++i) long_owner += "é";
  EXPECT_TRUE(
      auditor_
          ->RegisterModel(Settings(long_owner, "m"), GrayKeys(), Suspect("vgg_like.pt"), Control{})
          .ok());
  EXPECT_EQ(Registrations(), 1);
}

TEST_F(AuditorErrorsTest, BadOptionsAreRefusedAtCreate) {
  const auto create = [&](AuditorOptions options) {
    return Auditor::Create(options, store_.get(), signer_.get()).status();
  };
  AuditorOptions composite;
  composite.default_composite = "nope";
  EXPECT_EQ(create(composite).code(), absl::StatusCode::kInvalidArgument);
  AuditorOptions threshold;
  threshold.default_threshold = -2;
  EXPECT_EQ(create(threshold).code(), absl::StatusCode::kInvalidArgument);
  AuditorOptions lambda;
  lambda.default_lambda = 0;
  EXPECT_EQ(create(lambda).code(), absl::StatusCode::kInvalidArgument);
  AuditorOptions device;
  device.device = "a toaster";
  EXPECT_EQ(create(device).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Auditor::Create(AuditorOptions{}, nullptr, signer_.get()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(create(AuditorOptions{}).ok());
}

TEST_F(AuditorErrorsTest, RegisterFingerprintsChecksThatSMatchesK) {
  const io::KeySet keys = GrayKeys();
  // S extracted locally, the way an owner's CLI does it.
  ExtractionSettings settings;
  absl::StatusOr<Extraction> extraction =
      ExtractFromFile(testing::ModelPath("vgg_like.pt"), keys, settings, torch::kCPU, Control{});
  ASSERT_TRUE(extraction.ok()) << extraction.status();
  absl::StatusOr<std::string> bytes = fingerprint::SerializeFingerprintSet(extraction->set);
  ASSERT_TRUE(bytes.ok()) << bytes.status();

  // Other keys of the same shape and count.
  const absl::Status other_keys =
      auditor_->RegisterFingerprints(Settings(), GrayKeys(99), *bytes).status();
  EXPECT_EQ(other_keys.code(), absl::StatusCode::kInvalidArgument) << other_keys;
  ExpectMentions(other_keys, "key set");
  // Fewer keys.
  io::KeySet fewer = MakeKeys(4, 1, 32, 32, 1);
  EXPECT_EQ(auditor_->RegisterFingerprints(Settings(), fewer, *bytes).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Not an .infip file, and a damaged one.
  EXPECT_EQ(auditor_->RegisterFingerprints(Settings(), keys, "INFIPFS\nnonsense").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 0x40;
  EXPECT_EQ(auditor_->RegisterFingerprints(Settings(), keys, damaged).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Registrations(), 0);

  // The matching pair registers, with a receipt over the file, and verifies like a model.
  absl::StatusOr<store::Registration> r =
      auditor_->RegisterFingerprints(Settings("alice", "vgg"), keys, *bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->fingerprints == *bytes);
  EXPECT_EQ(r->fingerprints_sha256, io::Sha256Hex(*bytes));
  EXPECT_EQ(Registrations(), 1);
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r->id, Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ(v->comparison.assim, 1.0);
}

TEST_F(AuditorErrorsTest, BadSuspectsAreInvalidArguments) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  SuspectModel unnamed = Suspect("vgg_like.pt", "");
  EXPECT_EQ(auditor_->Verify(r.id, unnamed, Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  SuspectModel bad_hash = Suspect("vgg_like.pt");
  bad_hash.sha256 = "not a hash";
  EXPECT_EQ(auditor_->Verify(r.id, bad_hash, Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auditor_->Screen(Suspect("vgg_like.pt"), std::string(""), Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auditor_->RegistrationEvidence(r.id, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Verdicts(), 0);
}

TEST_F(AuditorErrorsTest, KeySetsBeyondTheLimitsAreRefused) {
  AuditorOptions options = Options();
  options.limits.max_keys = 4;
  absl::StatusOr<std::unique_ptr<Auditor>> small =
      Auditor::Create(options, store_.get(), signer_.get());
  ASSERT_TRUE(small.ok());
  const absl::Status s =
      (*small)->RegisterModel(Settings(), GrayKeys(), Suspect("vgg_like.pt"), Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  ExpectMentions(s, "8 keys");
  io::KeySet no_box = RgbKeys();
  no_box.box_low.pop_back();
  EXPECT_EQ(auditor_->RegisterModel(Settings(), no_box, Suspect("resnet_like.pt"), Control{})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Registrations(), 0);
}

}  // namespace
}  // namespace infip::audit
