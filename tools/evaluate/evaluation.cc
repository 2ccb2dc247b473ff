#include "tools/evaluate/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/dtd/composite.h"
#include "infip/io/key_set.h"
#include "infip/similarity/ssim.h"
#include "tools/evaluate/feature_cache.h"
#include "tools/evaluate/input_maps.h"
#include "tools/evaluate/summarize.h"

namespace infip::evaluate {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using fingerprint::LambdaScaling;

// One comparison to make: whose features stand for the suspect, and whose for the original.
struct Pair {
  const ZooModel* entry = nullptr;
  std::string suspect;      // result name
  std::string feature_key;  // key into Features
  std::string against;
  std::string against_key;
  Role role = Role::kIndependent;
  std::string attack;
  bool has_predictions = true;  // input-only maps have no predicted class
};

// Intrinsic features (and predictions) of one composite, by feature key.
struct Features {
  absl::flat_hash_map<std::string, torch::Tensor> intrinsic;
  absl::flat_hash_map<std::string, torch::Tensor> predicted;
};

std::string FreshKey(const ZooModel& m) { return "fresh:" + m.model_path; }
std::string InputKey(InputMap map) {
  return absl::StrCat("input:", std::string(InputMapName(map)));
}

absl::Status CheckOptions(const EvaluationOptions& o) {
  if (o.composites.empty()) return absl::InvalidArgumentError("no composite to evaluate");
  for (const std::string& c : o.composites) {
    INFIP_RETURN_IF_ERROR(dtd::Composite::ByName(c).status());
  }
  if (o.keys < 1)
    return absl::InvalidArgumentError(absl::StrCat("keys must be >= 1, got ", o.keys));
  if (o.pool < 0)
    return absl::InvalidArgumentError(absl::StrCat("pool must be >= 0, got ", o.pool));
  if (!(o.lambda > 0.0) || !std::isfinite(o.lambda)) {
    return absl::InvalidArgumentError(absl::StrCat("lambda must be > 0, got ", o.lambda));
  }
  if (o.lambdas.empty()) return absl::InvalidArgumentError("the lambda sweep needs a lambda");
  for (double l : o.lambdas) {
    if (!(l > 0.0) || !std::isfinite(l)) {
      return absl::InvalidArgumentError(absl::StrCat("sweep lambda must be > 0, got ", l));
    }
  }
  for (int64_t n : o.key_counts) {
    if (n < 1) return absl::InvalidArgumentError(absl::StrCat("key count must be >= 1, got ", n));
  }
  if (!(o.threshold >= -1.0 && o.threshold <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("threshold must lie in [-1, 1], got ", o.threshold));
  }
  if (!(o.max_fpr >= 0.0 && o.max_fpr < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("max FPR must lie in [0, 1), got ", o.max_fpr));
  }
  if (o.bootstrap < 1) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap must be >= 1, got ", o.bootstrap));
  }
  if (o.grid_keys < 0) {
    return absl::InvalidArgumentError(absl::StrCat("grid keys must be >= 0, got ", o.grid_keys));
  }
  return absl::OkStatus();
}

std::vector<Pair> MakePairs(const ZooManifest& zoo) {
  std::vector<Pair> pairs;
  for (const ZooModel& m : zoo.models) {
    if (m.role == Role::kOriginal) {
      pairs.push_back({&m, m.name, FreshKey(m), m.name, m.model_path, m.role, "same-model", true});
    } else if (m.role == Role::kBaseline) {
      const ZooModel* original = zoo.Find(m.against);
      for (InputMap map : AllInputMaps()) {
        pairs.push_back({&m, absl::StrCat(m.name, ":", std::string(InputMapName(map))),
                         InputKey(map), m.against, original->model_path, m.role,
                         std::string(InputMapName(map)), false});
      }
    } else {
      const ZooModel* original = zoo.Find(m.against);
      pairs.push_back(
          {&m, m.name, m.model_path, m.against, original->model_path, m.role, m.attack, true});
    }
  }
  return pairs;
}

void Say(const EvaluationOptions& o, std::string_view line) {
  if (o.progress) o.progress(line);
}

