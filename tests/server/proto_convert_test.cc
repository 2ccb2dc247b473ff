// Records to infip.v1 messages and back: every field lands where the proto says.
#include "server/proto_convert.h"

#include <gtest/gtest.h>

namespace infip::server {
namespace {

store::Registration SampleRegistration() {
  store::Registration r;
  r.id = "reg_0123456789abcdef";
  r.owner = "alice";
  r.model_name = "resnet-18 v2";
  r.created = absl::FromUnixMicros(1717763696123456);
  r.threshold = 0.6;
  r.key_set.npy = "npy bytes";
  r.key_set.sha256 = std::string(64, 'b');
  r.fingerprints = "infip bytes";
  r.fingerprints_sha256 = std::string(64, 'c');
  r.composite = "epsilon-plus-flat";
  r.lambda = 250.0;
  r.lambda_scaling = fingerprint::LambdaScaling::kLiteral;
  r.input_shape = {3, 32, 24};
  r.key_count = 17;
  r.receipt = R"({"payloadType":"application/vnd.in-toto+json"})";
  return r;
}

TEST(ProtoConvertTest, RegistrationWithAndWithoutReceipt) {
  const store::Registration r = SampleRegistration();
  const v1::Registration p = RegistrationToProto(r, /*with_receipt=*/true);
  EXPECT_EQ(p.id(), "reg_0123456789abcdef");
  EXPECT_EQ(p.owner(), "alice");
  EXPECT_EQ(p.model_name(), "resnet-18 v2");
  EXPECT_EQ(p.created().seconds(), 1717763696);
  EXPECT_EQ(p.created().nanos(), 123456000);
  EXPECT_EQ(p.threshold(), 0.6);
  EXPECT_EQ(p.composite(), "epsilon-plus-flat");
  EXPECT_EQ(p.lambda(), 250.0);
  EXPECT_EQ(p.lambda_scaling(), v1::LAMBDA_SCALING_LITERAL);
  EXPECT_EQ(p.input_shape().channels(), 3);
  EXPECT_EQ(p.input_shape().height(), 32);
  EXPECT_EQ(p.input_shape().width(), 24);
  EXPECT_EQ(p.key_count(), 17);
  EXPECT_EQ(p.key_set_sha256(), std::string(64, 'b'));
  EXPECT_EQ(p.fingerprints_sha256(), std::string(64, 'c'));
  EXPECT_EQ(p.receipt(), r.receipt);
  EXPECT_EQ(RegistrationToProto(r, /*with_receipt=*/false).receipt(), "");

  // A listing's summary says the same, without the receipt.
  const v1::Registration s = SummaryToProto(store::Summarize(r));
  v1::Registration expected = p;
  expected.clear_receipt();
  EXPECT_EQ(s.SerializeAsString(), expected.SerializeAsString());
}

TEST(ProtoConvertTest, Timestamps) {
  EXPECT_EQ(TimeToProto(absl::UnixEpoch()).seconds(), 0);
  EXPECT_EQ(TimeToProto(absl::UnixEpoch()).nanos(), 0);
  // Before 1970 the nanos stay in [0, 1e9) and the seconds go down.
  const google::protobuf::Timestamp t = TimeToProto(absl::FromUnixNanos(-1));
  EXPECT_EQ(t.seconds(), -1);
  EXPECT_EQ(t.nanos(), 999999999);
  for (const absl::Time time : {absl::FromUnixNanos(-1), absl::FromUnixMicros(1717763696123456),
                                absl::FromUnixSeconds(4102444800)}) {
    EXPECT_EQ(TimeFromProto(TimeToProto(time)), time);
  }
}

TEST(ProtoConvertTest, Verdict) {
  audit::VerdictRecord v;
  v.id = "vrd_00000000000000aa";
  v.registration_id = "reg_0123456789abcdef";
  v.suspect_name = "suspect.pt";
  v.suspect_sha256 = std::string(64, 'd');
  v.comparison.assim = 0.91;
  v.comparison.ci_low = 0.88;
  v.comparison.ci_high = 0.94;
  v.comparison.threshold = 0.85;
  v.comparison.pirated = true;
  v.comparison.per_key = {0.9, 0.92, 0.91};
  v.confidence = 0.95;
  v.key_count = 3;
  v.composite = "dtd";
  v.lambda = 5000.0;
  v.lambda_scaling = fingerprint::LambdaScaling::kResolution;
  v.engine_version = "infip-engine/0.1.0";
  v.time = absl::FromUnixSeconds(1700000000) + absl::Milliseconds(5);
  v.envelope = R"({"payload":"..."})";
  const v1::Verdict p = VerdictToProto(v);
  EXPECT_EQ(p.verdict_id(), "vrd_00000000000000aa");
  EXPECT_EQ(p.registration_id(), "reg_0123456789abcdef");
  EXPECT_EQ(p.suspect_name(), "suspect.pt");
  EXPECT_EQ(p.suspect_sha256(), std::string(64, 'd'));
  EXPECT_EQ(p.assim(), 0.91);
  EXPECT_EQ(p.ci_low(), 0.88);
  EXPECT_EQ(p.ci_high(), 0.94);
  EXPECT_EQ(p.confidence(), 0.95);
  EXPECT_EQ(p.threshold(), 0.85);
  EXPECT_EQ(p.key_count(), 3);
  EXPECT_TRUE(p.pirated());
  ASSERT_EQ(p.per_key_ssim_size(), 3);
  EXPECT_EQ(p.per_key_ssim(1), 0.92);
  EXPECT_EQ(p.composite(), "dtd");
  EXPECT_EQ(p.lambda(), 5000.0);
  EXPECT_EQ(p.lambda_scaling(), v1::LAMBDA_SCALING_RESOLUTION);
  EXPECT_EQ(p.engine_version(), "infip-engine/0.1.0");
  EXPECT_EQ(p.time().seconds(), 1700000000);
  EXPECT_EQ(p.time().nanos(), 5000000);
  EXPECT_EQ(p.envelope(), v.envelope);

  audit::ScreenOutcome outcome;
  outcome.verdicts = {v, v};
  outcome.verdicts[1].id = "vrd_00000000000000bb";
  outcome.skipped.push_back({"reg_1111111111111111", {3, 64, 64}, "the model takes 1x32x32"});
  outcome.candidates = 3;
  const v1::ScreenResult s = ScreenResultToProto(outcome);
  ASSERT_EQ(s.verdicts_size(), 2);
  EXPECT_EQ(s.verdicts(0).verdict_id(), "vrd_00000000000000aa");
  EXPECT_EQ(s.verdicts(1).verdict_id(), "vrd_00000000000000bb");
  ASSERT_EQ(s.skipped_size(), 1);
  EXPECT_EQ(s.skipped(0).registration_id(), "reg_1111111111111111");
  EXPECT_EQ(s.skipped(0).input_shape().channels(), 3);
  EXPECT_EQ(s.skipped(0).input_shape().width(), 64);
  EXPECT_EQ(s.skipped(0).reason(), "the model takes 1x32x32");
  EXPECT_EQ(s.candidates(), 3);
}

TEST(ProtoConvertTest, EvidenceAndProgress) {
  audit::EvidenceImage image;
  image.kind = audit::EvidenceKind::kSsimMap;
  image.key_index = 7;
  image.name = "key-007-ssim.png";
  image.png = std::string("\x89PNG\r\n\x1a\n", 8);
  image.ssim = 0.5;
  const v1::EvidenceImage p = EvidenceImageToProto(image);
  EXPECT_EQ(p.kind(), v1::EVIDENCE_KIND_SSIM_MAP);
  EXPECT_EQ(p.key_index(), 7);
  EXPECT_EQ(p.name(), "key-007-ssim.png");
  EXPECT_EQ(p.png(), image.png);
  EXPECT_EQ(p.ssim(), 0.5);
  EXPECT_EQ(EvidenceKindToProto(audit::EvidenceKind::kKey), v1::EVIDENCE_KIND_KEY);
  EXPECT_EQ(EvidenceKindToProto(audit::EvidenceKind::kRegisteredFingerprint),
            v1::EVIDENCE_KIND_REGISTERED_FINGERPRINT);
  EXPECT_EQ(EvidenceKindToProto(audit::EvidenceKind::kSuspectFingerprint),
            v1::EVIDENCE_KIND_SUSPECT_FINGERPRINT);
  EXPECT_EQ(EvidenceKindToProto(audit::EvidenceKind::kGrid), v1::EVIDENCE_KIND_GRID);

  EXPECT_EQ(StageToProto(audit::Stage::kQueued), v1::STAGE_QUEUED);
  EXPECT_EQ(StageToProto(audit::Stage::kLoading), v1::STAGE_LOADING);
  EXPECT_EQ(StageToProto(audit::Stage::kExtracting), v1::STAGE_EXTRACTING);
  EXPECT_EQ(StageToProto(audit::Stage::kComparing), v1::STAGE_COMPARING);
  EXPECT_EQ(StageToProto(audit::Stage::kSigning), v1::STAGE_SIGNING);
  const v1::Progress progress =
      ProgressToProto({audit::Stage::kExtracting, 64, 400, "reg_0123456789abcdef"});
  EXPECT_EQ(progress.stage(), v1::STAGE_EXTRACTING);
  EXPECT_EQ(progress.done(), 64);
  EXPECT_EQ(progress.total(), 400);
  EXPECT_EQ(progress.registration_id(), "reg_0123456789abcdef");
}

TEST(ProtoConvertTest, RegisterSettingsFromHeaders) {
  v1::RegisterModelHeader h;
  h.set_owner("bob");
  h.set_model_name("net");
  absl::StatusOr<audit::RegisterSettings> unset = RegisterSettingsFromProto(h);
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->owner, "bob");
  EXPECT_EQ(unset->model_name, "net");
  EXPECT_EQ(unset->composite, "");
  EXPECT_FALSE(unset->lambda.has_value());
  EXPECT_FALSE(unset->lambda_scaling.has_value());
  EXPECT_FALSE(unset->threshold.has_value());

