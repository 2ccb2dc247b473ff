#include "infip/model/op_support.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace infip::model {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

c10::Symbol Op(const char* qual) { return c10::Symbol::fromQualString(qual); }

bool IsTensor(const Value* v) { return v->type()->isSubtypeOf(*c10::TensorType::get()); }

int DataInputs(const Node& node, const ValueSet& data_path) {
  int n = 0;
  for (const Value* in : node.inputs()) n += data_path.count(in) ? 1 : 0;
  return n;
}

bool OnlyFirstInputOnDataPath(const Node& node, const ValueSet& data_path) {
  return node.inputs().size() > 0 && data_path.count(node.inputs()[0]) &&
         DataInputs(node, data_path) == 1;
}

// Tensors (and lists of tensors) carry pixel data; ints and bools computed from shapes do not.
bool CarriesData(const Value* v) {
  return IsTensor(v) || v->type()->isSubtypeOf(*c10::ListType::ofTensors());
}

void Mark(const Block& block, ValueSet& data_path) {
  for (const Node* node : block.nodes()) {
    for (const Block* sub : node->blocks()) Mark(*sub, data_path);
    bool derived = false;
    for (const Value* in : node->inputs()) derived = derived || data_path.count(in) > 0;
    for (const Block* sub : node->blocks()) {
      for (const Value* out : sub->outputs()) derived = derived || data_path.count(out) > 0;
    }
    if (!derived) continue;
    for (const Value* out : node->outputs()) {
      if (CarriesData(out)) data_path.insert(out);
    }
  }
}

void CollectUnsupported(const Block& block, const ValueSet& data_path,
                        std::map<std::string, std::vector<std::string>>& found) {
  for (const Node* node : block.nodes()) {
    for (const Block* sub : node->blocks()) CollectUnsupported(*sub, data_path, found);
    if (DataInputs(*node, data_path) == 0) continue;
    if (ClassifyOp(*node, data_path) == OpClass::kUnsupported) {
      found[node->kind().toQualString()].push_back(NodeLocation(*node));
    }
  }
}

}  // namespace

ValueSet DataPathValues(const torch::jit::Graph& graph) {
  ValueSet data_path;
  if (graph.inputs().size() >= 2) data_path.insert(graph.inputs()[1]);
  Mark(*graph.block(), data_path);
  return data_path;
}

