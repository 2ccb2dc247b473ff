#include "server/proto_convert.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/absl_view.h"

namespace infip::server {

google::protobuf::Timestamp TimeToProto(absl::Time time) {
  google::protobuf::Timestamp out;
  const int64_t seconds = absl::ToUnixSeconds(time);
  out.set_seconds(seconds);
  // ToUnixSeconds floors, so the remainder is always in [0, 1 s).
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return out;
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

v1::InputShape InputShapeToProto(const store::InputShape& shape) {
  v1::InputShape out;
  out.set_channels(shape.channels);
  out.set_height(shape.height);
  out.set_width(shape.width);
  return out;
}

v1::LambdaScaling LambdaScalingToProto(fingerprint::LambdaScaling scaling) {
  switch (scaling) {
    case fingerprint::LambdaScaling::kResolution: return v1::LAMBDA_SCALING_RESOLUTION;
    case fingerprint::LambdaScaling::kLiteral: return v1::LAMBDA_SCALING_LITERAL;
  }
  return v1::LAMBDA_SCALING_UNSPECIFIED;
}

v1::Stage StageToProto(audit::Stage stage) {
  switch (stage) {
    case audit::Stage::kQueued: return v1::STAGE_QUEUED;
    case audit::Stage::kLoading: return v1::STAGE_LOADING;
    case audit::Stage::kExtracting: return v1::STAGE_EXTRACTING;
    case audit::Stage::kComparing: return v1::STAGE_COMPARING;
    case audit::Stage::kSigning: return v1::STAGE_SIGNING;
  }
  return v1::STAGE_UNSPECIFIED;
}

namespace {

// The fields a full registration and its summary share.
template <typename Record>
void CopyCommon(const Record& r, v1::Registration& out) {
  out.set_id(r.id);
  out.set_owner(r.owner);
  out.set_model_name(r.model_name);
  *out.mutable_created() = TimeToProto(r.created);
  out.set_threshold(r.threshold);
  out.set_composite(r.composite);
  out.set_lambda(r.lambda);
  out.set_lambda_scaling(LambdaScalingToProto(r.lambda_scaling));
  *out.mutable_input_shape() = InputShapeToProto(r.input_shape);
  out.set_key_count(r.key_count);
  out.set_fingerprints_sha256(r.fingerprints_sha256);
}

}  // namespace

v1::Registration RegistrationToProto(const store::Registration& registration,
                                     bool with_receipt) {
  v1::Registration out;
  CopyCommon(registration, out);
  out.set_key_set_sha256(registration.key_set.sha256);
  if (with_receipt) out.set_receipt(registration.receipt);
  return out;
}

v1::Registration SummaryToProto(const store::RegistrationSummary& summary) {
  v1::Registration out;
  CopyCommon(summary, out);
  out.set_key_set_sha256(summary.key_set_sha256);
  return out;
}

v1::Verdict VerdictToProto(const audit::VerdictRecord& verdict) {
  v1::Verdict out;
  out.set_verdict_id(verdict.id);
  out.set_registration_id(verdict.registration_id);
  out.set_suspect_name(verdict.suspect_name);
  out.set_suspect_sha256(verdict.suspect_sha256);
  const similarity::Comparison& c = verdict.comparison;
  out.set_assim(c.assim);
  out.set_ci_low(c.ci_low);
  out.set_ci_high(c.ci_high);
  out.set_confidence(verdict.confidence);
  out.set_threshold(c.threshold);
  out.set_key_count(verdict.key_count);
  out.set_pirated(c.pirated);
  out.mutable_per_key_ssim()->Add(c.per_key.begin(), c.per_key.end());
  out.set_composite(verdict.composite);
  out.set_lambda(verdict.lambda);
  out.set_lambda_scaling(LambdaScalingToProto(verdict.lambda_scaling));
  out.set_engine_version(verdict.engine_version);
  *out.mutable_time() = TimeToProto(verdict.time);
  out.set_envelope(verdict.envelope);
  return out;
}

v1::ScreenResult ScreenResultToProto(const audit::ScreenOutcome& outcome) {
  v1::ScreenResult out;
  for (const audit::VerdictRecord& v : outcome.verdicts) *out.add_verdicts() = VerdictToProto(v);
  for (const audit::ScreenSkip& s : outcome.skipped) {
    v1::ScreenSkip* skip = out.add_skipped();
    skip->set_registration_id(s.registration_id);
    *skip->mutable_input_shape() = InputShapeToProto(s.input_shape);
    skip->set_reason(s.reason);
  }
  out.set_candidates(outcome.candidates);
  return out;
}

v1::EvidenceKind EvidenceKindToProto(audit::EvidenceKind kind) {
  switch (kind) {
    case audit::EvidenceKind::kKey: return v1::EVIDENCE_KIND_KEY;
    case audit::EvidenceKind::kRegisteredFingerprint:
      return v1::EVIDENCE_KIND_REGISTERED_FINGERPRINT;
    case audit::EvidenceKind::kSuspectFingerprint: return v1::EVIDENCE_KIND_SUSPECT_FINGERPRINT;
    case audit::EvidenceKind::kSsimMap: return v1::EVIDENCE_KIND_SSIM_MAP;
    case audit::EvidenceKind::kGrid: return v1::EVIDENCE_KIND_GRID;
  }
  return v1::EVIDENCE_KIND_UNSPECIFIED;
}

v1::EvidenceImage EvidenceImageToProto(const audit::EvidenceImage& image) {
  v1::EvidenceImage out;
  out.set_kind(EvidenceKindToProto(image.kind));
  out.set_key_index(image.key_index);
  out.set_name(image.name);
  out.set_png(image.png);
  out.set_ssim(image.ssim);
  return out;
}

v1::Progress ProgressToProto(const audit::Progress& progress) {
  v1::Progress out;
  out.set_stage(StageToProto(progress.stage));
  out.set_done(progress.done);
  out.set_total(progress.total);
  out.set_registration_id(progress.registration_id);
  return out;
}

absl::StatusOr<std::optional<fingerprint::LambdaScaling>> LambdaScalingFromProto(
    int value, std::string_view field) {
  switch (value) {
    case v1::LAMBDA_SCALING_UNSPECIFIED: return std::nullopt;
    case v1::LAMBDA_SCALING_RESOLUTION: return fingerprint::LambdaScaling::kResolution;
    case v1::LAMBDA_SCALING_LITERAL: return fingerprint::LambdaScaling::kLiteral;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(field), ": unknown lambda scaling ", value,
                       " (1 = RESOLUTION, 2 = LITERAL, 0 = the server's default)"));
  }
}

