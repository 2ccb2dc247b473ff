// The evaluation of the model zoo: every model fingerprinted once per composite on the key
// pool, every suspect compared with its original (similarity::Compare), the input-only
// baselines, the lambda and key-count sweeps, the separation of pirated from independent
// models, and a setting chosen on data that the reported figures do not use.
//
// The key pool is cut into two disjoint halves. The first half (the "report" split) gives
// every figure this tool reports: its first N keys the headline figures, its first n keys the
// key-count sweep. The second half (the "tuning" split; its first N keys) is the only data
// the proposed composite, lambda and threshold are chosen on. The models are the same in both
// splits: the choice is held out on keys, not on models, and the report says so.
//
//   INFIP_ASSIGN_OR_RETURN(ZooManifest zoo, LoadZooManifest(path));
//   INFIP_ASSIGN_OR_RETURN(Evaluation e, Evaluate(zoo, options));
//   // e.headline: one Score per suspect, composite and split at the default lambda and N
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/fingerprint/image.h"
#include "infip/similarity/assim.h"
#include "tools/evaluate/separation.h"
#include "tools/evaluate/zoo_manifest.h"

namespace infip::evaluate {

struct EvaluationOptions {
  std::vector<std::string> composites = {"dtd", "epsilon-plus-flat", "gradient-x-input"};
  int64_t pool = 0;    // keys read from the pool (0: all); halves of it are the two splits
  int64_t keys = 400;  // N of every headline figure (the paper's default)
  double lambda = 5000.0;
  fingerprint::LambdaScaling scaling = fingerprint::LambdaScaling::kResolution;
  std::vector<double> lambdas = {1000, 5000, 7500, 10000, 12500, 15000};  // Table II
  std::vector<int64_t> key_counts = {50, 100, 200, 300, 400, 500};        // Table III, <= half
  double threshold = 0.85;  // the paper's T, reported as it is, never tuned
  double max_fpr = 0.01;
  int bootstrap = 2000;
  std::string device = "cpu";
  std::string cache_dir;  // empty: <zoo dir>/fingerprints
  int grid_keys = 4;      // rows of the fingerprint grids
  // One line per step, for stderr.
  std::function<void(std::string_view)> progress;
};

struct Split {
  std::string name;  // "report" | "tuning"
  int64_t first = 0;
  int64_t count = 0;
};

// One suspect against its original under one setting.
struct Score {
  std::string suspect;
  std::string against;
  Role role = Role::kIndependent;
  std::string attack;
  std::string setting_json;
  std::string architecture;
  std::optional<double> test_accuracy;
  std::optional<double> watermark_accuracy;
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling scaling = fingerprint::LambdaScaling::kResolution;
  std::string split;
  int64_t keys = 0;
  // Headline results: similarity::Compare in full. Sweep points: no bootstrap interval (NaN)
  // and no per-key list, which would cost more than the rest of the evaluation together.
  similarity::Comparison comparison;
  // Headline results only (NaN elsewhere): the fraction of keys on which both models predict
  // the same class, and the mean SSIM of the suspect's own fingerprint with the key's
  // gradient-magnitude map (how much of the fingerprint the image alone explains).
  double prediction_agreement = 0.0;
  double ssim_to_input = 0.0;
  // Headline results only (NaN elsewhere): the health of the suspect's fingerprints. A blank
  // (constant) fingerprint carries no information, yet two blank ones have SSIM 1; the mean
  // relevance mass (sum of Inf per key; about 1 for a rule that conserves relevance) says why.
  double blank_fraction = 0.0;
  double relevance_mass = 0.0;
};

// The lambda scalings the lambda sweep covers: resolution (infip's default) and literal (the
// paper's formula taken as written, which saturates small images).
[[nodiscard]] std::vector<fingerprint::LambdaScaling> SweptScalings();

// Which pirated and independent models a separation figure counts.
enum class Subset { kAll, kExcludingRandomInit, kExcludingDistillation, kWeightDerivedVsTrained };
[[nodiscard]] std::string_view SubsetName(Subset subset);
[[nodiscard]] std::vector<Subset> AllSubsets();

struct SeparationRecord {
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling scaling = fingerprint::LambdaScaling::kResolution;
  std::string split;
  int64_t keys = 0;
  Subset subset = Subset::kAll;
  Separation stats;
};

struct TuningCandidate {
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling scaling = fingerprint::LambdaScaling::kResolution;
  Separation tuning;  // on the tuning split, for Tuning::subset
};

struct Tuning {
  std::string criterion;
  // The models the choice is made for: all pirated vs all independent models, or, when no
  // candidate separates those on the tuning split (AUC < 1), the copies that keep the
  // original's weights (kExcludingDistillation) vs all independent models: the claim that can
  // still be made.
  Subset subset = Subset::kAll;
  // Composites left out because at least half of the originals' fingerprints are blank on the
  // tuning split at the headline lambda: a blank fingerprint matches every other blank one.
  std::vector<std::string> excluded;
  std::vector<TuningCandidate> candidates;
  TuningCandidate chosen;
  // The widest-gap threshold with no false positive on the tuning split: halfway between the
  // highest independent score and the next score above it. NaN when no pirated model scores
  // above every independent one.
  double threshold = 0.0;
  Separation report;      // the chosen setting on the report split, at `threshold`, `subset`
  Separation report_all;  // the same, all pirated vs all independent models
};

// Fingerprints of a few keys side by side, as in the paper's Fig. 3 and 4.
struct GridColumn {
  std::string label;         // "original", "fine-tuned 5 ep", ...
  std::string model;         // manifest name (or baseline name)
  torch::Tensor images;      // K x H x W uint8
  std::vector<double> ssim;  // per key, against the original's fingerprint
};
struct FingerprintGrid {
  std::string original;
  std::string composite;
  torch::Tensor keys;  // K x C x H x W uint8 previews of the key images
  std::vector<GridColumn> columns;
};

struct ExtractionRecord {
  std::string model_path;
  std::string composite;
  bool from_cache = false;
  double seconds = 0.0;
};

struct Evaluation {
  EvaluationOptions options;
  std::string manifest_path;
  bool smoke = false;
  std::string zoo_settings_json;
  std::string key_pool_path;
  std::string key_set_sha256;  // of the loaded pool
  int64_t pool = 0;
  std::vector<Split> splits;                // report, tuning
  std::vector<int64_t> key_counts;          // those that fit in a split
  std::vector<int64_t> key_counts_skipped;  // larger than a split
  std::vector<Score> headline;              // default lambda, N keys, both splits
  std::vector<Score> lambda_sweep;          // every lambda and scaling, both splits
  std::vector<Score> key_sweep;  // default lambda, first n keys of the report half, every n
  std::vector<SeparationRecord> separation;
  Tuning tuning;
  std::vector<FingerprintGrid> grids;
  std::vector<ExtractionRecord> extractions;
  int cache_hits = 0;
  int cache_misses = 0;
  double seconds = 0.0;
};

// INVALID_ARGUMENT for options that cannot work (no composite, N < 1 or larger than half the
// pool, a lambda <= 0); errors of the library name the model they concern.
[[nodiscard]] absl::StatusOr<Evaluation> Evaluate(const ZooManifest& zoo,
                                                  const EvaluationOptions& options);

// The separation record for these settings, or nullptr.
[[nodiscard]] const SeparationRecord* FindSeparation(const Evaluation& e,
                                                     std::string_view composite, double lambda,
                                                     fingerprint::LambdaScaling scaling,
                                                     std::string_view split, int64_t keys,
                                                     Subset subset);

}  // namespace infip::evaluate