OpClass ClassifyOp(const Node& node, const ValueSet& data_path) {
  bool tensor_out = false;
  for (const Value* out : node.outputs()) tensor_out = tensor_out || IsTensor(out);
  const c10::Symbol k = node.kind();
  if (k == c10::prim::If || k == c10::prim::Loop) {
    // Control flow that only checks shapes is fine; control flow that picks tensors is not.
    return tensor_out ? OpClass::kUnsupported : OpClass::kShapeRead;
  }
  if (k == c10::prim::ListConstruct) {
    for (const Value* in : node.inputs()) {
      if (IsTensor(in)) return OpClass::kList;
    }
    return OpClass::kShapeRead;
  }
  if (!tensor_out) {
    // Reading a shape is harmless; turning pixel values into Python values (item, tolist,
    // bool) would hide a data dependency.
    if (k == Op("aten::size") || k == Op("aten::dim") || k == Op("aten::numel") ||
        k == Op("prim::device") || k == Op("prim::dtype") || k == Op("aten::__isnot__") ||
        k == Op("aten::__is__")) {
      return OpClass::kShapeRead;
    }
    return OpClass::kUnsupported;
  }
  if (k == Op("aten::conv2d") || k == Op("aten::linear")) {
    return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kLinearLayer
                                                     : OpClass::kUnsupported;
  }
  if (k == Op("aten::addmm")) {
    const bool ok = DataInputs(node, data_path) == 1 && data_path.count(node.inputs()[1]);
    return ok ? OpClass::kLinearLayer : OpClass::kUnsupported;
  }
  if (k == Op("aten::matmul") || k == Op("aten::mm")) {
    return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kLinearLayer
                                                     : OpClass::kUnsupported;
  }
  if (k == Op("aten::relu") || k == Op("aten::relu_") || k == Op("aten::relu6") ||
      k == Op("aten::hardtanh")) {
    return OpClass::kRelu;
  }
  if (k == Op("aten::transpose") || k == Op("aten::permute") || k == Op("aten::slice") ||
      k == Op("aten::narrow") || k == Op("aten::select") || k == Op("aten::pixel_shuffle") ||
      k == Op("aten::channel_shuffle")) {
    return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kRearrange
                                                     : OpClass::kUnsupported;
  }
  if (k == Op("aten::max_pool2d")) return OpClass::kMaxPool;
  if (k == Op("aten::avg_pool2d") || k == Op("aten::adaptive_avg_pool2d") ||
      k == Op("aten::mean")) {
    return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kProportional
                                                     : OpClass::kUnsupported;
  }
  if (k == Op("aten::batch_norm")) {
    return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kBatchNorm
                                                     : OpClass::kUnsupported;
  }
  if (k == Op("aten::cat")) return OpClass::kConcat;
  if (k == Op("aten::add") || k == Op("aten::add_")) {
    const int n = DataInputs(node, data_path);
    if (n == 2 && data_path.count(node.inputs()[0]) && data_path.count(node.inputs()[1])) {
      return OpClass::kResidualAdd;
    }
    return n == 1 && data_path.count(node.inputs()[0]) ? OpClass::kPassThrough
                                                       : OpClass::kUnsupported;
  }
  // Ops that keep every value where it is (or only move it), and a constant shift or scale
  // (input normalisation inside the model, a bias add left after folding).
  static const std::vector<c10::Symbol> kPass = {
      Op("aten::flatten"),    Op("aten::view"),          Op("aten::reshape"),
      Op("aten::squeeze"),    Op("aten::unsqueeze"),     Op("aten::contiguous"),
      Op("aten::clone"),      Op("aten::detach"),        Op("aten::dropout"),
      Op("aten::dropout_"),   Op("aten::feature_dropout"), Op("aten::alpha_dropout"),
      Op("aten::softmax"),    Op("aten::log_softmax"),   Op("aten::sub"),
      Op("aten::mul"),        Op("aten::div"),           Op("aten::sub_"),
      Op("aten::mul_"),       Op("aten::div_"),          Op("aten::to"),
      Op("aten::type_as"),    Op("aten::identity"),
  };
  for (c10::Symbol p : kPass) {
    if (k == p) {
      return OnlyFirstInputOnDataPath(node, data_path) ? OpClass::kPassThrough
                                                       : OpClass::kUnsupported;
    }
  }
  return OpClass::kUnsupported;
}

std::string NodeLocation(const Node& node) {
  try {
    if (auto flc = node.sourceRange().file_line_col()) {
      const auto& [file, line, col] = *flc;
      return absl::StrCat(file, ":", line);
    }
  } catch (const std::exception&) {
    // Corrupt debug information (unpickled lazily): fall back to the value name.
  }
  std::string where;
  if (node.outputs().size() > 0) where = absl::StrCat("%", node.outputs()[0]->debugName());
  torch::jit::ScopePtr scope = const_cast<Node&>(node).scope();  // scope() is not const
  if (scope && !scope->isBlank()) absl::StrAppend(&where, " in ", scope->namesFromRoot());
  return where.empty() ? "<unnamed node>" : where;
}

absl::Status CheckSupportedOps(const torch::jit::Graph& graph) {
  if (graph.outputs().size() != 1 || !IsTensor(graph.outputs()[0])) {
    return absl::InvalidArgumentError("model forward must return one logits tensor");
  }
  const ValueSet data_path = DataPathValues(graph);
  if (!data_path.count(graph.outputs()[0])) {
    return absl::InvalidArgumentError("model output does not depend on its input");
  }
  std::map<std::string, std::vector<std::string>> found;
  CollectUnsupported(*graph.block(), data_path, found);
  if (found.empty()) return absl::OkStatus();
  std::vector<std::string> parts;
  for (const auto& [kind, where] : found) {
    parts.push_back(absl::StrCat(kind, " (", where.size(), "x, at ", absl::StrJoin(where, ", "),
                                 ")"));
  }
  return absl::UnimplementedError(
      absl::StrCat("model uses ops that infip cannot explain: ", absl::StrJoin(parts, "; ")));
}

}  // namespace infip::model
