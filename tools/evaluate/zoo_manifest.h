// The model zoo's manifest (tools/zoo/README.md) as infip-evaluate reads it: which models exist,
// what each one is (original, pirated copy, independent model, input-only baseline), which
// original it is to be compared with, and how the key pool is to be preprocessed.
//
//   INFIP_ASSIGN_OR_RETURN(ZooManifest zoo, LoadZooManifest("/cache/zoo/manifest.json"));
//   for (const ZooModel& m : zoo.models) if (m.role == Role::kPirated) ...
//
// Paths in the manifest are relative to its directory; they come back absolute. Everything the
// evaluation relies on is checked here, so a malformed manifest fails before any model is
// loaded, with INVALID_ARGUMENT naming the entry and the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::evaluate {

enum class Role { kOriginal, kPirated, kIndependent, kBaseline };

[[nodiscard]] std::string_view RoleName(Role role);  // "original" | "pirated" | ...

struct ZooModel {
  std::string name;
  Role role = Role::kIndependent;
  std::string attack;        // "none", "fine-tune", "prune", "seed", "random-init", ...
  std::string setting_json;  // the attack's setting as compact JSON ("null" when none)
  std::string architecture;  // empty for baselines
  std::string model_path;    // absolute; empty for baselines (no model)
  std::string against;       // the original it is compared with; empty for originals
  std::optional<double> test_accuracy;
  std::optional<double> watermark_accuracy;
  std::optional<std::string> alias_of;  // the same file as another entry (other architecture)
  // Seconds the zoo took to train or derive this model when it was built (kept in the cache, so
  // a rerun that only loads it still reports what it cost).
  std::optional<double> build_seconds;
  // The seed of the model's initial weights (trained models; attacks record their own seed).
  std::optional<int64_t> seed;
};

struct ZooKeys {
  std::string images_path;  // absolute; an IDX image file
  int64_t count = 0;
  double mean = 0.0;
  double std = 1.0;
  double low = 0.0;  // the input box the preprocessing leads to
  double high = 1.0;
};

struct ZooManifest {
  std::string path;  // of manifest.json, absolute
  std::string dir;   // its directory
  bool smoke = false;
  std::string settings_json;  // the zoo's build settings, compact JSON
  ZooKeys keys;
  std::vector<ZooModel> models;

  // The entry of that name, or nullptr.
  [[nodiscard]] const ZooModel* Find(std::string_view name) const;
};

// NOT_FOUND when the file is missing; INVALID_ARGUMENT for text that is not JSON, a missing or
// mistyped field, an unknown role, a duplicate name, an `against` that names no original, or
// a model file that does not exist.
[[nodiscard]] absl::StatusOr<ZooManifest> LoadZooManifest(const std::string& path);

// The same checks on manifest text; `dir` resolves relative paths.
[[nodiscard]] absl::StatusOr<ZooManifest> ParseZooManifest(std::string_view text,
                                                           const std::string& dir);

}  // namespace infip::evaluate
