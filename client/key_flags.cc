#include "client/key_flags.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/flag_checks.h"
#include "infip/common/status_macros.h"
#include "infip/dtd/composite.h"

namespace infip::cli {
namespace {

// "32x32" -> {32, 32}.
absl::StatusOr<std::pair<int, int>> ParseSize(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::ByAnyChar("xX"));
  int h = 0, w = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &h) || !absl::SimpleAtoi(parts[1], &w) ||
      h <= 0 || w <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected HEIGHTxWIDTH, e.g. 32x32, not '", text, "'"));
  }
  return std::make_pair(h, w);
}

// Turns a parse function into a CLI11 validator, so malformed values are usage errors.
template <typename Parse>
CLI::Validator ValidatorFrom(std::string description, Parse parse) {
  return CLI::Validator(
      [parse](std::string& value) -> std::string {
        auto parsed = parse(value);
        return parsed.ok() ? std::string() : std::string(parsed.status().message());
      },
      std::move(description));
}

}  // namespace

void AddKeyFlags(CLI::App& command, KeyFlags& flags) {
  command.add_option("--model", flags.model_path, "TorchScript model file")->required();
  AddKeySetFlags(command, flags);
  command.add_option("--composite", flags.composite, "relevance rule composite")
      ->check(CLI::IsMember(dtd::Composite::Names()))
      ->capture_default_str();
  command.add_option("--device", flags.device, "device to run the model on, e.g. cpu or cuda:0")
      ->capture_default_str();
  command.add_flag("--no-sandbox", flags.no_sandbox,
                   "run the model inside this process instead of a confined infip-worker; only "
                   "for model files you trust (a TorchScript file is a program)");
  command.add_flag("--no-source-scan", flags.no_source_scan,
                   "let the worker load models whose TorchScript source defines __setstate__ or "
                   "calls file operations (the worker's confinement still holds)");
  command
      .add_option("--worker-memory", flags.worker_memory_mib,
                  "MiB of address space the worker may use (default: all of this machine's "
                  "memory)")
      ->check(PositiveInteger());
  command
      .add_option("--worker-timeout", flags.worker_timeout_s,
                  "seconds the worker may take to load the model, and again to explain the "
                  "keys (default: 60 s + 60 s per GiB of model; 120 s + 10 s per 224x224 key)")
      ->check(PositiveInteger());
}

void AddKeySetFlags(CLI::App& command, KeyFlags& flags) {
  const CLI::Validator values =
      ValidatorFrom("V[,V...]", [](const std::string& s) { return io::ParseValueList(s); });

  command
      .add_option("--keys", flags.keys_path,
                  "key images: a directory of PNG/JPEG, an IDX file (.gz or plain), or a "
                  "float32 .npy N x C x H x W")
      ->required();
  command.add_option("--limit", flags.limit, "use only the first N key images")
      ->check(PositiveInteger());
  command.add_option("--resize", flags.resize, "resize every key image to HxW (bilinear)")
      ->check(ValidatorFrom("HxW", ParseSize));
  auto* gray = command.add_flag("--gray", flags.gray, "convert key images to 1 channel");
  auto* rgb = command.add_flag("--rgb", flags.rgb, "convert key images to 3 channels (RGB)");
  gray->excludes(rgb);
  command.add_option("--mean", flags.mean, "per-channel mean subtracted after scaling to 0..1")
      ->check(values);
  command.add_option("--std", flags.std, "per-channel std divided after subtracting the mean")
      ->check(values);
  command.add_option("--low", flags.low, ".npy keys: lowest valid input value per channel")
      ->check(values);
  command.add_option("--high", flags.high, ".npy keys: highest valid input value per channel")
      ->check(values);
}

absl::StatusOr<io::Preprocessing> ToPreprocessing(const KeyFlags& flags) {
  io::Preprocessing p;
  if (!flags.resize.empty()) {
    INFIP_ASSIGN_OR_RETURN(auto size, ParseSize(flags.resize));
    p.resize_height = size.first;
    p.resize_width = size.second;
  }
  if (flags.gray) p.color = io::ColorMode::kGray;
  if (flags.rgb) p.color = io::ColorMode::kRgb;
  auto parse = [](const std::string& text, std::vector<double>& out) -> absl::Status {
    if (text.empty()) return absl::OkStatus();
    INFIP_ASSIGN_OR_RETURN(out, io::ParseValueList(text));
    return absl::OkStatus();
  };
  INFIP_RETURN_IF_ERROR(parse(flags.mean, p.mean));
  INFIP_RETURN_IF_ERROR(parse(flags.std, p.std));
  INFIP_RETURN_IF_ERROR(parse(flags.low, p.low));
  INFIP_RETURN_IF_ERROR(parse(flags.high, p.high));
  return p;
}

}  // namespace infip::cli
