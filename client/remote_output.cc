#include "client/remote_output.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "client/json_writer.h"
#include "infip/verdict/statement.h"

namespace infip::cli {

namespace v1 = ::infip::v1;

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  const absl::Time t = absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  // The form the signed statements use, so that the two can be compared as text.
  return verdict::FormatStatementTime(t);
}

std::string LambdaScalingText(v1::LambdaScaling scaling) {
  switch (scaling) {
    case v1::LAMBDA_SCALING_RESOLUTION:
      return "resolution";
    case v1::LAMBDA_SCALING_LITERAL:
      return "literal";
    default:
      return "server default";
  }
}

std::string ShapeText(const v1::InputShape& shape) {
  return absl::StrCat(shape.channels(), "x", shape.height(), "x", shape.width());
}

std::string RegistrationJson(const v1::Registration& r) {
  const std::vector<int64_t> shape = {r.input_shape().channels(), r.input_shape().height(),
                                      r.input_shape().width()};
  JsonObject json;
  json.Add("id", r.id())
      .Add("owner", r.owner())
      .Add("model_name", r.model_name())
      .Add("created", FormatTimestamp(r.created()))
      .Add("threshold", r.threshold())
      .Add("composite", r.composite())
      .Add("lambda", r.lambda())
      .Add("lambda_scaling", LambdaScalingText(r.lambda_scaling()))
      .Add("input_shape", shape)
      .Add("key_count", static_cast<int64_t>(r.key_count()))
      .Add("key_set_sha256", r.key_set_sha256())
      .Add("fingerprints_sha256", r.fingerprints_sha256());
  if (!r.receipt().empty()) json.Add("receipt", r.receipt());
  return json.ToString();
}

std::string VerdictJson(const v1::Verdict& v) {
  const std::vector<double> ssim(v.per_key_ssim().begin(), v.per_key_ssim().end());
  return JsonObject()
      .Add("verdict_id", v.verdict_id())
      .Add("registration_id", v.registration_id())
      .Add("suspect_name", v.suspect_name())
      .Add("suspect_sha256", v.suspect_sha256())
      .Add("assim", v.assim())
      .Add("ci_low", v.ci_low())
      .Add("ci_high", v.ci_high())
      .Add("confidence", v.confidence())
      .Add("threshold", v.threshold())
      .Add("key_count", static_cast<int64_t>(v.key_count()))
      .Add("pirated", v.pirated())
      .Add("per_key_ssim", ssim)
      .Add("composite", v.composite())
      .Add("lambda", v.lambda())
      .Add("lambda_scaling", LambdaScalingText(v.lambda_scaling()))
      .Add("engine_version", v.engine_version())
      .Add("time", FormatTimestamp(v.time()))
      .Add("envelope", v.envelope())
      .ToString();
}

void PrintRegistration(std::ostream& out, const v1::Registration& r) {
  out << absl::StrFormat("registration  %s  (owner %s, model %s)\n", r.id(), r.owner(),
                         r.model_name())
      << absl::StrFormat("key set       sha256:%s  (%d keys, %s)\n", r.key_set_sha256(),
                         r.key_count(), ShapeText(r.input_shape()))
      << absl::StrFormat("fingerprints  sha256:%s\n", r.fingerprints_sha256())
      << absl::StrFormat("settings      composite %s, lambda %g %s, threshold %.4f\n",
                         r.composite(), r.lambda(), LambdaScalingText(r.lambda_scaling()),
                         r.threshold())
      << absl::StrFormat("created       %s\n", FormatTimestamp(r.created()));
}

void PrintVerdict(std::ostream& out, const v1::Verdict& v) {
  out << absl::StrFormat("verdict       %s\n", v.verdict_id())
      << absl::StrFormat("registration  %s\n", v.registration_id())
      << absl::StrFormat("suspect       %s  sha256:%s\n", v.suspect_name(), v.suspect_sha256())
      << absl::StrFormat("ASSIM         %.4f  (%g%% bootstrap interval %.4f .. %.4f, %d keys)\n",
                         v.assim(), 100 * v.confidence(), v.ci_low(), v.ci_high(), v.key_count())
      << absl::StrFormat("decision      %s: ASSIM %.4f %s threshold %.4f\n",
                         v.pirated() ? "PIRATED" : "NOT PIRATED", v.assim(),
                         v.pirated() ? ">=" : "<", v.threshold())
      << absl::StrFormat("settings      composite %s, lambda %g %s, %s\n", v.composite(),
                         v.lambda(), LambdaScalingText(v.lambda_scaling()), v.engine_version())
      << absl::StrFormat("time          %s\n", FormatTimestamp(v.time()));
}

}  // namespace infip::cli
