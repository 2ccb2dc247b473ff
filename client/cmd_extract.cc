// infip extract: a model's fingerprint set on a key set, written as a .infip file.
#include <chrono>
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/extraction.h"
#include "client/flag_checks.h"
#include "client/key_flags.h"
#include "client/progress.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/file_format.h"
#include "infip/fingerprint/image.h"

namespace infip::cli {
namespace {

struct ExtractFlags {
  KeyFlags keys;
  double lambda = 5000.0;
  std::string lambda_scaling = "resolution";
  bool no_key_preview = false;
  std::string out;
};

absl::Status RunExtract(const ExtractFlags& flags) {
  fingerprint::ImageOptions image_options;
  image_options.lambda = flags.lambda;
  INFIP_ASSIGN_OR_RETURN(image_options.scaling,
                         fingerprint::ParseLambdaScaling(flags.lambda_scaling));

  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar("extract");
  INFIP_ASSIGN_OR_RETURN(
      audit::Extraction extraction,
      RunExtraction(flags.keys, image_options, !flags.no_key_preview, /*keep_relevance=*/false,
                    [&bar](int64_t done, int64_t total) { bar.Update(done, total); }));
  bar.Finish();

  const fingerprint::FingerprintSet& set = extraction.set;
  INFIP_RETURN_IF_ERROR(fingerprint::WriteFingerprintSetFile(set, flags.out));

  const std::chrono::duration<double> total = std::chrono::steady_clock::now() - start;
  const int64_t n = set.size();
  const double seconds = extraction.explain_seconds;
  std::cout << absl::StrFormat(
                   "extracted %d keys (%dx%d, composite %s, lambda %g %s) in %.2f s "
                   "(relevance %.2f s, %.1f images/s) -> %s",
                   n, set.images.size(1), set.images.size(2), set.metadata.composite,
                   set.metadata.lambda, fingerprint::LambdaScalingName(image_options.scaling),
                   total.count(), seconds, seconds > 0 ? static_cast<double>(n) / seconds : 0.0,
                   flags.out)
            << std::endl;
  return absl::OkStatus();
}

}  // namespace

Command AddExtractCommand(CLI::App& root) {
  auto flags = std::make_shared<ExtractFlags>();
  CLI::App* app = root.add_subcommand(
      "extract", "Extract a model's fingerprint set on a key set and write it as a .infip file");
  AddKeyFlags(*app, flags->keys);
  app->add_option("--lambda", flags->lambda, "fingerprint brightness lambda")
      ->check(PositiveNumber())
      ->capture_default_str();
  app->add_option("--lambda-scaling", flags->lambda_scaling,
                  "resolution: lambda is scaled by H*W/224^2 (the paper's regime at any size); "
                  "literal: used as is")
      ->check(CLI::IsMember({"resolution", "literal"}))
      ->capture_default_str();
  app->add_flag("--no-key-preview", flags->no_key_preview,
                "do not store an 8-bit preview of the key images in the file");
  app->add_option("--out", flags->out, "output .infip file")->required();
  return {app, [flags] { return RunExtract(*flags); }, {}};
}

}  // namespace infip::cli
