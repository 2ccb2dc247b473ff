#include "tools/evaluate/report_context.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

namespace infip::evaluate {

const Score* ReportContext::Headline(std::string_view suspect, std::string_view composite,
                                     std::string_view split) const {
  for (const Score& s : e_.headline) {
    if (s.suspect == suspect && s.composite == composite && s.split == split) return &s;
  }
  return nullptr;
}

const Score* ReportContext::LambdaPoint(std::string_view suspect, std::string_view composite,
                                        double lambda, fingerprint::LambdaScaling scaling) const {
  for (const Score& s : e_.lambda_sweep) {
    if (s.suspect == suspect && s.composite == composite && s.lambda == lambda &&
        s.scaling == scaling && s.split == "report") {
      return &s;
    }
  }
  return nullptr;
}

const Score* ReportContext::KeyPoint(std::string_view suspect, std::string_view composite,
                                     int64_t keys) const {
  for (const Score& s : e_.key_sweep) {
    if (s.suspect == suspect && s.composite == composite && s.keys == keys) return &s;
  }
  return nullptr;
}

const SeparationRecord* ReportContext::Separation(std::string_view composite, Subset subset) const {
  return FindSeparation(e_, composite, e_.options.lambda, e_.options.scaling, "report",
                        e_.options.keys, subset);
}

std::vector<const ZooModel*> ReportContext::Originals() const {
  std::vector<const ZooModel*> out;
  for (const ZooModel& m : zoo_.models) {
    if (m.role != Role::kOriginal) continue;
    for (const ZooModel& s : zoo_.models) {
      if (s.against == m.name && s.role != Role::kBaseline) {
        out.push_back(&m);
        break;
      }
    }
  }
  return out;
}

std::vector<const ZooModel*> ReportContext::AllOriginals() const {
  std::vector<const ZooModel*> out;
  for (const ZooModel& m : zoo_.models) {
    if (m.role == Role::kOriginal) out.push_back(&m);
  }
  return out;
}

std::vector<const ZooModel*> ReportContext::Suspects(const ZooModel& original,
                                                     std::string_view attack) const {
  std::vector<const ZooModel*> out;
  for (const ZooModel& m : zoo_.models) {
    if (m.against == original.name && m.attack == attack) out.push_back(&m);
  }
  return out;
}

std::vector<const ZooModel*> ReportContext::SuspectsWithRole(const ZooModel& original,
                                                             Role role) const {
  std::vector<const ZooModel*> out;
  for (const ZooModel& m : zoo_.models) {
    if (m.against == original.name && m.role == role) out.push_back(&m);
  }
  return out;
}

std::string ScalingName(fingerprint::LambdaScaling scaling) {
  return std::string(fingerprint::LambdaScalingName(scaling));
}

std::string ArchName(std::string_view arch) {
  if (arch == "vgg16") return "VGG-16";
  if (arch == "resnet18") return "ResNet-18";
  return std::string(arch);
}

std::optional<double> SettingNumber(const std::string& setting_json, const char* key) {
  const nlohmann::json j = nlohmann::json::parse(setting_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string SubsetWords(Subset subset) {
  return subset == Subset::kAll ? "all pirated vs all independent models"
                                : "copies that keep the original's weights vs all independent "
                                  "models";
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace infip::evaluate
