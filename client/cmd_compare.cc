// infip compare: ASSIM of two fingerprint sets made on the same key set, and the decision.
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/flag_checks.h"
#include "client/json_writer.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/file_format.h"
#include "infip/similarity/assim.h"

namespace infip::cli {
namespace {

struct CompareFlags {
  std::string original;
  std::string suspect;
  double threshold = 0.85;
  bool json = false;
};

std::string SetJson(const std::string& path, const fingerprint::FingerprintSet& set) {
  return JsonObject()
      .Add("path", path)
      .Add("model_sha256", set.metadata.model_sha256)
      .Add("created_utc", set.metadata.created_utc)
      .Add("engine_version", set.metadata.engine_version)
      .Add("predicted", set.metadata.predicted)
      .ToString();
}

void PrintJson(const CompareFlags& flags, const fingerprint::FingerprintSet& original,
               const fingerprint::FingerprintSet& suspect, const similarity::Comparison& c) {
  const fingerprint::FingerprintMetadata& meta = original.metadata;
  JsonObject out;
  out.Add("assim", c.assim)
      .Add("ci_low", c.ci_low)
      .Add("ci_high", c.ci_high)
      .Add("confidence", similarity::CompareOptions{}.confidence)
      .Add("threshold", c.threshold)
      .Add("pirated", c.pirated)
      .Add("n", static_cast<int64_t>(c.per_key.size()))
      .Add("min_ssim", c.min_ssim)
      .Add("median_ssim", c.median_ssim)
      .Add("ssim", c.per_key)
      .Add("key_set_sha256", meta.key_set_sha256)
      .Add("composite", meta.composite)
      .Add("lambda", meta.lambda)
      .Add("lambda_scaling", fingerprint::LambdaScalingName(meta.lambda_scaling))
      .AddRaw("original", SetJson(flags.original, original))
      .AddRaw("suspect", SetJson(flags.suspect, suspect));
  std::cout << out.ToString() << std::endl;
}

void PrintText(const CompareFlags& flags, const fingerprint::FingerprintSet& original,
               const fingerprint::FingerprintSet& suspect, const similarity::Comparison& c) {
  const fingerprint::FingerprintMetadata& meta = original.metadata;
  std::cout << absl::StrFormat("original  %s  (model sha256 %s)\n", flags.original,
                               meta.model_sha256)
            << absl::StrFormat("suspect   %s  (model sha256 %s)\n", flags.suspect,
                               suspect.metadata.model_sha256)
            << absl::StrFormat("settings  %d keys %dx%d, composite %s, lambda %g %s\n",
                               original.size(), original.images.size(1), original.images.size(2),
                               meta.composite, meta.lambda,
                               fingerprint::LambdaScalingName(meta.lambda_scaling))
            << absl::StrFormat("ASSIM     %.4f  (%g%% bootstrap interval %.4f .. %.4f)\n", c.assim,
                               100 * similarity::CompareOptions{}.confidence, c.ci_low, c.ci_high)
            << absl::StrFormat("per key   min %.4f  median %.4f\n", c.min_ssim, c.median_ssim)
            << absl::StrFormat("decision  %s: ASSIM %.4f %s threshold %.4f\n",
                               c.pirated ? "PIRATED" : "NOT PIRATED", c.assim,
                               c.pirated ? ">=" : "<", c.threshold);
}

absl::Status RunCompare(const CompareFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet original,
                         fingerprint::ReadFingerprintSetFile(flags.original));
  INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet suspect,
                         fingerprint::ReadFingerprintSetFile(flags.suspect));
  INFIP_RETURN_IF_ERROR(fingerprint::CheckComparable(original, suspect));

  similarity::CompareOptions options;
  options.threshold = flags.threshold;
  INFIP_ASSIGN_OR_RETURN(similarity::Comparison comparison,
                         similarity::Compare(original.images, suspect.images, options));
  if (flags.json) {
    PrintJson(flags, original, suspect, comparison);
  } else {
    PrintText(flags, original, suspect, comparison);
  }
  return absl::OkStatus();
}

}  // namespace

Command AddCompareCommand(CLI::App& root) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* app = root.add_subcommand(
      "compare",
      "Compare two fingerprint sets of the same key set: ASSIM, its bootstrap interval, per-key "
      "SSIM and the decision (exit code 0 whatever the decision)");
  app->add_option("original", flags->original, "the registered model's .infip file")->required();
  app->add_option("suspect", flags->suspect, "the suspected model's .infip file")->required();
  app->add_option("--threshold", flags->threshold, "ASSIM at or above which a copy is declared")
      ->check(NumberBetween(-1.0, 1.0))
      ->capture_default_str();
  app->add_flag("--json", flags->json, "print one JSON object instead of text");
  return {app, [flags] { return RunCompare(*flags); }, {}};
}

}  // namespace infip::cli
