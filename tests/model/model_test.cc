#include "infip/model/model.h"

#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "test_models.h"

namespace infip::model {
namespace {

using testing::LoadModel;
using testing::ModelPath;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int CountOps(const torch::jit::Graph& g, const char* kind) {
  int n = 0;
  for (const torch::jit::Node* node : g.nodes()) n += node->kind().toQualString() == std::string(kind);
  return n;
}

TEST(CanonicalModel, FoldsEveryBatchNormAndKeepsOutputs) {
  auto folded = LoadModel("vgg_like.pt");
  auto unfolded = LoadModel("vgg_like.pt", /*fold_batchnorm=*/false);
  ASSERT_TRUE(folded && unfolded);
  EXPECT_EQ(folded->folded_batchnorms(), 3);
  EXPECT_EQ(CountOps(*folded->graph(), "aten::batch_norm"), 0);
  EXPECT_EQ(CountOps(*unfolded->graph(), "aten::batch_norm"), 3);
  // The untouched module, run by LibTorch itself, is the reference.
  torch::jit::Module raw = torch::jit::load(ModelPath("vgg_like.pt"));
  raw.eval();
  torch::manual_seed(7);
  const torch::Tensor x = torch::rand({6, 1, 32, 32});
  const torch::Tensor expected = raw.forward({x}).toTensor();
  EXPECT_TRUE(torch::allclose(*folded->Forward(x), expected, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(*unfolded->Forward(x), expected, 1e-5, 1e-6));
}

TEST(CanonicalModel, TracedModelsAreCanonicalisedLikeScriptedOnes) {
  auto traced = LoadModel("vgg_like_traced.pt");
  auto scripted = LoadModel("vgg_like.pt");
  ASSERT_TRUE(traced && scripted);
  EXPECT_EQ(traced->folded_batchnorms(), 3);
  EXPECT_EQ(CountOps(*traced->graph(), "aten::_convolution"), 0);
  const torch::Tensor x = torch::rand({3, 1, 32, 32});
  EXPECT_TRUE(torch::allclose(*traced->Forward(x), *scripted->Forward(x), 1e-5, 1e-6));
}

TEST(CanonicalModel, ResNetFoldsStemBlocksAndShortcut) {
  auto res = LoadModel("resnet_like.pt");
  ASSERT_TRUE(res);
  // stem + 2 per block x 2 blocks + the downsample shortcut.
  EXPECT_EQ(res->folded_batchnorms(), 6);
  // In-place activations became functional, so dtd/ can keep every forward value.
  EXPECT_EQ(CountOps(*res->graph(), "aten::relu_"), 0);
  EXPECT_GT(CountOps(*res->graph(), "aten::relu"), 0);
}

TEST(CanonicalModel, UnsupportedOpIsNamedBeforeAnyWork) {
  auto m = CanonicalModel::FromFile(ModelPath("unsupported_op.pt"), {});
  ASSERT_EQ(m.status().code(), absl::StatusCode::kUnimplemented) << m.status();
  EXPECT_NE(m.status().message().find("aten::sigmoid"), std::string::npos) << m.status();
}

TEST(CanonicalModel, CorruptTruncatedAndForeignFilesAreInvalidArgument) {
  const std::string good = ReadAll(ModelPath("vgg_like.pt"));
  ASSERT_GT(good.size(), 1000u);
  std::string flipped = good;
  for (size_t i = 100; i < flipped.size(); i += 97) flipped[i] ^= 0x5a;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"text", "this is not a model"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"header only", good.substr(0, 64)},
      {"flipped bytes", flipped},
  };
  for (const auto& [name, bytes] : cases) {
    auto m = CanonicalModel::FromBytes(bytes, {});
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << name << ": " << m.status();
  }
  auto missing = CanonicalModel::FromFile("/nonexistent/model.pt", {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
}

TEST(CanonicalModel, RandomlyCorruptedFilesNeverCrash) {
  // Corrupt debug information is unpickled lazily, so damage can surface long after the load
  // itself (printing the graph, naming an op's source line). Each variant must come back as a
  // status; a variant whose damage only hit tensor data may load and run.
  const std::string good = ReadAll(ModelPath("vgg_like.pt"));
  std::mt19937 rng(20261125);
  int rejected = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    if (trial % 3 == 0) bytes.resize(rng() % bytes.size());
    auto m = CanonicalModel::FromBytes(bytes, {});
    if (!m.ok()) {
      ++rejected;
      EXPECT_TRUE(m.status().code() == absl::StatusCode::kInvalidArgument ||
                  m.status().code() == absl::StatusCode::kUnimplemented)
          << m.status();
      continue;
    }
    (void)(*m)->CheckInputShape({2, 1, 32, 32});
  }
  EXPECT_GT(rejected, 50);
}

TEST(CanonicalModel, LoadsFromBytesLikeFromFile) {
  auto from_bytes = CanonicalModel::FromBytes(ReadAll(ModelPath("resnet_like.pt")), {});
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status();
  auto from_file = LoadModel("resnet_like.pt");
  const torch::Tensor x = torch::rand({2, 3, 32, 32});
  EXPECT_TRUE(torch::equal(*(*from_bytes)->Forward(x), *from_file->Forward(x)));
}

TEST(CanonicalModel, InputShapeCheckNamesBothShapes) {
  auto m = LoadModel("vgg_like.pt");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->CheckInputShape({400, 1, 32, 32}).ok());
  for (std::vector<int64_t> bad : {std::vector<int64_t>{4, 3, 32, 32}, {4, 1, 28, 28}}) {
    absl::Status s = m->CheckInputShape(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(absl::StrCat("[", bad[1], ", ", bad[2], ", ", bad[3], "]")),
              std::string::npos)
        << s;
    // The cause (a channel or size mismatch), not the TorchScript interpreter's preamble.
    EXPECT_EQ(s.message().find("The following operation failed"), std::string::npos) << s;
  }
  EXPECT_EQ(m->CheckInputShape({1, 32, 32}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CanonicalModel, RejectsForwardWithOtherSignatures) {
  auto two_inputs = testing::DefineModule(
      "def forward(self, x, y):\n  return x + y\n", {});
  EXPECT_EQ(CanonicalModel::FromModule(two_inputs, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto tuple_out = testing::DefineModule(
      "def forward(self, x):\n  return (x, x)\n", {});
  EXPECT_EQ(CanonicalModel::FromModule(tuple_out, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CanonicalModel, DataDependentControlFlowIsUnimplemented) {
  auto m = testing::DefineModule(
      "def forward(self, x):\n"
      "  if bool(x.sum() > 0):\n"
      "    y = torch.relu(x)\n"
      "  else:\n"
      "    y = x\n"
      "  return y.flatten(1)\n",
      {});
  auto c = CanonicalModel::FromModule(m, {});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnimplemented) << c.status();
}

}  // namespace
}  // namespace infip::model