// Everything a composite's scoring needs, extracted or read from the cache.
absl::Status LoadFeatures(const ZooManifest& zoo, const std::string& composite, FeatureCache& cache,
                          const EvaluationOptions& o, Evaluation& e, Features& f) {
  std::vector<std::string> paths;
  for (const ZooModel& m : zoo.models) {
    if (!m.model_path.empty() &&
        std::find(paths.begin(), paths.end(), m.model_path) == paths.end()) {
      paths.push_back(m.model_path);
    }
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    INFIP_ASSIGN_OR_RETURN(ModelFeatures mf, cache.Get(paths[i], composite));
    Say(o, absl::StrFormat("[%s %d/%d] %s: %s", composite, i + 1, paths.size(),
                           std::filesystem::path(paths[i]).filename().string(),
                           mf.from_cache
                               ? std::string("cached")
                               : absl::StrFormat("extracted in %.2f s", mf.extract_seconds)));
    e.extractions.push_back({paths[i], composite, mf.from_cache, mf.extract_seconds});
    f.intrinsic[paths[i]] = mf.intrinsic;
    f.predicted[paths[i]] = mf.predicted;
  }
  for (const ZooModel& m : zoo.models) {
    if (m.role != Role::kOriginal) continue;
    INFIP_ASSIGN_OR_RETURN(ModelFeatures mf, cache.ExtractFresh(m.model_path, composite));
    Say(o, absl::StrFormat("[%s] %s: extracted again for the same-model check in %.2f s", composite,
                           m.name, mf.extract_seconds));
    e.extractions.push_back({m.model_path, composite, false, mf.extract_seconds});
    f.intrinsic[FreshKey(m)] = mf.intrinsic;
    f.predicted[FreshKey(m)] = mf.predicted;
  }
  return absl::OkStatus();
}

struct Setting {
  double lambda;
  LambdaScaling scaling;
  bool swept;  // part of the lambda sweep (else only the headline default)
};

std::vector<Setting> Settings(const EvaluationOptions& o) {
  std::vector<Setting> out;
  bool default_swept = false;
  for (double l : o.lambdas) {
    for (LambdaScaling s : SweptScalings()) {
      out.push_back({l, s, true});
      default_swept |= (l == o.lambda && s == o.scaling);
    }
  }
  if (!default_swept) out.push_back({o.lambda, o.scaling, false});
  return out;
}

torch::Tensor Rows(const torch::Tensor& t, int64_t first, int64_t count) {
  return t.narrow(0, first, count);
}

Score Describe(const Pair& p, const std::string& composite, const Setting& s,
               const std::string& split, int64_t keys) {
  Score r;
  r.suspect = p.suspect;
  r.against = p.against;
  r.role = p.role;
  r.attack = p.attack;
  r.setting_json = p.entry->setting_json;
  r.architecture = p.entry->architecture;
  r.test_accuracy = p.entry->test_accuracy;
  r.watermark_accuracy = p.entry->watermark_accuracy;
  r.composite = composite;
  r.lambda = s.lambda;
  r.scaling = s.scaling;
  r.split = split;
  r.keys = keys;
  r.prediction_agreement = kNaN;
  r.ssim_to_input = kNaN;
  r.blank_fraction = kNaN;
  r.relevance_mass = kNaN;
  return r;
}

// A sweep point: the mean SSIM with its per-key spread, without the bootstrap interval (two
// thousand resamples per point would cost more than everything else together; the headline
// results keep theirs).
absl::StatusOr<similarity::Comparison> SweepCompare(const torch::Tensor& original,
                                                    const torch::Tensor& suspect,
                                                    double threshold) {
  INFIP_RETURN_IF_ERROR(similarity::CheckSsimInputs(original, suspect));
  similarity::Comparison c;
  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "SSIM",
      [&] {
        const torch::Tensor per_key = similarity::SsimBatch(original, suspect).contiguous();
        c.per_key.assign(per_key.data_ptr<double>(), per_key.data_ptr<double>() + per_key.numel());
      },
      absl::StatusCode::kInternal));
  std::vector<double> sorted = c.per_key;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0.0;
  for (double v : sorted) sum += v;
  const size_t n = sorted.size();
  c.assim = sum / static_cast<double>(n);
  c.min_ssim = sorted.front();
  c.median_ssim = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  c.ci_low = c.ci_high = kNaN;
  c.threshold = threshold;
  c.pirated = c.assim >= threshold;
  c.per_key.clear();
  return c;
}

// The name of a model without its architecture prefix, for column labels.
std::string ShortName(const std::string& name, const std::string& original) {
  const std::string arch = original.substr(0, original.find('-') + 1);
  return absl::StartsWith(name, arch) ? name.substr(arch.size()) : name;
}

