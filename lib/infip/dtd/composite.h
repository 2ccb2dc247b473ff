// Composites: which rule each conv / linear layer gets, by its position in the network.
//
//   "dtd" (default, InFIP.md): zB on the pixel layer, z+ on every other conv and linear layer.
//   "epsilon-plus-flat": flat on the pixel layer, z+ on convs, epsilon (1e-6) on linear layers
//                        (Zennit's EpsilonPlusFlat).
//   "gradient-x-input": not a relevance rule set; the gradient of the predicted logit times
//                        the input, the usual saliency baseline.
// The composite name is recorded with every fingerprint set; verification always reuses the
// registration's composite.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/dtd/rules.h"

namespace infip::dtd {

enum class LayerType { kConv, kLinear };

class Composite {
 public:
  // NOT_FOUND names the known composites.
  static absl::StatusOr<Composite> ByName(std::string_view name);
  static std::vector<std::string> Names();
  static constexpr char kDefault[] = "dtd";

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool is_gradient_baseline() const { return gradient_baseline_; }
  // The rule for a layer; `is_input_layer` is true for the layer that reads the pixels.
  [[nodiscard]] Rule RuleFor(LayerType type, bool is_input_layer) const;
  // Human-readable summary of every rule, recorded with fingerprint sets.
  [[nodiscard]] std::string Describe() const;

 private:
  std::string name_;
  bool gradient_baseline_ = false;
  Rule input_rule_;
  Rule conv_rule_;
  Rule linear_rule_;
};

}  // namespace infip::dtd
