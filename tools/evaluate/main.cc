// infip-evaluate: the evidence behind infip's verdicts, measured on the model zoo
// (tools/zoo). Reads the zoo's manifest, fingerprints every model through the library,
// compares each suspect with its original, and writes the results as JSON and, when asked,
// as docs/results.md with its figures. Progress goes to stderr.
//
//   infip-evaluate --manifest ~/.cache/infip-zoo/manifest.json --out results.json
//                  --report docs/results.md --figures docs/figures
#include <ATen/Parallel.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/fingerprint/image.h"
#include "spdlog/spdlog.h"
#include "tools/evaluate/evaluation.h"
#include "tools/evaluate/figures.h"
#include "tools/evaluate/report.h"
#include "tools/evaluate/results_json.h"
#include "tools/evaluate/zoo_manifest.h"

namespace {

using namespace infip::evaluate;

// The CLI's convention (client/exit_codes.h): 1 internal, 2 usage, 3 bad input.
int ExitCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kPermissionDenied:
      return 3;
    default:
      return 1;
  }
}

struct Flags {
  std::string manifest;
  std::string out;
  std::string report;
  std::string figures;
  std::string lambda_scaling = "resolution";
  // One: the evaluation runs thousands of small tensor ops, between which LibTorch's OpenMP
  // workers spin; on a shared 2-core machine a second thread made a run 6x slower.
  int threads = 1;
};

absl::Status Run(const Flags& flags, EvaluationOptions options) {
  INFIP_ASSIGN_OR_RETURN(options.scaling,
                         infip::fingerprint::ParseLambdaScaling(flags.lambda_scaling));
  options.progress = [](std::string_view line) { std::cerr << line << std::endl; };
  INFIP_ASSIGN_OR_RETURN(ZooManifest zoo, LoadZooManifest(flags.manifest));
  std::cerr << absl::StrFormat("zoo: %s, %d entries%s", zoo.path, zoo.models.size(),
                               zoo.smoke ? " (smoke)" : "")
            << std::endl;
  INFIP_ASSIGN_OR_RETURN(Evaluation e, Evaluate(zoo, options));
  INFIP_RETURN_IF_ERROR(WriteResultsJson(e, flags.out));
  std::cerr << "results: " << flags.out << std::endl;
  std::vector<FigureFile> figures;
  if (!flags.figures.empty()) {
    INFIP_ASSIGN_OR_RETURN(figures, WriteFigures(e, flags.figures));
    std::cerr << "figures: " << figures.size() << " PNG files in " << flags.figures << std::endl;
  }
  if (!flags.report.empty()) {
    INFIP_RETURN_IF_ERROR(WriteReport(e, zoo, figures, flags.out, flags.report));
    std::cerr << "report: " << flags.report << std::endl;
  }
  std::cerr << absl::StrFormat("done in %.1f s (feature cache: %d hits, %d extracted)", e.seconds,
                               e.cache_hits, e.cache_misses)
            << std::endl;
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{
      "infip-evaluate: fingerprints every model of a zoo (tools/zoo) with infip, compares each "
      "suspect with its original, and reports how well ASSIM separates pirated copies from "
      "independent models.",
      "infip-evaluate"};
  Flags flags;
  EvaluationOptions options;
  app.add_option("--manifest", flags.manifest, "the zoo's manifest.json")->required();
  app.add_option("--out", flags.out, "JSON file for every result")->required();
  app.add_option("--report", flags.report, "Markdown report to write (e.g. docs/results.md)");
  app.add_option("--figures", flags.figures, "directory for the PNG figures (e.g. docs/figures)");
  app.add_option("--cache", options.cache_dir,
                 "directory of cached intrinsic features (default: <zoo>/fingerprints)");
  app.add_option("--composites", options.composites, "relevance composites, first = headline")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--pool", options.pool, "keys read from the key pool (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--keys", options.keys, "N: keys of every headline figure, per split")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--lambda", options.lambda, "lambda of the headline figures")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--lambda-scaling", flags.lambda_scaling, "resolution or literal")
      ->check(CLI::IsMember({"resolution", "literal"}))
      ->capture_default_str();
  app.add_option("--lambdas", options.lambdas, "the lambda sweep (Table II)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--key-counts", options.key_counts,
                 "the key-count sweep (Table III); counts above half the pool are left out")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--threshold", options.threshold, "T, reported as given, never tuned")
      ->check(CLI::Range(-1.0, 1.0))
      ->capture_default_str();
  app.add_option("--max-fpr", options.max_fpr, "false-positive rate bound of the TPR figure")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  app.add_option("--bootstrap", options.bootstrap, "bootstrap resamples of each interval")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--grid-keys", options.grid_keys, "keys shown in the fingerprint grids")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--device", options.device, "cpu or cuda[:N]")->capture_default_str();
  app.add_option("--threads", flags.threads, "LibTorch CPU threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.footer("Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::cerr << "infip-evaluate: error: " << e.what() << " (see 'infip-evaluate --help')"
              << std::endl;
    return 2;
  }
  at::set_num_threads(flags.threads);
  absl::Status status;
  try {
    status = Run(flags, std::move(options));
  } catch (const std::exception& e) {
    // The library reports failures as statuses; anything thrown is a bug of infip's own.
    status = absl::InternalError(infip::TorchErrorSummary(e));
  }
  if (!status.ok()) {
    std::cerr << "infip-evaluate: error: " << status.ToString() << std::endl;
  }
  return ExitCode(status);
}
