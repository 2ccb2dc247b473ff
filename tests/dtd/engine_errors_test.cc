#include <gtest/gtest.h>

#include "infip/dtd/engine.h"
#include "test_models.h"

namespace infip::dtd {
namespace {

std::unique_ptr<RelevanceEngine> VggEngine() {
  auto model = testing::LoadModel("vgg_like.pt");
  auto engine = RelevanceEngine::Create(model, *Composite::ByName("dtd"));
  EXPECT_TRUE(engine.ok());
  return std::move(*engine);
}

TEST(EngineErrors, BadBatchesAreInvalidArgument) {
  auto engine = VggEngine();
  const std::vector<std::pair<std::string, torch::Tensor>> cases = {
      {"empty", torch::zeros({0, 1, 32, 32})},
      {"3-D", torch::zeros({1, 32, 32})},
      {"integer", torch::zeros({2, 1, 32, 32}, torch::kInt64)},
      {"undefined", torch::Tensor()},
  };
  for (const auto& [name, batch] : cases) {
    EXPECT_EQ(engine->Explain(batch, {}, {}).status().code(), absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST(EngineErrors, WrongInputShapeNamesTheFailure) {
  auto engine = VggEngine();
  auto e = engine->Explain(torch::rand({2, 3, 32, 32}), {}, {});
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << e.status();
  EXPECT_NE(e.status().message().find("forward"), std::string::npos) << e.status();
  // The cause, not the interpreter's preamble: the conv's channel mismatch.
  EXPECT_NE(e.status().message().find("channels"), std::string::npos) << e.status();
}

TEST(EngineErrors, BoxMustFitTheChannels) {
  auto engine = VggEngine();
  EXPECT_EQ(engine->Explain(torch::rand({2, 1, 32, 32}), InputBox{{0, 0}, {1, 1}}, {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->Explain(torch::rand({2, 1, 32, 32}), InputBox{{1}, {0}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EngineErrors, UnknownCompositeNamesTheKnownOnes) {
  auto c = Composite::ByName("lrp-magic");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("epsilon-plus-flat"), std::string::npos);
}

}  // namespace
}  // namespace infip::dtd
