#include "infip/model/model.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/serialization/import.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"
#include "infip/common/status_macros.h"
#include "infip/common/torch_status.h"
#include "infip/model/canonicalize.h"
#include "infip/model/op_support.h"

namespace infip::model {
namespace {

std::string SchemaString(const c10::FunctionSchema& schema) {
  std::ostringstream out;
  out << schema;
  return out.str();
}

// forward(self, Tensor) -> Tensor is the only signature infip explains.
absl::Status CheckForwardSignature(const torch::jit::Module& module) {
  auto method = module.find_method("forward");
  if (!method) return absl::InvalidArgumentError("model has no forward method");
  const c10::FunctionSchema& schema = method->function().getSchema();
  const auto& args = schema.arguments();
  if (args.size() != 2 || !args[1].type()->isSubtypeOf(*c10::TensorType::get())) {
    return absl::InvalidArgumentError(
        absl::StrCat("model forward must take one image tensor, found ", SchemaString(schema)));
  }
  if (schema.returns().size() != 1 ||
      !schema.returns()[0].type()->isSubtypeOf(*c10::TensorType::get())) {
    return absl::InvalidArgumentError(
        absl::StrCat("model forward must return one logits tensor, found ", SchemaString(schema)));
  }
  return absl::OkStatus();
}

int CountKind(const torch::jit::Block& block, c10::Symbol kind) {
  int n = 0;
  for (const torch::jit::Node* node : block.nodes()) {
    if (node->kind() == kind) ++n;
    for (const torch::jit::Block* sub : node->blocks()) n += CountKind(*sub, kind);
  }
  return n;
}

std::string ShapeString(c10::IntArrayRef shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// The archive's bytes as LibTorch's reader sees a file, without a copy (a model may be
// gigabytes). Reads past the end come back short, which the reader reports as an error.
class BytesReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BytesReader(std::string_view bytes) : bytes_(bytes) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    const size_t take = std::min<uint64_t>(n, bytes_.size() - pos);
    std::memcpy(buf, bytes_.data() + pos, take);
    return take;
  }

 private:
  const std::string_view bytes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CanonicalModel>> CanonicalModel::FromFile(
    const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat("model file not found: ", path));
  }
  INFIP_ASSIGN_OR_RETURN(torch::jit::Module module,
                         CatchTorch(absl::StrCat("cannot load TorchScript model ", path),
                                    [&] { return torch::jit::load(path, options.device); }));
  return FromModule(std::move(module), options);
}

absl::StatusOr<std::unique_ptr<CanonicalModel>> CanonicalModel::FromBytes(
    std::string_view bytes, const LoadOptions& options) {
  if (bytes.empty()) return absl::InvalidArgumentError("model file is empty");
  INFIP_ASSIGN_OR_RETURN(torch::jit::Module module,
                         CatchTorch("cannot load TorchScript model", [&] {
                           return torch::jit::load(std::make_shared<BytesReader>(bytes),
                                                   options.device);
                         }));
  return FromModule(std::move(module), options);
}

absl::StatusOr<std::unique_ptr<CanonicalModel>> CanonicalModel::FromModule(
    torch::jit::Module module, const LoadOptions& options) {
  INFIP_RETURN_IF_ERROR(CheckForwardSignature(module));
  int folded = 0;
  INFIP_ASSIGN_OR_RETURN(
      torch::jit::Module frozen, CatchTorch("cannot freeze model", [&] {
        module.eval();
        module.to(options.device);
        torch::jit::Module f = torch::jit::freeze_module(module);
        std::shared_ptr<torch::jit::Graph> graph = f.get_method("forward").graph();
        torch::jit::Inline(*graph);
        torch::jit::ConstantPropagation(graph);
        NormaliseOps(graph);
        if (options.fold_batchnorm) folded = FoldBatchNorm(graph);
        torch::jit::EliminateDeadCode(graph);
        return f;
      }));
  std::shared_ptr<torch::jit::Graph> graph = frozen.get_method("forward").graph();
  // Debug information in a model file is unpickled lazily, so even reading source locations
  // or printing the graph can throw on a corrupt file.
  absl::Status supported = absl::OkStatus();
  INFIP_RETURN_IF_ERROR(CatchTorchVoid("cannot inspect model graph", [&] {
    supported = CheckSupportedOps(*graph);
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("canonical graph ({} BatchNorm folded):\n{}", folded, graph->toString());
    }
  }));
  INFIP_RETURN_IF_ERROR(supported);
  return std::unique_ptr<CanonicalModel>(
      new CanonicalModel(std::move(frozen), std::move(graph), options.device, folded));
}

absl::StatusOr<torch::Tensor> CanonicalModel::Forward(const torch::Tensor& batch) const {
  return CatchTorch("model forward pass failed", [&] {
    torch::NoGradGuard no_grad;
    auto& m = const_cast<torch::jit::Module&>(module_);  // forward does not mutate a frozen module
    return m.forward({batch.to(device_)}).toTensor();
  });
}

absl::Status CanonicalModel::CheckInputShape(c10::IntArrayRef batch_shape) const {
  if (batch_shape.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key images must form an N x C x H x W batch, got shape ", ShapeString(batch_shape)));
  }
  std::vector<int64_t> one(batch_shape.begin(), batch_shape.end());
  one[0] = 1;
  auto probe = torch::zeros(one, torch::TensorOptions().device(device_));
  absl::StatusOr<torch::Tensor> out = Forward(probe);
  if (!out.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model does not accept key images of shape ",
                     ShapeString(batch_shape.slice(1)), ": ", out.status().message()));
  }
  if (out->dim() != 2 || out->size(0) != 1 || out->size(1) < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("model must map a batch to N x classes logits; for key images of shape ",
                     ShapeString(batch_shape.slice(1)), " it returned shape ",
                     ShapeString(out->sizes())));
  }
  return absl::OkStatus();
}

}  // namespace infip::model
