#include "tools/evaluate/zoo_manifest.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::evaluate {
namespace {

using nlohmann::json;

// A manifest lists tens of models; anything near this size is not one.
constexpr int64_t kMaxManifestBytes = 64LL << 20;

absl::Status FieldError(std::string_view where, std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("zoo manifest: ", std::string(where), ": field '",
                                                 std::string(field), "' ", std::string(what)));
}

absl::StatusOr<std::string> StringField(const json& object, std::string_view where,
                                        const char* field) {
  auto it = object.find(field);
  if (it == object.end()) return FieldError(where, field, "is missing");
  if (!it->is_string()) return FieldError(where, field, "must be a string");
  return it->get<std::string>();
}

// Absent and null both mean "not given".
absl::StatusOr<std::optional<std::string>> OptionalString(const json& object,
                                                          std::string_view where,
                                                          const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return FieldError(where, field, "must be a string or null");
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::optional<double>> OptionalNumber(const json& object, std::string_view where,
                                                     const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return FieldError(where, field, "must be a number or null");
  return std::optional<double>(it->get<double>());
}

absl::StatusOr<double> NumberOr(const json& object, std::string_view where, const char* field,
                                double fallback) {
  INFIP_ASSIGN_OR_RETURN(std::optional<double> v, OptionalNumber(object, where, field));
  return v.value_or(fallback);
}

absl::StatusOr<Role> ParseRole(std::string_view where, const std::string& name) {
  if (name == "original") return Role::kOriginal;
  if (name == "pirated") return Role::kPirated;
  if (name == "independent") return Role::kIndependent;
  if (name == "baseline") return Role::kBaseline;
  return FieldError(
      where, "role",
      absl::StrCat("is '", name, "'; expected original, pirated, independent or baseline"));
}

std::string Resolve(const std::string& dir, const std::string& relative) {
  return (std::filesystem::path(dir) / relative).lexically_normal().string();
}

absl::Status CheckFile(std::string_view where, std::string_view field, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat("zoo manifest: ", std::string(where), ": ",
                                                   std::string(field), " '", path,
                                                   "' is not a file (rebuild the zoo)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ZooKeys> ParseKeys(const json& doc, const std::string& dir) {
  auto it = doc.find("keys");
  if (it == doc.end() || !it->is_object()) {
    return absl::InvalidArgumentError("zoo manifest: field 'keys' is missing or not an object");
  }
  const json& keys = *it;
  ZooKeys out;
  INFIP_ASSIGN_OR_RETURN(std::string images, StringField(keys, "keys", "images"));
  out.images_path = Resolve(dir, images);
  INFIP_RETURN_IF_ERROR(CheckFile("keys", "images", out.images_path));
  auto count = keys.find("count");
  if (count == keys.end() || !count->is_number_integer() || count->get<int64_t>() < 1) {
    return FieldError("keys", "count", "must be a positive integer");
  }
  out.count = count->get<int64_t>();
  auto pre = keys.find("preprocess");
  if (pre == keys.end() || !pre->is_object()) {
    return FieldError("keys", "preprocess", "is missing or not an object");
  }
  INFIP_ASSIGN_OR_RETURN(out.mean, NumberOr(*pre, "keys.preprocess", "mean", 0.0));
  INFIP_ASSIGN_OR_RETURN(out.std, NumberOr(*pre, "keys.preprocess", "std", 1.0));
  INFIP_ASSIGN_OR_RETURN(out.low, NumberOr(*pre, "keys.preprocess", "low", 0.0));
  INFIP_ASSIGN_OR_RETURN(out.high, NumberOr(*pre, "keys.preprocess", "high", 1.0));
  if (!(out.std > 0.0)) return FieldError("keys.preprocess", "std", "must be positive");
  if (!(out.low < out.high)) return FieldError("keys.preprocess", "low", "must be below high");
  return out;
}

absl::StatusOr<ZooModel> ParseModel(const json& entry, size_t index, const std::string& dir) {
  const std::string at = absl::StrCat("models[", index, "]");
  if (!entry.is_object())
    return absl::InvalidArgumentError("zoo manifest: " + at + " is not an object");
  ZooModel m;
  INFIP_ASSIGN_OR_RETURN(m.name, StringField(entry, at, "name"));
  if (m.name.empty()) return FieldError(at, "name", "is empty");
  const std::string where = absl::StrCat(at, " (", m.name, ")");
  INFIP_ASSIGN_OR_RETURN(std::string role, StringField(entry, where, "role"));
  INFIP_ASSIGN_OR_RETURN(m.role, ParseRole(where, role));
  INFIP_ASSIGN_OR_RETURN(m.attack, StringField(entry, where, "attack"));
  auto setting = entry.find("setting");
  m.setting_json = setting == entry.end() ? "null" : setting->dump();
  INFIP_ASSIGN_OR_RETURN(std::optional<std::string> arch,
                         OptionalString(entry, where, "architecture"));
  m.architecture = arch.value_or("");
  INFIP_ASSIGN_OR_RETURN(std::optional<std::string> model, OptionalString(entry, where, "model"));
  INFIP_ASSIGN_OR_RETURN(std::optional<std::string> against,
                         OptionalString(entry, where, "against"));
  m.against = against.value_or("");
  INFIP_ASSIGN_OR_RETURN(m.test_accuracy, OptionalNumber(entry, where, "test_accuracy"));
  INFIP_ASSIGN_OR_RETURN(m.watermark_accuracy, OptionalNumber(entry, where, "watermark_accuracy"));
  INFIP_ASSIGN_OR_RETURN(m.alias_of, OptionalString(entry, where, "alias_of"));
  INFIP_ASSIGN_OR_RETURN(m.build_seconds, OptionalNumber(entry, where, "build_seconds"));
  INFIP_ASSIGN_OR_RETURN(std::optional<double> seed, OptionalNumber(entry, where, "seed"));
  if (seed.has_value()) {
    if (*seed != std::floor(*seed)) return FieldError(where, "seed", "must be an integer");
    m.seed = static_cast<int64_t>(*seed);
  }

  if (m.role == Role::kBaseline) {
    if (model.has_value()) return FieldError(where, "model", "must be null for a baseline");
  } else {
    if (!model.has_value()) return FieldError(where, "model", "is missing");
    if (m.architecture.empty()) return FieldError(where, "architecture", "is missing");
    m.model_path = Resolve(dir, *model);
    INFIP_RETURN_IF_ERROR(CheckFile(where, "model", m.model_path));
  }
  if (m.role == Role::kOriginal && !m.against.empty()) {
    return FieldError(where, "against", "must be null for an original");
  }
  if (m.role != Role::kOriginal && m.against.empty()) {
    return FieldError(where, "against", "is missing (which original is this compared with?)");
  }
  return m;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kOriginal:
      return "original";
    case Role::kPirated:
      return "pirated";
    case Role::kIndependent:
      return "independent";
    case Role::kBaseline:
      return "baseline";
  }
  return "unknown";
}

const ZooModel* ZooManifest::Find(std::string_view name) const {
  for (const ZooModel& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

absl::StatusOr<ZooManifest> ParseZooManifest(std::string_view text, const std::string& dir) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("zoo manifest: not valid JSON");
  if (!doc.is_object()) return absl::InvalidArgumentError("zoo manifest: not a JSON object");

  ZooManifest zoo;
  zoo.dir = dir;
  auto settings = doc.find("settings");
  if (settings != doc.end() && settings->is_object()) {
    zoo.settings_json = settings->dump();
    auto smoke = settings->find("smoke");
    zoo.smoke = smoke != settings->end() && smoke->is_boolean() && smoke->get<bool>();
  } else {
    zoo.settings_json = "null";
  }
  INFIP_ASSIGN_OR_RETURN(zoo.keys, ParseKeys(doc, dir));

  auto models = doc.find("models");
  if (models == doc.end() || !models->is_array() || models->empty()) {
    return absl::InvalidArgumentError("zoo manifest: field 'models' is missing or empty");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < models->size(); ++i) {
    INFIP_ASSIGN_OR_RETURN(ZooModel m, ParseModel((*models)[i], i, dir));
    if (!names.insert(m.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("zoo manifest: models[", i, "]: duplicate name '", m.name, "'"));
    }
    zoo.models.push_back(std::move(m));
  }
  for (const ZooModel& m : zoo.models) {
    if (m.against.empty()) continue;
    const ZooModel* original = zoo.Find(m.against);
    if (original == nullptr || original->role != Role::kOriginal) {
      return absl::InvalidArgumentError(absl::StrCat("zoo manifest: ", m.name, ": against '",
                                                     m.against, "' names no original model"));
    }
  }
  return zoo;
}

absl::StatusOr<ZooManifest> LoadZooManifest(const std::string& path) {
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
  INFIP_ASSIGN_OR_RETURN(std::string text, io::ReadWholeFile(absolute, kMaxManifestBytes));
  INFIP_ASSIGN_OR_RETURN(
      ZooManifest zoo,
      ParseZooManifest(text, std::filesystem::path(absolute).parent_path().string()));
  zoo.path = absolute;
  return zoo;
}

}  // namespace infip::evaluate
