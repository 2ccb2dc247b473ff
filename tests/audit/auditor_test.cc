// The Auditor end to end with real models, a real store and a real signer: register, verify
// a copy and an unrelated model, screen, check the signed statements, delete.
#include "infip/audit/auditor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <variant>

#include "audit_test_util.h"
#include "infip/common/version.h"
#include "infip/fingerprint/file_format.h"
#include "infip/store/make_registration.h"
#include "infip/verdict/dsse.h"
#include "infip/verdict/signed_statement.h"
#include "infip/verdict/verifier.h"

namespace infip::audit {
namespace {

using testing::AuditorTest;
using testing::GrayKeys;
using testing::ProgressLog;
using testing::RgbKeys;
using testing::Settings;
using testing::Suspect;

class AuditorFlowTest : public AuditorTest {
 protected:
  // The statement inside an envelope, after checking its signature with the public key alone.
  verdict::Statement Checked(const std::string& envelope_json) {
    absl::StatusOr<std::unique_ptr<verdict::Verifier>> verifier =
        verdict::Verifier::Create(signer_->PublicKeyPem());
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    absl::StatusOr<verdict::Envelope> envelope = verdict::ParseEnvelope(envelope_json);
    EXPECT_TRUE(envelope.ok()) << envelope.status();
    if (!verifier.ok() || !envelope.ok()) return {};
    absl::StatusOr<verdict::Statement> statement = verdict::VerifyStatement(*envelope, **verifier);
    EXPECT_TRUE(statement.ok()) << statement.status();
    return statement.ok() ? *std::move(statement) : verdict::Statement{};
  }

  void ExpectVerdictStatement(const VerdictRecord& v) {
    const verdict::Statement statement = Checked(v.envelope);
    ASSERT_EQ(statement.subject.size(), 1u);
    EXPECT_EQ(statement.subject[0].name, v.suspect_name);
    EXPECT_EQ(statement.subject[0].sha256, v.suspect_sha256);
    ASSERT_TRUE(std::holds_alternative<verdict::VerdictPredicate>(statement.predicate));
    const auto& p = std::get<verdict::VerdictPredicate>(statement.predicate);
    EXPECT_EQ(p.registration_id, v.registration_id);
    EXPECT_EQ(p.assim, v.comparison.assim);
    EXPECT_EQ(p.ci_low, v.comparison.ci_low);
    EXPECT_EQ(p.ci_high, v.comparison.ci_high);
    EXPECT_EQ(p.threshold, v.comparison.threshold);
    EXPECT_EQ(p.pirated, v.comparison.pirated);
    EXPECT_EQ(p.per_key_ssim, v.comparison.per_key);
    EXPECT_EQ(p.n, v.key_count);
    EXPECT_EQ(p.composite, v.composite);
    EXPECT_EQ(p.lambda, v.lambda);
    EXPECT_EQ(p.lambda_scaling, fingerprint::LambdaScalingName(v.lambda_scaling));
    EXPECT_EQ(p.engine_version, kEngineVersion);
    EXPECT_EQ(p.time, v.time);
    EXPECT_EQ(p.confidence, v.confidence);
  }
};

TEST_F(AuditorFlowTest, RegisterModelStoresASignedRegistration) {
  const io::KeySet keys = GrayKeys();
  ProgressLog log;
  const SuspectModel model = Suspect("vgg_like.pt", "vgg_like.pt");
  RegisterSettings settings = Settings("alice", "VGG “like”");
  settings.threshold = 0.7;
  absl::StatusOr<store::Registration> r =
      auditor_->RegisterModel(settings, keys, model, log.control());
  ASSERT_TRUE(r.ok()) << r.status();

  EXPECT_EQ(r->id.substr(0, 4), "reg_");
  EXPECT_EQ(r->owner, "alice");
  EXPECT_EQ(r->model_name, "VGG “like”");
  EXPECT_EQ(r->threshold, 0.7);
  EXPECT_EQ(r->composite, "dtd");  // the defaults
  EXPECT_EQ(r->lambda, 5000.0);
  EXPECT_EQ(r->lambda_scaling, fingerprint::LambdaScaling::kResolution);
  EXPECT_EQ(r->key_count, 8);
  EXPECT_EQ(r->input_shape, (store::InputShape{1, 32, 32}));
  EXPECT_EQ(r->key_set.sha256, io::KeySetSha256(keys.inputs));
  EXPECT_EQ(*store_->Count(), 1);
  absl::StatusOr<store::Registration> stored = store_->Get(r->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->receipt, r->receipt);
  EXPECT_TRUE(stored->fingerprints == r->fingerprints);

  // S holds the model's hash, the keys' hash and a key preview.
  absl::StatusOr<fingerprint::FingerprintSet> set = store::StoredFingerprints(*stored);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->metadata.model_sha256, model.sha256);
  EXPECT_EQ(set->metadata.key_set_sha256, r->key_set.sha256);
  EXPECT_EQ(set->size(), 8);
  EXPECT_TRUE(set->key_preview.defined());

