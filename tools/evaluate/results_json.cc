#include "tools/evaluate/results_json.h"

#include <cmath>

#include "infip/common/version.h"
#include "infip/io/file_util.h"

namespace infip::evaluate {
namespace {

using Json = nlohmann::ordered_json;

// JSON has no NaN or infinity; null says "undefined" without pretending to be a number.
Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json Opt(const std::optional<double>& v) { return v.has_value() ? Num(*v) : Json(nullptr); }

Json Parsed(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(nullptr) : j;
}

Json ScoreJson(const Score& s, bool full) {
  const similarity::Comparison& c = s.comparison;
  Json j;
  j["model"] = s.suspect;
  j["against"] = s.against;
  j["role"] = std::string(RoleName(s.role));
  j["attack"] = s.attack;
  if (full) {
    j["setting"] = Parsed(s.setting_json);
    j["architecture"] = s.architecture.empty() ? Json(nullptr) : Json(s.architecture);
    j["test_accuracy"] = Opt(s.test_accuracy);
    j["watermark_accuracy"] = Opt(s.watermark_accuracy);
  }
  j["composite"] = s.composite;
  j["lambda"] = s.lambda;
  j["lambda_scaling"] = std::string(fingerprint::LambdaScalingName(s.scaling));
  j["split"] = s.split;
  j["keys"] = s.keys;
  j["assim"] = Num(c.assim);
  j["ci_low"] = Num(c.ci_low);
  j["ci_high"] = Num(c.ci_high);
  j["min_ssim"] = Num(c.min_ssim);
  j["median_ssim"] = Num(c.median_ssim);
  if (full) {
    j["pirated_at_threshold"] = c.pirated;
    j["prediction_agreement"] = Num(s.prediction_agreement);
    j["ssim_to_input"] = Num(s.ssim_to_input);
    j["blank_fraction"] = Num(s.blank_fraction);
    j["relevance_mass"] = Num(s.relevance_mass);
  }
  return j;
}

Json SeparationJson(const Separation& s) {
  Json j;
  j["pirated"] = s.positives;
  j["independent"] = s.negatives;
  j["auc"] = Num(s.auc);
  j["tpr_at_fpr"] = Num(s.tpr_at_fpr);
  j["fpr_at_fpr"] = Num(s.fpr_at_fpr);
  j["threshold_at_fpr"] = Num(s.threshold_at_fpr);
  j["margin"] = Num(s.margin);
  j["lowest_pirated"] = {{"model", s.lowest_positive}, {"assim", Num(s.lowest_positive_score)}};
  j["highest_independent"] = {{"model", s.highest_negative},
                              {"assim", Num(s.highest_negative_score)}};
  j["tpr_at_threshold"] = Num(s.tpr_at_threshold);
  j["fpr_at_threshold"] = Num(s.fpr_at_threshold);
  return j;
}

Json CandidateJson(const TuningCandidate& c) {
  return {{"composite", c.composite},
          {"lambda", c.lambda},
          {"lambda_scaling", std::string(fingerprint::LambdaScalingName(c.scaling))},
          {"tuning", SeparationJson(c.tuning)}};
}

}  // namespace

Json ResultsJson(const Evaluation& e) {
  const EvaluationOptions& o = e.options;
  Json j;
  j["tool"] = "infip-evaluate";
  j["engine_version"] = kEngineVersion;
  j["manifest"] = e.manifest_path;
  j["smoke"] = e.smoke;
  j["zoo_settings"] = Parsed(e.zoo_settings_json);

  Json splits = Json::array();
  for (const Split& s : e.splits) {
    splits.push_back({{"name", s.name}, {"first", s.first}, {"count", s.count}});
  }
  j["keys"] = {{"pool_path", e.key_pool_path},
               {"sha256", e.key_set_sha256},
               {"pool", e.pool},
               {"splits", splits},
               {"key_counts", e.key_counts},
               {"key_counts_skipped", e.key_counts_skipped}};
  j["settings"] = {{"composites", o.composites},
                   {"lambda", o.lambda},
                   {"lambda_scaling", std::string(fingerprint::LambdaScalingName(o.scaling))},
                   {"lambdas", o.lambdas},
                   {"threshold", o.threshold},
                   {"max_fpr", o.max_fpr},
                   {"bootstrap_resamples", o.bootstrap},
                   {"device", o.device}};

  Json results = Json::array();
  for (const Score& s : e.headline) results.push_back(ScoreJson(s, true));
  j["results"] = std::move(results);
  Json lambda = Json::array(), keys = Json::array();
  for (const Score& s : e.lambda_sweep) lambda.push_back(ScoreJson(s, false));
  for (const Score& s : e.key_sweep) keys.push_back(ScoreJson(s, false));
  j["sweeps"] = {{"lambda", std::move(lambda)}, {"keys", std::move(keys)}};

  Json separation = Json::array();
  for (const SeparationRecord& r : e.separation) {
    Json rec = {{"composite", r.composite},
                {"lambda", r.lambda},
                {"lambda_scaling", std::string(fingerprint::LambdaScalingName(r.scaling))},
                {"split", r.split},
                {"keys", r.keys},
                {"subset", std::string(SubsetName(r.subset))}};
    rec.update(SeparationJson(r.stats));
    separation.push_back(std::move(rec));
  }
  j["separation"] = std::move(separation);

  Json candidates = Json::array();
  for (const TuningCandidate& c : e.tuning.candidates) candidates.push_back(CandidateJson(c));
  j["tuning"] = {
      {"criterion", e.tuning.criterion},
      {"excluded_composites", e.tuning.excluded},
      {"candidates", std::move(candidates)},
      {"chosen", e.tuning.candidates.empty() ? Json(nullptr) : CandidateJson(e.tuning.chosen)},
      {"threshold", Num(e.tuning.threshold)},
      {"subset", std::string(SubsetName(e.tuning.subset))},
      {"report", SeparationJson(e.tuning.report)},
      {"report_all", SeparationJson(e.tuning.report_all)}};

  Json extractions = Json::array();
  for (const ExtractionRecord& x : e.extractions) {
    extractions.push_back({{"model_path", x.model_path},
                           {"composite", x.composite},
                           {"from_cache", x.from_cache},
                           {"seconds", x.seconds}});
  }
  j["cache"] = {{"hits", e.cache_hits}, {"misses", e.cache_misses}};
  j["extractions"] = std::move(extractions);
  j["seconds"] = e.seconds;
  return j;
}

absl::Status WriteResultsJson(const Evaluation& e, const std::string& path) {
  return io::WriteFileAtomically(path, ResultsJson(e).dump(1) + "\n");
}

}  // namespace infip::evaluate
