#include "infip/dtd/composite.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::dtd {

absl::StatusOr<Composite> Composite::ByName(std::string_view name) {
  Composite c;
  c.name_ = std::string(name);
  const Rule zplus{RuleKind::kZPlus, 1e-9};
  if (name == "dtd") {
    c.input_rule_ = Rule{RuleKind::kZBox, 1e-9};
    c.conv_rule_ = zplus;
    c.linear_rule_ = zplus;
    return c;
  }
  if (name == "epsilon-plus-flat") {
    c.input_rule_ = Rule{RuleKind::kFlat, 1e-9};
    c.conv_rule_ = zplus;
    c.linear_rule_ = Rule{RuleKind::kEpsilon, 1e-6};
    return c;
  }
  if (name == "gradient-x-input") {
    c.gradient_baseline_ = true;
    return c;
  }
  return absl::NotFoundError(absl::StrCat("unknown composite \"", std::string(name),
                                          "\"; known: ", absl::StrJoin(Names(), ", ")));
}

std::vector<std::string> Composite::Names() {
  return {"dtd", "epsilon-plus-flat", "gradient-x-input"};
}

Rule Composite::RuleFor(LayerType type, bool is_input_layer) const {
  if (is_input_layer) return input_rule_;
  return type == LayerType::kConv ? conv_rule_ : linear_rule_;
}

std::string Composite::Describe() const {
  if (gradient_baseline_) return "gradient of the predicted logit x input";
  return absl::StrCat("input=", input_rule_.Name(), " conv=", conv_rule_.Name(),
                      " linear=", linear_rule_.Name(), " stabiliser=1e-09");
}

}  // namespace infip::dtd