// Columns of a fingerprint grid: the original, then one model of each kind that says the most
// (the strongest fine-tuning and pruning, the adaptive attack, same-architecture
// distillation, an independent seed, disjoint data, the other architecture, the input alone).
std::vector<const Pair*> GridPairs(const std::vector<Pair>& pairs, const ZooModel& original) {
  std::vector<const Pair*> out;
  const auto last = [&](auto&& pred) {
    const Pair* found = nullptr;
    for (const Pair& p : pairs) {
      if (p.against == original.name && pred(p)) found = &p;
    }
    if (found != nullptr) out.push_back(found);
  };
  const auto first = [&](auto&& pred) {
    for (const Pair& p : pairs) {
      if (p.against == original.name && pred(p)) {
        out.push_back(&p);
        return;
      }
    }
  };
  first([](const Pair& p) { return p.role == Role::kOriginal; });
  last([](const Pair& p) { return p.attack == "fine-tune"; });
  last([](const Pair& p) { return p.attack == "prune"; });
  first([](const Pair& p) { return p.attack == "prune+fine-tune"; });
  first([&](const Pair& p) {
    return p.attack == "distill" && p.entry->architecture == original.architecture;
  });
  first([](const Pair& p) { return p.attack == "seed"; });
  first([](const Pair& p) { return p.attack == "disjoint-data"; });
  first([](const Pair& p) { return p.attack == "other-architecture"; });
  first([](const Pair& p) { return p.attack == InputMapName(InputMap::kGradientMagnitude); });
  return out;
}

