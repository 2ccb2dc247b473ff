// Conversions between infip.v1 messages and the library's records: registrations and their
// summaries, verdicts, screening results, evidence images and progress one way; registration
// settings, list filters and key-set descriptions the other. Nothing is computed here; every
// field is copied, and a request field the library has no value for (an enum number this
// server does not know, a half-zero shape) is INVALID_ARGUMENT naming the field.
//
//   *response = RegistrationToProto(registration, /*with_receipt=*/true);
//   INFIP_ASSIGN_OR_RETURN(store::ListFilter filter, ListFilterFromProto(request));
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "infip/audit/audit_types.h"
#include "infip/audit/key_upload.h"
#include "infip/store/registration.h"
#include "infip/v1/infip.pb.h"

namespace infip::server {

// --- library -> proto ----------------------------------------------------------------------
[[nodiscard]] google::protobuf::Timestamp TimeToProto(absl::Time time);
[[nodiscard]] v1::InputShape InputShapeToProto(const store::InputShape& shape);
[[nodiscard]] v1::LambdaScaling LambdaScalingToProto(fingerprint::LambdaScaling scaling);
[[nodiscard]] v1::Stage StageToProto(audit::Stage stage);

// Listings carry no receipt (proto: "Empty in listings"); a single Get carries it.
[[nodiscard]] v1::Registration RegistrationToProto(const store::Registration& registration,
                                                   bool with_receipt);
[[nodiscard]] v1::Registration SummaryToProto(const store::RegistrationSummary& summary);
[[nodiscard]] v1::Verdict VerdictToProto(const audit::VerdictRecord& verdict);
[[nodiscard]] v1::ScreenResult ScreenResultToProto(const audit::ScreenOutcome& outcome);
[[nodiscard]] v1::EvidenceImage EvidenceImageToProto(const audit::EvidenceImage& image);
[[nodiscard]] v1::EvidenceKind EvidenceKindToProto(audit::EvidenceKind kind);
[[nodiscard]] v1::Progress ProgressToProto(const audit::Progress& progress);

// --- proto -> library ----------------------------------------------------------------------
[[nodiscard]] absl::Time TimeFromProto(const google::protobuf::Timestamp& time);

// LAMBDA_SCALING_UNSPECIFIED: nullopt (the server's default applies).
[[nodiscard]] absl::StatusOr<std::optional<fingerprint::LambdaScaling>> LambdaScalingFromProto(
    int value, std::string_view field);

// Unset or all zero: nullopt (every shape). Negative or partly zero: INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<std::optional<store::InputShape>> InputShapeFromProto(
    const v1::InputShape& shape, std::string_view field);

[[nodiscard]] absl::StatusOr<audit::RegisterSettings> RegisterSettingsFromProto(
    const v1::RegisterModelHeader& header);
[[nodiscard]] absl::StatusOr<audit::RegisterSettings> RegisterSettingsFromProto(
    const v1::RegisterFingerprintsHeader& header);

// page_size < 0 is INVALID_ARGUMENT; the store caps large ones at store::kMaxPageSize.
[[nodiscard]] absl::StatusOr<store::ListFilter> ListFilterFromProto(
    const v1::ListRegistrationsRequest& request);

// The key set as received: the header's box and preprocessing with the streamed .npy bytes.
[[nodiscard]] audit::KeySetUpload KeySetUploadFromProto(const v1::KeySetInfo& info,
                                                        std::string npy);

}  // namespace infip::server