  // The receipt verifies with the public key alone and names the model file and both hashes.
  const verdict::Statement receipt = Checked(r->receipt);
  ASSERT_EQ(receipt.subject.size(), 1u);
  EXPECT_EQ(receipt.subject[0].name, "vgg_like.pt");
  EXPECT_EQ(receipt.subject[0].sha256, model.sha256);
  ASSERT_TRUE(std::holds_alternative<verdict::ReceiptPredicate>(receipt.predicate));
  const auto& p = std::get<verdict::ReceiptPredicate>(receipt.predicate);
  EXPECT_EQ(p.registration_id, r->id);
  EXPECT_EQ(p.owner, "alice");
  EXPECT_EQ(p.model_name, "VGG “like”");
  EXPECT_EQ(p.key_set_sha256, r->key_set.sha256);
  EXPECT_EQ(p.fingerprint_set_sha256, io::Sha256Hex(r->fingerprints));
  EXPECT_EQ(p.n, 8);
  EXPECT_EQ(p.threshold, 0.7);
  EXPECT_EQ(p.time, r->created);

  // Progress: loading, then every key explained, then signing.
  EXPECT_TRUE(log.Saw(Stage::kLoading));
  EXPECT_TRUE(log.Saw(Stage::kSigning));
  int64_t explained = 0;
  for (const Progress& e : log.events) {
    if (e.stage != Stage::kExtracting) continue;
    EXPECT_EQ(e.total, 8);
    EXPECT_GE(e.done, explained);
    explained = e.done;
  }
  EXPECT_EQ(explained, 8);
  ASSERT_FALSE(log.events.empty());
  EXPECT_EQ(log.events.front().stage, Stage::kLoading);
  EXPECT_EQ(log.events.back().stage, Stage::kSigning);
}

TEST_F(AuditorFlowTest, VerifyingTheSameModelGivesAssimOneAndASignedPiratedVerdict) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  ProgressLog log;
  const SuspectModel suspect = Suspect("vgg_like.pt", "copy.pt");
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, suspect, log.control());
  ASSERT_TRUE(v.ok()) << v.status();

  EXPECT_EQ(v->id.substr(0, 4), "vrd_");
  EXPECT_EQ(v->registration_id, r.id);
  EXPECT_EQ(v->suspect_name, "copy.pt");
  EXPECT_EQ(v->suspect_sha256, suspect.sha256);
  // The same model on the same keys gives bit-identical fingerprints.
  EXPECT_DOUBLE_EQ(v->comparison.assim, 1.0);
  ASSERT_EQ(v->comparison.per_key.size(), 8u);
  for (double s : v->comparison.per_key) EXPECT_DOUBLE_EQ(s, 1.0);
  EXPECT_DOUBLE_EQ(v->comparison.ci_low, 1.0);
  EXPECT_DOUBLE_EQ(v->comparison.ci_high, 1.0);
  EXPECT_TRUE(v->comparison.pirated);
  EXPECT_EQ(v->comparison.threshold, 0.85);
  EXPECT_EQ(v->key_count, 8);
  EXPECT_EQ(v->composite, "dtd");
  EXPECT_EQ(v->lambda, 5000.0);
  ExpectVerdictStatement(*v);

  // Recorded, with S' equal to S.
  EXPECT_EQ(Verdicts(), 1);
  absl::StatusOr<store::StoredVerdict> stored = store_->GetVerdict(v->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->envelope, v->envelope);
  EXPECT_EQ(stored->per_key_ssim, v->comparison.per_key);
  absl::StatusOr<fingerprint::FingerprintSet> s2 =
      fingerprint::ParseFingerprintSet(stored->suspect_fingerprints);
  absl::StatusOr<fingerprint::FingerprintSet> s = store::StoredFingerprints(r);
  ASSERT_TRUE(s2.ok() && s.ok());
  EXPECT_TRUE(torch::equal(s2->images, s->images));

  EXPECT_TRUE(log.Saw(Stage::kLoading));
  EXPECT_TRUE(log.Saw(Stage::kExtracting));
  EXPECT_TRUE(log.Saw(Stage::kComparing));
  EXPECT_EQ(log.events.back().stage, Stage::kSigning);
}

TEST_F(AuditorFlowTest, AnIndependentModelScoresLower) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, Suspect("vgg_like_other.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  // Measured at about 0.62 for these keys: far below the self-verdict's 1 and below the
  // default T of 0.85.
  EXPECT_LT(v->comparison.assim, 0.8);
  EXPECT_FALSE(v->comparison.pirated);
  EXPECT_LE(v->comparison.ci_low, v->comparison.assim);
  EXPECT_GE(v->comparison.ci_high, v->comparison.assim);
  EXPECT_LT(v->comparison.ci_low, v->comparison.ci_high);
  double sum = 0;
  for (double s : v->comparison.per_key) sum += s;
  EXPECT_NEAR(v->comparison.assim, sum / 8.0, 1e-12);
  ExpectVerdictStatement(*v);
  EXPECT_EQ(Verdicts(), 1);
}

