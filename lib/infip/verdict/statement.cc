#include "infip/verdict/statement.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/verdict/json_fields.h"

namespace infip::verdict {
namespace {

using internal::JsonFields;
using internal::ToAbsl;

absl::Status Bad(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(message)));
}

absl::Status CheckNotEmpty(std::string_view field, const std::string& value) {
  return value.empty() ? Bad(field, "must not be empty") : absl::OkStatus();
}

absl::Status CheckSha256(std::string_view field, const std::string& value) {
  bool hex = value.size() == 64;
  for (char c : value) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  return hex ? absl::OkStatus()
             : Bad(field, absl::StrCat("\"", value, "\" is not 64 lowercase hex digits"));
}

// SSIM values and the threshold compared with them live in [-1, 1].
absl::Status CheckSsimRange(std::string_view field, double value) {
  if (std::isfinite(value) && value >= -1.0 && value <= 1.0) return absl::OkStatus();
  return Bad(field, absl::StrCat(value, " is outside [-1, 1]"));
}

absl::Status CheckPositive(std::string_view field, double value) {
  if (std::isfinite(value) && value > 0.0) return absl::OkStatus();
  return Bad(field, absl::StrCat(value, " is not a positive number"));
}

absl::Status CheckKeyCount(std::string_view field, int64_t n) {
  return n >= 1 ? absl::OkStatus() : Bad(field, absl::StrCat(n, " keys; at least 1"));
}

absl::Status CheckTime(std::string_view field, absl::Time time) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) {
    return Bad(field, "not set");
  }
  // RFC 3339 has four-digit years.
  const absl::Time end = absl::FromCivil(absl::CivilYear(10000), absl::UTCTimeZone());
  if (time < absl::UnixEpoch() || time >= end) {
    return Bad(field, absl::StrCat(internal::FormatRfc3339Utc(time), " is outside 1970..9999"));
  }
  return absl::OkStatus();
}

absl::Status ValidateVerdict(const VerdictPredicate& p) {
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.registration_id", p.registration_id));
  INFIP_RETURN_IF_ERROR(CheckSsimRange("predicate.assim", p.assim));
  INFIP_RETURN_IF_ERROR(CheckSsimRange("predicate.ci_low", p.ci_low));
  INFIP_RETURN_IF_ERROR(CheckSsimRange("predicate.ci_high", p.ci_high));
  if (p.ci_low > p.ci_high) {
    return Bad("predicate.ci_low", absl::StrCat(p.ci_low, " is above ci_high ", p.ci_high));
  }
  if (!(p.confidence > 0.0 && p.confidence < 1.0)) {
    return Bad("predicate.confidence", absl::StrCat(p.confidence, " is outside (0, 1)"));
  }
  INFIP_RETURN_IF_ERROR(CheckSsimRange("predicate.threshold", p.threshold));
  INFIP_RETURN_IF_ERROR(CheckKeyCount("predicate.n", p.n));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.composite", p.composite));
  INFIP_RETURN_IF_ERROR(CheckPositive("predicate.lambda", p.lambda));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.lambda_scaling", p.lambda_scaling));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.engine_version", p.engine_version));
  // The decision rule of similarity/assim.h; a verdict contradicting its own numbers is a bug
  // or a forgery, never something to sign or to believe.
  if (p.pirated != (p.assim >= p.threshold)) {
    return Bad("predicate.pirated",
               absl::StrCat(p.pirated ? "true" : "false", " contradicts assim ", p.assim,
                            p.pirated ? " < " : " >= ", "threshold ", p.threshold));
  }
  if (!p.per_key_ssim.empty()) {
    if (static_cast<int64_t>(p.per_key_ssim.size()) != p.n) {
      return Bad("predicate.per_key_ssim",
                 absl::StrCat(p.per_key_ssim.size(), " values for n = ", p.n, " keys"));
    }
    for (size_t i = 0; i < p.per_key_ssim.size(); ++i) {
      INFIP_RETURN_IF_ERROR(
          CheckSsimRange(absl::StrCat("predicate.per_key_ssim[", i, "]"), p.per_key_ssim[i]));
    }
  }
  return CheckTime("predicate.time", p.time);
}

