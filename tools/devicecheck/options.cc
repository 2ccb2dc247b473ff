#include "options.h"

#include <charconv>
#include <filesystem>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace infip::devicecheck {
namespace {

template <typename T>
absl::StatusOr<T> ParseNumber(absl::string_view flag, absl::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects a number, got '", std::string(text), "'"));
  }
  return value;
}

template <typename T>
absl::StatusOr<T> ParsePositive(absl::string_view flag, absl::string_view text) {
  absl::StatusOr<T> v = ParseNumber<T>(flag, text);
  if (v.ok() && !(*v > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be positive, got '", std::string(text), "'"));
  }
  return v;
}

}  // namespace

std::string ModelSpec::Label() const {
  return absl::StrCat(std::filesystem::path(path).filename().string(), " ",
                      absl::StrJoin(shape, "x"));
}

absl::StatusOr<ModelSpec> ParseModelSpec(absl::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("a model is PATH:CxHxW, got '", std::string(text), "'"));
  }
  ModelSpec spec;
  spec.path = std::string(text.substr(0, colon));
  for (absl::string_view dim : absl::StrSplit(text.substr(colon + 1), 'x')) {
    absl::StatusOr<int64_t> d = ParsePositive<int64_t>("a key shape dimension", dim);
    if (!d.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("model '", std::string(text),
                                                     "': ", d.status().message()));
    }
    spec.shape.push_back(*d);
  }
  if (spec.shape.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", std::string(text), "': the key shape must be CxHxW, got ",
        spec.shape.size(), " dimensions"));
  }
  return spec;
}

std::string Usage() {
  return R"(device_check: the infip relevance engine on CPU and CUDA, side by side.

  --model PATH:CxHxW   compare CPU and CUDA relevance for this model (repeatable)
  --bench PATH:CxHxW   time CPU against GPU for this model (repeatable)
  --batches 64,256     batch sizes for --bench
  --keys N             key images per --model (default 64)
  --chunk N            images per engine pass for --model (default 64)
  --cpu-threads N      LibTorch intra-op threads on the CPU (default: all)
  --gpu-runs N         timed GPU runs per batch, median reported (default 3)
  --cpu-runs N         timed CPU runs per batch (default 1)
  --seed N             seed of the uniform-noise key images
  --max-relative-diff X    max |R_cuda - R_cpu| / max |R_cpu| (default 1e-4)
  --min-assim X            min ASSIM of CPU vs CUDA fingerprints (default 0.999)
  --conservation-tolerance X   max |sum of relevance - 1| per image, composite dtd (1e-3)
  --require-cuda       exit 2 at once when no CUDA device is visible
  --rehearse-on-cpu    compare the CPU with a second CPU engine instead of CUDA (exercises
                       every comparison without a GPU; numbers show run-to-run agreement only)

Exit status: 0 every criterion held, 1 a criterion failed, 2 bad arguments or no CUDA device
with --require-cuda, 3 a model could not be loaded or explained.
)";
}

absl::StatusOr<CheckOptions> ParseOptions(const std::vector<std::string>& args) {
  CheckOptions o;
  using Setter = std::function<absl::Status(absl::string_view)>;
  auto set = [](auto& field, auto parse) -> Setter {
    return [&field, parse](absl::string_view v) -> absl::Status {
      auto parsed = parse(v);
      if (!parsed.ok()) return parsed.status();
      field = *parsed;
      return absl::OkStatus();
    };
  };
  const std::map<std::string, Setter, std::less<>> with_value = {
      {"--model",
       [&](absl::string_view v) -> absl::Status {
         absl::StatusOr<ModelSpec> s = ParseModelSpec(v);
         if (!s.ok()) return s.status();
         o.models.push_back(*s);
         return absl::OkStatus();
       }},
      {"--bench",
       [&](absl::string_view v) -> absl::Status {
         absl::StatusOr<ModelSpec> s = ParseModelSpec(v);
         if (!s.ok()) return s.status();
         o.bench.push_back(*s);
         return absl::OkStatus();
       }},
      {"--batches",
       [&](absl::string_view v) -> absl::Status {
         o.batches.clear();
         for (absl::string_view b : absl::StrSplit(v, ',')) {
           absl::StatusOr<int64_t> n = ParsePositive<int64_t>("--batches", b);
           if (!n.ok()) return n.status();
           o.batches.push_back(*n);
         }
         return absl::OkStatus();
       }},
      {"--keys", set(o.keys, [](absl::string_view v) { return ParsePositive<int64_t>("--keys", v); })},
      {"--chunk",
       set(o.chunk_size, [](absl::string_view v) { return ParsePositive<int64_t>("--chunk", v); })},
      {"--cpu-threads",
       set(o.cpu_threads, [](absl::string_view v) { return ParsePositive<int>("--cpu-threads", v); })},
      {"--gpu-runs",
       set(o.gpu_runs, [](absl::string_view v) { return ParsePositive<int>("--gpu-runs", v); })},
      {"--cpu-runs",
       set(o.cpu_runs, [](absl::string_view v) { return ParsePositive<int>("--cpu-runs", v); })},
      {"--seed", set(o.seed, [](absl::string_view v) { return ParseNumber<uint64_t>("--seed", v); })},
      {"--max-relative-diff",
       set(o.max_relative_diff,
           [](absl::string_view v) { return ParsePositive<double>("--max-relative-diff", v); })},
      {"--min-assim",
       set(o.min_assim, [](absl::string_view v) { return ParsePositive<double>("--min-assim", v); })},
      {"--conservation-tolerance",
       set(o.conservation_tolerance,
           [](absl::string_view v) { return ParsePositive<double>("--conservation-tolerance", v); })},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--require-cuda") {
      o.require_cuda = true;
      continue;
    }
    if (flag == "--rehearse-on-cpu") {
      o.rehearse_on_cpu = true;
      continue;
    }
    auto it = with_value.find(flag);
    if (it == with_value.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument '", flag, "'"));
    }
    if (i + 1 == args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
    }
    if (absl::Status s = it->second(args[++i]); !s.ok()) return s;
  }
  if (o.models.empty() && o.bench.empty()) {
    return absl::InvalidArgumentError("nothing to check: give at least one --model or --bench");
  }
  return o;
}

}  // namespace infip::devicecheck