TEST_F(AuditorFlowTest, ScreenRanksCompatibleRegistrationsAndSkipsOtherShapes) {
  const io::KeySet gray = GrayKeys();
  const store::Registration own = Register("vgg_like.pt", gray);
  const store::Registration other = Register("vgg_like_other.pt", gray, Settings("alice", "other"));
  const store::Registration rgb = Register("resnet_like.pt", RgbKeys(), Settings("bob", "res"));

  ProgressLog log;
  absl::StatusOr<ScreenOutcome> outcome =
      auditor_->Screen(Suspect("vgg_like.pt"), std::nullopt, log.control());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->candidates, 3);
  ASSERT_EQ(outcome->verdicts.size(), 2u);
  EXPECT_EQ(outcome->verdicts[0].registration_id, own.id);
  EXPECT_DOUBLE_EQ(outcome->verdicts[0].comparison.assim, 1.0);
  EXPECT_EQ(outcome->verdicts[1].registration_id, other.id);
  EXPECT_LT(outcome->verdicts[1].comparison.assim, outcome->verdicts[0].comparison.assim);
  ASSERT_EQ(outcome->skipped.size(), 1u);
  EXPECT_EQ(outcome->skipped[0].registration_id, rgb.id);
  EXPECT_EQ(outcome->skipped[0].input_shape, (store::InputShape{3, 32, 32}));
  EXPECT_NE(outcome->skipped[0].reason.find("3x32x32"), std::string::npos)
      << outcome->skipped[0].reason;
  for (const VerdictRecord& v : outcome->verdicts) ExpectVerdictStatement(v);
  EXPECT_EQ(Verdicts(), 2);

  // The same pair verified one to one gives the same numbers (SSIM is symmetric, and S' of
  // vgg_like on these keys is S of the first registration).
  absl::StatusOr<VerdictRecord> one = auditor_->Verify(other.id, Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->comparison.per_key, outcome->verdicts[1].comparison.per_key);

  // Comparing progress names the registration being worked on.
  bool named = false;
  for (const Progress& p : log.events) {
    if (p.stage == Stage::kComparing && p.done > 0) {
      EXPECT_TRUE(p.registration_id == own.id || p.registration_id == other.id);
      named = true;
    }
  }
  EXPECT_TRUE(named);

  // Only one owner's registrations.
  absl::StatusOr<ScreenOutcome> bobs =
      auditor_->Screen(Suspect("resnet_like.pt"), std::string("bob"), Control{});
  ASSERT_TRUE(bobs.ok()) << bobs.status();
  EXPECT_EQ(bobs->candidates, 1);
  ASSERT_EQ(bobs->verdicts.size(), 1u);
  EXPECT_EQ(bobs->verdicts[0].registration_id, rgb.id);
  EXPECT_DOUBLE_EQ(bobs->verdicts[0].comparison.assim, 1.0);
  EXPECT_TRUE(bobs->skipped.empty());
}

TEST_F(AuditorFlowTest, ScreeningAnEmptyStoreComparesNothing) {
  absl::StatusOr<ScreenOutcome> outcome =
      auditor_->Screen(Suspect("vgg_like.pt"), std::nullopt, Control{});
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->candidates, 0);
  EXPECT_TRUE(outcome->verdicts.empty());
  EXPECT_TRUE(outcome->skipped.empty());
}

TEST_F(AuditorFlowTest, DeletingARegistrationDeletesItsVerdicts) {
  const store::Registration r = Register("vgg_like.pt", GrayKeys());
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(auditor_->VerdictEvidence(v->id, 1).ok());
  ASSERT_TRUE(store_->Delete(r.id).ok());
  EXPECT_EQ(Verdicts(), 0);
  EXPECT_EQ(store_->GetVerdict(v->id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(auditor_->VerdictEvidence(v->id, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(auditor_->Verify(r.id, Suspect("vgg_like.pt"), Control{}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(AuditorFlowTest, RegistrationSettingsAreUsedForVerification) {
  RegisterSettings settings = Settings();
  settings.composite = "epsilon-plus-flat";
  settings.lambda = 800.0;
  settings.lambda_scaling = fingerprint::LambdaScaling::kLiteral;
  settings.threshold = 0.5;
  const store::Registration r = Register("vgg_like.pt", GrayKeys(), settings);
  EXPECT_EQ(r.composite, "epsilon-plus-flat");
  EXPECT_EQ(r.lambda, 800.0);
  EXPECT_EQ(r.lambda_scaling, fingerprint::LambdaScaling::kLiteral);
  absl::StatusOr<VerdictRecord> v = auditor_->Verify(r.id, Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->composite, "epsilon-plus-flat");
  EXPECT_EQ(v->lambda, 800.0);
  EXPECT_EQ(v->lambda_scaling, fingerprint::LambdaScaling::kLiteral);
  EXPECT_EQ(v->comparison.threshold, 0.5);
  EXPECT_DOUBLE_EQ(v->comparison.assim, 1.0);
  ExpectVerdictStatement(*v);
}

}  // namespace
}  // namespace infip::audit