absl::Status ValidateReceipt(const ReceiptPredicate& p) {
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.registration_id", p.registration_id));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.owner", p.owner));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.model_name", p.model_name));
  INFIP_RETURN_IF_ERROR(CheckSha256("predicate.key_set_sha256", p.key_set_sha256));
  INFIP_RETURN_IF_ERROR(CheckSha256("predicate.fingerprint_set_sha256", p.fingerprint_set_sha256));
  INFIP_RETURN_IF_ERROR(CheckKeyCount("predicate.n", p.n));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.composite", p.composite));
  INFIP_RETURN_IF_ERROR(CheckPositive("predicate.lambda", p.lambda));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.lambda_scaling", p.lambda_scaling));
  INFIP_RETURN_IF_ERROR(CheckSsimRange("predicate.threshold", p.threshold));
  INFIP_RETURN_IF_ERROR(CheckNotEmpty("predicate.engine_version", p.engine_version));
  return CheckTime("predicate.time", p.time);
}

nlohmann::json ToJson(const VerdictPredicate& p) {
  nlohmann::json j = {
      {"registration_id", p.registration_id},
      {"assim", p.assim},
      {"ci_low", p.ci_low},
      {"ci_high", p.ci_high},
      {"confidence", p.confidence},
      {"threshold", p.threshold},
      {"n", p.n},
      {"composite", p.composite},
      {"lambda", p.lambda},
      {"lambda_scaling", p.lambda_scaling},
      {"engine_version", p.engine_version},
      {"pirated", p.pirated},
      {"time", internal::FormatRfc3339Utc(p.time)},
  };
  if (!p.per_key_ssim.empty()) j["per_key_ssim"] = p.per_key_ssim;
  return j;
}

nlohmann::json ToJson(const ReceiptPredicate& p) {
  return {
      {"registration_id", p.registration_id},
      {"owner", p.owner},
      {"model_name", p.model_name},
      {"key_set_sha256", p.key_set_sha256},
      {"fingerprint_set_sha256", p.fingerprint_set_sha256},
      {"n", p.n},
      {"composite", p.composite},
      {"lambda", p.lambda},
      {"lambda_scaling", p.lambda_scaling},
      {"threshold", p.threshold},
      {"engine_version", p.engine_version},
      {"time", internal::FormatRfc3339Utc(p.time)},
  };
}

absl::StatusOr<VerdictPredicate> VerdictFromJson(const nlohmann::json& object) {
  const JsonFields f(object, "predicate");
  VerdictPredicate p;
  INFIP_ASSIGN_OR_RETURN(p.registration_id, f.String("registration_id"));
  INFIP_ASSIGN_OR_RETURN(p.assim, f.Number("assim"));
  INFIP_ASSIGN_OR_RETURN(p.ci_low, f.Number("ci_low"));
  INFIP_ASSIGN_OR_RETURN(p.ci_high, f.Number("ci_high"));
  INFIP_ASSIGN_OR_RETURN(p.confidence, f.Number("confidence"));
  INFIP_ASSIGN_OR_RETURN(p.threshold, f.Number("threshold"));
  INFIP_ASSIGN_OR_RETURN(p.n, f.Integer("n"));
  INFIP_ASSIGN_OR_RETURN(p.composite, f.String("composite"));
  INFIP_ASSIGN_OR_RETURN(p.lambda, f.Number("lambda"));
  INFIP_ASSIGN_OR_RETURN(p.lambda_scaling, f.String("lambda_scaling"));
  INFIP_ASSIGN_OR_RETURN(p.engine_version, f.String("engine_version"));
  INFIP_ASSIGN_OR_RETURN(p.pirated, f.Bool("pirated"));
  INFIP_ASSIGN_OR_RETURN(p.time, f.Time("time"));
  if (f.Has("per_key_ssim")) {
    INFIP_ASSIGN_OR_RETURN(const nlohmann::json* values, f.Array("per_key_ssim"));
    for (size_t i = 0; i < values->size(); ++i) {
      const nlohmann::json& v = (*values)[i];
      if (!v.is_number()) {
        return Bad(absl::StrCat("predicate.per_key_ssim[", i, "]"), "expected a number");
      }
      p.per_key_ssim.push_back(v.get<double>());
    }
  }
  return p;
}

absl::StatusOr<ReceiptPredicate> ReceiptFromJson(const nlohmann::json& object) {
  const JsonFields f(object, "predicate");
  ReceiptPredicate p;
  INFIP_ASSIGN_OR_RETURN(p.registration_id, f.String("registration_id"));
  INFIP_ASSIGN_OR_RETURN(p.owner, f.String("owner"));
  INFIP_ASSIGN_OR_RETURN(p.model_name, f.String("model_name"));
  INFIP_ASSIGN_OR_RETURN(p.key_set_sha256, f.String("key_set_sha256"));
  INFIP_ASSIGN_OR_RETURN(p.fingerprint_set_sha256, f.String("fingerprint_set_sha256"));
  INFIP_ASSIGN_OR_RETURN(p.n, f.Integer("n"));
  INFIP_ASSIGN_OR_RETURN(p.composite, f.String("composite"));
  INFIP_ASSIGN_OR_RETURN(p.lambda, f.Number("lambda"));
  INFIP_ASSIGN_OR_RETURN(p.lambda_scaling, f.String("lambda_scaling"));
  INFIP_ASSIGN_OR_RETURN(p.threshold, f.Number("threshold"));
  INFIP_ASSIGN_OR_RETURN(p.engine_version, f.String("engine_version"));
  INFIP_ASSIGN_OR_RETURN(p.time, f.Time("time"));
  return p;
}

