// Look-ups the report's sections share: one score by suspect and setting, the originals and
// their suspects in manifest order, and the attack settings as numbers. Internal to
// report*.cc.
//
//   ReportContext ctx(evaluation, zoo);
//   const Score* s = ctx.Headline("vgg16-ft-5ep", "dtd");   // report split, default lambda
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/evaluate/evaluation.h"
#include "tools/evaluate/zoo_manifest.h"

namespace infip::evaluate {

class ReportContext {
 public:
  ReportContext(const Evaluation& e, const ZooManifest& zoo) : e_(e), zoo_(zoo) {}

  [[nodiscard]] const Evaluation& e() const { return e_; }
  [[nodiscard]] const ZooManifest& zoo() const { return zoo_; }
  [[nodiscard]] const std::vector<std::string>& composites() const { return e_.options.composites; }
  [[nodiscard]] const std::string& headline_composite() const { return composites().front(); }

  // nullptr when absent.
  [[nodiscard]] const Score* Headline(std::string_view suspect, std::string_view composite,
                                      std::string_view split = "report") const;
  [[nodiscard]] const Score* LambdaPoint(std::string_view suspect, std::string_view composite,
                                         double lambda, fingerprint::LambdaScaling scaling) const;
  [[nodiscard]] const Score* KeyPoint(std::string_view suspect, std::string_view composite,
                                      int64_t keys) const;
  // At the headline lambda and N on the report split unless told otherwise.
  [[nodiscard]] const SeparationRecord* Separation(std::string_view composite, Subset subset) const;

  // Originals that some suspect is compared with, in manifest order.
  [[nodiscard]] std::vector<const ZooModel*> Originals() const;
  // Every original, compared with or not (Table I lists them all).
  [[nodiscard]] std::vector<const ZooModel*> AllOriginals() const;
  // The suspects of an original with this attack, in manifest order.
  [[nodiscard]] std::vector<const ZooModel*> Suspects(const ZooModel& original,
                                                      std::string_view attack) const;
  [[nodiscard]] std::vector<const ZooModel*> SuspectsWithRole(const ZooModel& original,
                                                              Role role) const;

 private:
  const Evaluation& e_;
  const ZooManifest& zoo_;
};

// The scaling's name as a std::string (abseil's StrCat here predates std::string_view).
[[nodiscard]] std::string ScalingName(fingerprint::LambdaScaling scaling);

// "vgg16" -> "VGG-16", "resnet18" -> "ResNet-18"; others unchanged.
[[nodiscard]] std::string ArchName(std::string_view arch);

// The models a tuning choice is made for, in words: "all pirated vs all independent models",
// or the copies that keep the original's weights vs all independent models.
[[nodiscard]] std::string SubsetWords(Subset subset);

// The median (NaN for none).
[[nodiscard]] double Median(std::vector<double> v);

// A number from an attack's setting JSON ({"epochs": 5} -> 5), or nullopt.
[[nodiscard]] std::optional<double> SettingNumber(const std::string& setting_json, const char* key);

}  // namespace infip::evaluate