absl::Status ScoreComposite(const ZooManifest& zoo, const std::vector<Pair>& pairs,
                            const std::string& composite, const Features& f, const io::KeySet& keys,
                            Evaluation& e) {
  const EvaluationOptions& o = e.options;
  similarity::CompareOptions compare;
  compare.threshold = o.threshold;
  compare.bootstrap_resamples = o.bootstrap;

  for (const Setting& s : Settings(o)) {
    const bool headline = s.lambda == o.lambda && s.scaling == o.scaling;
    fingerprint::ImageOptions image_options;
    image_options.lambda = s.lambda;
    image_options.scaling = s.scaling;
    absl::flat_hash_map<std::string, torch::Tensor> images;
    INFIP_RETURN_IF_ERROR(CatchTorchVoid(
        "fingerprint images",
        [&] {
          for (const auto& [key, intrinsic] : f.intrinsic) {
            images[key] = fingerprint::FingerprintImages(intrinsic, image_options);
          }
        },
        absl::StatusCode::kInternal));
    const torch::Tensor& input_images = images.at(InputKey(InputMap::kGradientMagnitude));

    for (const Pair& p : pairs) {
      const torch::Tensor& suspect = images.at(p.feature_key);
      const torch::Tensor& original = images.at(p.against_key);
      for (const Split& split : e.splits) {
        const torch::Tensor a = Rows(original, split.first, split.count);
        const torch::Tensor b = Rows(suspect, split.first, split.count);
        INFIP_ASSIGN_OR_RETURN(similarity::Comparison c, headline
                                                             ? similarity::Compare(a, b, compare)
                                                             : SweepCompare(a, b, o.threshold));
        Score r = Describe(p, composite, s, split.name, split.count);
        r.comparison = std::move(c);
        if (headline) {
          if (p.has_predictions) {
            const torch::Tensor pa = Rows(f.predicted.at(p.against_key), split.first, split.count);
            const torch::Tensor pb = Rows(f.predicted.at(p.feature_key), split.first, split.count);
            r.prediction_agreement = pa.eq(pb).to(torch::kFloat64).mean().item<double>();
          }
          r.ssim_to_input = similarity::SsimBatch(b, Rows(input_images, split.first, split.count))
                                .mean()
                                .item<double>();
          const torch::Tensor flat = b.flatten(1);
          r.blank_fraction =
              flat.amax(1).eq(flat.amin(1)).to(torch::kFloat64).mean().item<double>();
          r.relevance_mass = Rows(f.intrinsic.at(p.feature_key), split.first, split.count)
                                 .sum({1, 2})
                                 .to(torch::kFloat64)
                                 .mean()
                                 .item<double>();
          e.headline.push_back(r);
        }
        if (s.swept) {
          r.comparison.per_key.clear();
          e.lambda_sweep.push_back(r);
        }
        if (headline && split.name == "report") {
          for (int64_t n : e.key_counts) {
            INFIP_ASSIGN_OR_RETURN(similarity::Comparison cn,
                                   SweepCompare(Rows(original, split.first, n),
                                                Rows(suspect, split.first, n), o.threshold));
            Score rn = Describe(p, composite, s, split.name, n);
            cn.per_key.clear();
            rn.comparison = std::move(cn);
            e.key_sweep.push_back(std::move(rn));
          }
        }
      }
    }

    if (!headline || o.grid_keys == 0) continue;
    const Split& report = e.splits.front();
    const int64_t k = std::min<int64_t>(o.grid_keys, report.count);
    for (const ZooModel& m : zoo.models) {
      if (m.role != Role::kOriginal) continue;
      FingerprintGrid grid;
      grid.original = m.name;
      grid.composite = composite;
      grid.keys = Rows(io::KeyPreview(keys), report.first, k).contiguous();
      const torch::Tensor reference = Rows(images.at(m.model_path), report.first, k);
      for (const Pair* p : GridPairs(pairs, m)) {
        GridColumn col;
        col.label = p->role == Role::kOriginal ? "original" : ShortName(p->entry->name, m.name);
        if (p->role == Role::kBaseline) col.label = "input only";
        col.model = p->suspect;
        // The original's column shows its cached fingerprint; its SSIMs are the same-model check.
        col.images = Rows(images.at(p->feature_key), report.first, k).contiguous();
        const torch::Tensor ssim = similarity::SsimBatch(reference, col.images);
        for (int64_t i = 0; i < k; ++i) col.ssim.push_back(ssim[i].item<double>());
        grid.columns.push_back(std::move(col));
      }
      e.grids.push_back(std::move(grid));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<LambdaScaling> SweptScalings() {
  return {LambdaScaling::kResolution, LambdaScaling::kLiteral};
}

std::string_view SubsetName(Subset subset) {
  switch (subset) {
    case Subset::kAll:
      return "all";
    case Subset::kExcludingRandomInit:
      return "excluding-random-init";
    case Subset::kExcludingDistillation:
      return "excluding-distillation";
    case Subset::kWeightDerivedVsTrained:
      return "weight-derived-vs-trained";
  }
  return "unknown";
}

std::vector<Subset> AllSubsets() {
  return {Subset::kAll, Subset::kExcludingRandomInit, Subset::kExcludingDistillation,
          Subset::kWeightDerivedVsTrained};
}

const SeparationRecord* FindSeparation(const Evaluation& e, std::string_view composite,
                                       double lambda, LambdaScaling scaling, std::string_view split,
                                       int64_t keys, Subset subset) {
  for (const SeparationRecord& r : e.separation) {
    if (r.composite == composite && r.lambda == lambda && r.scaling == scaling &&
        r.split == split && r.keys == keys && r.subset == subset) {
      return &r;
    }
  }
  return nullptr;
}

absl::StatusOr<Evaluation> Evaluate(const ZooManifest& zoo, const EvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  INFIP_RETURN_IF_ERROR(CheckOptions(options));
  Evaluation e;
  e.options = options;
  e.manifest_path = zoo.path;
  e.smoke = zoo.smoke;
  e.zoo_settings_json = zoo.settings_json;
  e.key_pool_path = zoo.keys.images_path;

  io::Preprocessing preprocessing;
  preprocessing.mean = {zoo.keys.mean};
  preprocessing.std = {zoo.keys.std};
  io::LoadOptions load;
  if (options.pool > 0) load.limit = options.pool;
  INFIP_ASSIGN_OR_RETURN(io::KeySet keys,
                         io::LoadKeySet(zoo.keys.images_path, preprocessing, load));
  e.pool = keys.inputs.size(0);
  e.key_set_sha256 = keys.sha256;
  const int64_t half = e.pool / 2;
  if (options.keys > half) {
    return absl::InvalidArgumentError(
        absl::StrCat("keys: N = ", options.keys, " does not fit in half of the key pool (", e.pool,
                     " keys loaded, so at most ", half, "); the other half is the tuning split"));
  }
  e.splits = {{"report", 0, options.keys}, {"tuning", half, options.keys}};
  for (int64_t n : options.key_counts) {
    (n <= half ? e.key_counts : e.key_counts_skipped).push_back(n);
  }
  Say(options,
      absl::StrFormat("key pool: %d keys (%s); report split keys [0, %d), tuning split "
                      "keys [%d, %d)",
                      e.pool, zoo.keys.images_path, options.keys, half, half + options.keys));

  const std::string cache_dir = options.cache_dir.empty()
                                    ? (std::filesystem::path(zoo.dir) / "fingerprints").string()
                                    : options.cache_dir;
  INFIP_ASSIGN_OR_RETURN(auto cache, FeatureCache::Create(cache_dir, &keys, options.device));

  const std::vector<Pair> pairs = MakePairs(zoo);
  Features inputs;
  INFIP_RETURN_IF_ERROR(CatchTorchVoid(
      "input-only maps",
      [&] {
        for (InputMap map : AllInputMaps()) {
          inputs.intrinsic[InputKey(map)] = InputOnlyMap(map, keys.inputs, keys.box_low.front());
        }
      },
      absl::StatusCode::kInternal));

  for (const std::string& composite : options.composites) {
    Features f = inputs;
    INFIP_RETURN_IF_ERROR(LoadFeatures(zoo, composite, *cache, options, e, f));
    Say(options, absl::StrFormat("[%s] comparing %d suspects at %d settings", composite,
                                 pairs.size(), Settings(options).size()));
    INFIP_RETURN_IF_ERROR(ScoreComposite(zoo, pairs, composite, f, keys, e));
  }
  SummarizeSeparation(e);
  ChooseSetting(e);
  e.cache_hits = cache->hits();
  e.cache_misses = cache->misses();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  e.seconds = elapsed.count();
  return e;
}

}  // namespace infip::evaluate