absl::StatusOr<std::vector<Subject>> SubjectsFromJson(const nlohmann::json& array) {
  std::vector<Subject> subjects;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string path = absl::StrCat("subject[", i, "]");
    if (!array[i].is_object()) return Bad(path, "expected an object");
    const JsonFields f(array[i], path);
    Subject s;
    INFIP_ASSIGN_OR_RETURN(s.name, f.String("name"));
    INFIP_ASSIGN_OR_RETURN(const nlohmann::json* digest, f.Object("digest"));
    // Other algorithms may sit beside sha256; infip reads and checks only sha256.
    INFIP_ASSIGN_OR_RETURN(s.sha256, JsonFields(*digest, path + ".digest").String("sha256"));
    subjects.push_back(std::move(s));
  }
  return subjects;
}

}  // namespace

std::string FormatStatementTime(absl::Time time) { return internal::FormatRfc3339Utc(time); }

const char* Statement::predicate_type() const {
  return std::holds_alternative<VerdictPredicate>(predicate) ? kVerdictPredicateType
                                                             : kReceiptPredicateType;
}

absl::Status Validate(const Statement& statement) {
  if (statement.subject.empty()) return Bad("subject", "at least one subject is required");
  for (size_t i = 0; i < statement.subject.size(); ++i) {
    const std::string path = absl::StrCat("subject[", i, "]");
    INFIP_RETURN_IF_ERROR(CheckNotEmpty(path + ".name", statement.subject[i].name));
    INFIP_RETURN_IF_ERROR(CheckSha256(path + ".digest.sha256", statement.subject[i].sha256));
  }
  if (const auto* verdict = std::get_if<VerdictPredicate>(&statement.predicate)) {
    return ValidateVerdict(*verdict);
  }
  return ValidateReceipt(std::get<ReceiptPredicate>(statement.predicate));
}

absl::StatusOr<std::string> SerializeStatement(const Statement& statement) {
  INFIP_RETURN_IF_ERROR(Validate(statement));
  nlohmann::json subjects = nlohmann::json::array();
  for (const Subject& s : statement.subject) {
    subjects.push_back({{"name", s.name}, {"digest", {{"sha256", s.sha256}}}});
  }
  nlohmann::json doc = {
      {"_type", kStatementType},
      {"subject", std::move(subjects)},
      {"predicateType", statement.predicate_type()},
      {"predicate", std::visit([](const auto& p) { return ToJson(p); }, statement.predicate)},
  };
  return internal::CanonicalJson(doc, "statement");
}

absl::StatusOr<Statement> ParseStatement(std::string_view json) {
  INFIP_ASSIGN_OR_RETURN(nlohmann::json doc, internal::ParseJsonObject(json, "statement"));
  const JsonFields f(doc, "");
  INFIP_ASSIGN_OR_RETURN(std::string type, f.String("_type"));
  if (type != kStatementType) {
    return Bad("_type", absl::StrCat("\"", type, "\" is not ", kStatementType));
  }
  Statement statement;
  INFIP_ASSIGN_OR_RETURN(const nlohmann::json* subjects, f.Array("subject"));
  INFIP_ASSIGN_OR_RETURN(statement.subject, SubjectsFromJson(*subjects));
  INFIP_ASSIGN_OR_RETURN(std::string predicate_type, f.String("predicateType"));
  INFIP_ASSIGN_OR_RETURN(const nlohmann::json* predicate, f.Object("predicate"));
  if (predicate_type == kVerdictPredicateType) {
    INFIP_ASSIGN_OR_RETURN(statement.predicate, VerdictFromJson(*predicate));
  } else if (predicate_type == kReceiptPredicateType) {
    INFIP_ASSIGN_OR_RETURN(statement.predicate, ReceiptFromJson(*predicate));
  } else {
    return Bad("predicateType", absl::StrCat("unknown predicate type \"", predicate_type,
                                             "\" (known: ", kVerdictPredicateType, ", ",
                                             kReceiptPredicateType, ")"));
  }
  INFIP_RETURN_IF_ERROR(Validate(statement));
  return statement;
}

}  // namespace infip::verdict