absl::StatusOr<std::optional<store::InputShape>> InputShapeFromProto(const v1::InputShape& shape,
                                                                     std::string_view field) {
  const int64_t c = shape.channels(), h = shape.height(), w = shape.width();
  if (c == 0 && h == 0 && w == 0) return std::nullopt;
  if (c <= 0 || h <= 0 || w <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(field), ": ", c, " x ", h, " x ", w,
                     " is not an input shape (all three positive, or all zero for any shape)"));
  }
  return store::InputShape{c, h, w};
}

namespace {

template <typename Header>
audit::RegisterSettings CommonSettings(const Header& header) {
  audit::RegisterSettings settings;
  settings.owner = header.owner();
  settings.model_name = header.model_name();
  if (header.has_threshold()) settings.threshold = header.threshold();
  return settings;
}

}  // namespace

absl::StatusOr<audit::RegisterSettings> RegisterSettingsFromProto(
    const v1::RegisterModelHeader& header) {
  audit::RegisterSettings settings = CommonSettings(header);
  settings.composite = header.composite();
  if (header.has_lambda()) settings.lambda = header.lambda();
  INFIP_ASSIGN_OR_RETURN(
      settings.lambda_scaling,
      LambdaScalingFromProto(header.lambda_scaling(), "RegisterModelHeader.lambda_scaling"));
  return settings;
}

absl::StatusOr<audit::RegisterSettings> RegisterSettingsFromProto(
    const v1::RegisterFingerprintsHeader& header) {
  return CommonSettings(header);
}

absl::StatusOr<store::ListFilter> ListFilterFromProto(const v1::ListRegistrationsRequest& request) {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ListRegistrationsRequest.page_size: ", request.page_size(), " is negative"));
  }
  store::ListFilter filter;
  if (!request.owner().empty()) filter.owner = request.owner();
  if (request.has_input_shape()) {
    INFIP_ASSIGN_OR_RETURN(
        filter.input_shape,
        InputShapeFromProto(request.input_shape(), "ListRegistrationsRequest.input_shape"));
  }
  filter.page_size = request.page_size();
  filter.page_token = request.page_token();
  return filter;
}

audit::KeySetUpload KeySetUploadFromProto(const v1::KeySetInfo& info, std::string npy) {
  audit::KeySetUpload upload;
  upload.npy = std::move(npy);
  upload.box_low.assign(info.box_low().begin(), info.box_low().end());
  upload.box_high.assign(info.box_high().begin(), info.box_high().end());
  upload.preprocessing = info.preprocessing();
  return upload;
}

}  // namespace infip::server
