// The statements infip signs: in-toto Statement v1 documents (https://in-toto.io/Statement/v1)
// with one of two infip predicates.
//
//   * a verdict (https://infip.dev/verdict/v1): whether the subject, a suspected model, is a
//     copy of a registration, with the ASSIM, its interval and the settings it was made with;
//   * a registration receipt (https://infip.dev/registration-receipt/v1): what a registration
//     holds (SHA-256 of its key set K and fingerprint set S), so that neither can be swapped
//     once a dispute begins.
//
//   Statement statement;
//   statement.subject.push_back({"suspect.pt", model_sha256});
//   statement.predicate = VerdictPredicate{...};
//   INFIP_ASSIGN_OR_RETURN(std::string json, SerializeStatement(statement));
//   INFIP_ASSIGN_OR_RETURN(Statement back, ParseStatement(json));
//
// SerializeStatement writes canonical JSON (sorted keys, no whitespace); docs/verdicts.md lists
// every field. Both directions validate, and every error is INVALID_ARGUMENT naming the field
// by its JSON path ("predicate.ci_low: ..."). Unknown fields are ignored when parsing (a newer
// writer may add some; the predicate type carries the version); duplicate keys are refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace infip::verdict {

inline constexpr char kStatementType[] = "https://in-toto.io/Statement/v1";
inline constexpr char kVerdictPredicateType[] = "https://infip.dev/verdict/v1";
inline constexpr char kReceiptPredicateType[] = "https://infip.dev/registration-receipt/v1";

// What a statement is about: a file, named for people, identified by its SHA-256.
struct Subject {
  std::string name;    // e.g. the suspect model's file name; not empty
  std::string sha256;  // 64 lowercase hex digits
};

// The outcome of comparing a suspect's fingerprints with a registration's (similarity/assim.h).
struct VerdictPredicate {
  std::string registration_id;
  double assim = 0.0;   // mean SSIM over the keys, in [-1, 1]
  double ci_low = 0.0;  // bootstrap interval of the ASSIM, ci_low <= ci_high
  double ci_high = 0.0;
  double confidence = 0.95;                // of that interval, in (0, 1)
  double threshold = 0.85;                 // T, in [-1, 1]
  int64_t n = 0;                           // number of keys, >= 1
  std::string composite;                   // relevance rule composite, e.g. "dtd"
  double lambda = 0.0;                     // > 0
  std::string lambda_scaling;              // e.g. "resolution"
  std::string engine_version;              // infip::kEngineVersion of the extraction
  bool pirated = false;                    // must equal assim >= threshold
  std::vector<double> per_key_ssim;        // optional (empty: left out); else n values in [-1, 1]
  absl::Time time = absl::InfinitePast();  // when the verdict was made; must be set
};

// What a registration holds, signed when it is made.
struct ReceiptPredicate {
  std::string registration_id;
  std::string owner;
  std::string model_name;
  std::string key_set_sha256;          // of the key set K, 64 lowercase hex digits
  std::string fingerprint_set_sha256;  // of the fingerprint set S, likewise
  int64_t n = 0;                       // number of keys, >= 1
  std::string composite;
  double lambda = 0.0;
  std::string lambda_scaling;
  double threshold = 0.85;
  std::string engine_version;
  absl::Time time = absl::InfinitePast();  // when the registration was made; must be set
};

struct Statement {
  // At least one. A verdict's subject is the suspect model; a receipt's the registered model
  // (or, when only K and S were registered, the fingerprint set file).
  std::vector<Subject> subject;
  std::variant<VerdictPredicate, ReceiptPredicate> predicate;

  // kVerdictPredicateType or kReceiptPredicateType, after the predicate held.
  [[nodiscard]] const char* predicate_type() const;
};

// A time as statements write it: RFC 3339 in UTC, "2026-11-18T11:06:40Z", with fractional
// seconds only when there are some.
[[nodiscard]] std::string FormatStatementTime(absl::Time time);

// OK, or INVALID_ARGUMENT naming the first bad field.
[[nodiscard]] absl::Status Validate(const Statement& statement);

// Validates, then writes canonical JSON.
[[nodiscard]] absl::StatusOr<std::string> SerializeStatement(const Statement& statement);

// Parses and validates. A `_type` other than kStatementType or an unknown predicateType is
// INVALID_ARGUMENT too.
[[nodiscard]] absl::StatusOr<Statement> ParseStatement(std::string_view json);

}  // namespace infip::verdict
