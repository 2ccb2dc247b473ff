// How the remote commands show what the server returned: registrations and verdicts as
// aligned text for people, and as JSON objects (field names as in infip.proto) for scripts.
//
//   PrintVerdict(std::cout, verdict);                // text
//   std::cout << VerdictJson(verdict) << std::endl;  // --json
#pragma once

#include <ostream>
#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "infip/v1/infip.pb.h"

namespace infip::cli {

// RFC 3339 in UTC as signed statements write it (verdict/statement.h), e.g.
// "2026-11-26T02:10:20.59051Z"; "-" for an unset time.
[[nodiscard]] std::string FormatTimestamp(const google::protobuf::Timestamp& time);
// "resolution", "literal", or "server default" for an unspecified scaling.
[[nodiscard]] std::string LambdaScalingText(infip::v1::LambdaScaling scaling);
// "CxHxW", e.g. "1x32x32".
[[nodiscard]] std::string ShapeText(const infip::v1::InputShape& shape);

// Every field; "receipt" (the envelope, as a JSON string) only when the registration has one.
[[nodiscard]] std::string RegistrationJson(const infip::v1::Registration& registration);
// Every field, "envelope" as a JSON string.
[[nodiscard]] std::string VerdictJson(const infip::v1::Verdict& verdict);

void PrintRegistration(std::ostream& out, const infip::v1::Registration& registration);
void PrintVerdict(std::ostream& out, const infip::v1::Verdict& verdict);

}  // namespace infip::cli
