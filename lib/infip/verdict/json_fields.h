// Strict reading of the JSON documents of this module (statements and envelopes): parsing that
// refuses duplicate object keys (two parsers must never read two different values out of one
// signed payload), and typed field access whose errors name the field by its dotted path.
//
//   INFIP_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonObject(text, "envelope"));
//   JsonFields fields(doc, "envelope");
//   INFIP_ASSIGN_OR_RETURN(std::string type, fields.String("payloadType"));
//
// Internal to infip/verdict.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace infip::verdict::internal {

// abseil 20220623 has its own string_view; this module speaks std::string_view.
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// A JSON document whose top level is an object; INVALID_ARGUMENT naming `what` otherwise.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJsonObject(std::string_view text,
                                                             std::string_view what);

// Typed access to the members of one JSON object. `path` prefixes every field name in errors
// ("predicate" -> "predicate.assim"). Does not own the object.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  [[nodiscard]] bool Has(std::string_view name) const;
  // The dotted path of a member, for error messages.
  [[nodiscard]] std::string PathOf(std::string_view name) const;

  [[nodiscard]] absl::StatusOr<std::string> String(std::string_view name) const;
  // A number, integral or not.
  [[nodiscard]] absl::StatusOr<double> Number(std::string_view name) const;
  // A JSON integer (no fraction, no exponent).
  [[nodiscard]] absl::StatusOr<int64_t> Integer(std::string_view name) const;
  [[nodiscard]] absl::StatusOr<bool> Bool(std::string_view name) const;
  // An RFC 3339 time in UTC ("...Z").
  [[nodiscard]] absl::StatusOr<absl::Time> Time(std::string_view name) const;
  [[nodiscard]] absl::StatusOr<const nlohmann::json*> Object(std::string_view name) const;
  [[nodiscard]] absl::StatusOr<const nlohmann::json*> Array(std::string_view name) const;

 private:
  using IsType = bool (nlohmann::json::*)() const noexcept;
  [[nodiscard]] absl::StatusOr<const nlohmann::json*> Member(std::string_view name,
                                                             const char* expected,
                                                             IsType is_type) const;

  const nlohmann::json& object_;
  std::string path_;
};

// RFC 3339 in UTC with a "Z" suffix; fractional seconds only when the time has them.
[[nodiscard]] std::string FormatRfc3339Utc(absl::Time time);
// The inverse; INVALID_ARGUMENT for anything else, including a numeric UTC offset.
[[nodiscard]] absl::StatusOr<absl::Time> ParseRfc3339Utc(std::string_view text);

// Canonical JSON: sorted keys (nlohmann's default object is a std::map), no whitespace, UTF-8
// as is. INVALID_ARGUMENT when a string is not valid UTF-8.
[[nodiscard]] absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& doc,
                                                        std::string_view what);

}  // namespace infip::verdict::internal