  h.set_composite("gradient-x-input");
  h.set_lambda(0.0);  // set, even to zero: the Auditor judges it, not the default
  h.set_lambda_scaling(v1::LAMBDA_SCALING_LITERAL);
  h.set_threshold(0.0);
  absl::StatusOr<audit::RegisterSettings> set = RegisterSettingsFromProto(h);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->composite, "gradient-x-input");
  EXPECT_EQ(set->lambda, 0.0);
  EXPECT_EQ(set->lambda_scaling, fingerprint::LambdaScaling::kLiteral);
  EXPECT_EQ(set->threshold, 0.0);

  h.set_lambda_scaling(static_cast<v1::LambdaScaling>(9));
  absl::StatusOr<audit::RegisterSettings> bad = RegisterSettingsFromProto(h);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("lambda_scaling"), std::string_view::npos);

  v1::RegisterFingerprintsHeader f;
  f.set_owner("carol");
  f.set_model_name("local");
  f.set_threshold(0.7);
  absl::StatusOr<audit::RegisterSettings> fs = RegisterSettingsFromProto(f);
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ(fs->owner, "carol");
  EXPECT_EQ(fs->threshold, 0.7);
}

TEST(ProtoConvertTest, ListFilter) {
  v1::ListRegistrationsRequest request;
  absl::StatusOr<store::ListFilter> all = ListFilterFromProto(request);
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->owner.has_value());
  EXPECT_FALSE(all->input_shape.has_value());
  EXPECT_EQ(all->page_size, 0);

  request.set_owner("alice");
  request.set_page_size(5000);
  request.set_page_token("tok");
  *request.mutable_input_shape() = InputShapeToProto({1, 28, 28});
  absl::StatusOr<store::ListFilter> some = ListFilterFromProto(request);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->owner, "alice");
  EXPECT_EQ(some->page_size, 5000);  // the store caps it
  EXPECT_EQ(some->page_token, "tok");
  EXPECT_EQ(some->input_shape, (store::InputShape{1, 28, 28}));

  request.mutable_input_shape()->set_width(0);
  EXPECT_EQ(ListFilterFromProto(request).status().code(), absl::StatusCode::kInvalidArgument);
  *request.mutable_input_shape() = v1::InputShape();  // set but all zero: every shape
  EXPECT_FALSE(ListFilterFromProto(request)->input_shape.has_value());
  request.set_page_size(-1);
  absl::StatusOr<store::ListFilter> negative = ListFilterFromProto(request);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(negative.status().message().find("page_size"), std::string_view::npos);
}

TEST(ProtoConvertTest, KeySetUpload) {
  v1::KeySetInfo info;
  info.set_npy_bytes(3);
  info.add_box_low(-1.0);
  info.add_box_high(1.0);
  info.add_box_high(2.0);
  info.set_preprocessing("resize=32x32");
  const audit::KeySetUpload upload = KeySetUploadFromProto(info, "abc");
  EXPECT_EQ(upload.npy, "abc");
  EXPECT_EQ(upload.box_low, (std::vector<double>{-1.0}));
  EXPECT_EQ(upload.box_high, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(upload.preprocessing, "resize=32x32");
}

}  // namespace
}  // namespace infip::server
