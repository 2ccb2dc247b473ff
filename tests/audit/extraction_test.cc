// The extraction pipeline (audit/extraction.h) and the relevance engine's cancellation hook it
// relies on (dtd::ExplainOptions::cancelled).
#include "infip/audit/extraction.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "audit_test_util.h"
#include "infip/common/version.h"
#include "infip/dtd/engine.h"
#include "infip/fingerprint/image.h"

namespace infip::audit {
namespace {

using testing::GrayKeys;
using testing::ModelPath;
using testing::ReadBytes;

TEST(ExtractionTest, MakesAFingerprintSetWithFullMetadata) {
  const io::KeySet keys = GrayKeys();
  ExtractionSettings settings;
  settings.image.lambda = 1234.5;
  settings.image.scaling = fingerprint::LambdaScaling::kLiteral;
  settings.chunk_size = 3;
  settings.keep_relevance = true;
  absl::StatusOr<Extraction> e =
      ExtractFromFile(ModelPath("vgg_like.pt"), keys, settings, torch::kCPU, Control{});
  ASSERT_TRUE(e.ok()) << e.status();
  const fingerprint::FingerprintMetadata& m = e->set.metadata;
  EXPECT_EQ(m.composite, "dtd");
  EXPECT_FALSE(m.composite_rules.empty());
  EXPECT_EQ(m.lambda, 1234.5);
  EXPECT_EQ(m.lambda_scaling, fingerprint::LambdaScaling::kLiteral);
  EXPECT_EQ(m.key_set_sha256, io::KeySetSha256(keys.inputs));
  EXPECT_EQ(m.model_sha256, io::Sha256Hex(ReadBytes(ModelPath("vgg_like.pt"))));
  EXPECT_EQ(m.input_shape, (std::vector<int64_t>{1, 32, 32}));
  EXPECT_EQ(m.preprocessing, keys.preprocessing);
  EXPECT_EQ(m.box_low, keys.box_low);
  EXPECT_EQ(m.engine_version, kEngineVersion);
  ASSERT_EQ(m.predicted.size(), 8u);
  EXPECT_EQ(e->set.images.sizes(), (std::vector<int64_t>{8, 32, 32}));
  EXPECT_EQ(e->set.key_preview.sizes(), (std::vector<int64_t>{8, 1, 32, 32}));
  EXPECT_EQ(e->explanation.relevance.sizes(), (std::vector<int64_t>{8, 1, 32, 32}));

  // The images are Image(Inf(R), lambda) of the relevance it returns, and the predictions are
  // the model's own argmax.
  const torch::Tensor expected = fingerprint::FingerprintImages(
      fingerprint::IntrinsicFeature(e->explanation.relevance), settings.image);
  EXPECT_TRUE(torch::equal(e->set.images, expected));
  absl::StatusOr<LoadedModel> model =
      LoadModel(ModelPath("vgg_like.pt"), "", torch::kCPU, Control{});
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<torch::Tensor> logits = model->model->Forward(keys.inputs);
  ASSERT_TRUE(logits.ok());
  const torch::Tensor argmax = logits->argmax(1);
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(m.predicted[i], argmax[i].item<int64_t>());
}

TEST(ExtractionTest, TheModelIsLoadedOnceAndExplainedManyTimes) {
  absl::StatusOr<LoadedModel> model =
      LoadModel(ModelPath("vgg_like.pt"), std::string(64, 'a'), torch::kCPU, Control{});
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->sha256, std::string(64, 'a'));  // the caller's hash is kept
  absl::StatusOr<Extraction> a = Extract(*model, GrayKeys(1), {}, Control{});
  absl::StatusOr<Extraction> b = Extract(*model, GrayKeys(1), {}, Control{});
  absl::StatusOr<Extraction> c = Extract(*model, GrayKeys(2), {}, Control{});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(torch::equal(a->set.images, b->set.images));
  EXPECT_FALSE(torch::equal(a->set.images, c->set.images));
}

TEST(ExtractionTest, RefusalsNameTheirCause) {
  absl::StatusOr<LoadedModel> model =
      LoadModel(ModelPath("vgg_like.pt"), "", torch::kCPU, Control{});
  ASSERT_TRUE(model.ok()) << model.status();
  ExtractionSettings unknown;
  unknown.composite = "no-such-rule";
  EXPECT_EQ(Extract(*model, GrayKeys(), unknown, Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExtractionSettings dark;
  dark.image.lambda = -1;
  EXPECT_EQ(Extract(*model, GrayKeys(), dark, Control{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status shape = Extract(*model, testing::RgbKeys(), {}, Control{}).status();
  EXPECT_EQ(shape.code(), absl::StatusCode::kFailedPrecondition) << shape;
  EXPECT_NE(shape.message().find("3, 32, 32"), absl::string_view::npos) << shape;
  EXPECT_EQ(LoadModel(ModelPath("no_such_model.pt"), "", torch::kCPU, Control{}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ExtractionTest, ProgressCountsKeysAndCancellationStopsBetweenChunks) {
  ExtractionSettings settings;
  settings.chunk_size = 3;
  std::vector<int64_t> done;
  Control control;
  control.progress = [&done](const Progress& p) {
    if (p.stage == Stage::kExtracting) done.push_back(p.done);
  };
  ASSERT_TRUE(
      ExtractFromFile(ModelPath("vgg_like.pt"), GrayKeys(), settings, torch::kCPU, control).ok());
  EXPECT_EQ(done, (std::vector<int64_t>{0, 3, 6, 8}));

  // Cancelled once the first chunk is through: no further chunk starts.
  done.clear();
  control.cancelled = [&done] { return done.size() > 1; };
  const absl::Status cancelled =
      ExtractFromFile(ModelPath("vgg_like.pt"), GrayKeys(), settings, torch::kCPU, control)
          .status();
  EXPECT_EQ(cancelled.code(), absl::StatusCode::kCancelled) << cancelled;
  EXPECT_EQ(done, (std::vector<int64_t>{0, 3}));
}

TEST(RelevanceEngineTest, CancelledExplainReturnsCancelledNamingHowFarItGot) {
  std::shared_ptr<model::CanonicalModel> model = ::infip::testing::LoadModel("vgg_like.pt");
  ASSERT_NE(model, nullptr);
  absl::StatusOr<dtd::Composite> composite = dtd::Composite::ByName("dtd");
  ASSERT_TRUE(composite.ok());
  absl::StatusOr<std::unique_ptr<dtd::RelevanceEngine>> engine =
      dtd::RelevanceEngine::Create(model, *composite);
  ASSERT_TRUE(engine.ok()) << engine.status();
  int asked = 0;
  dtd::ExplainOptions options;
  options.chunk_size = 2;
  options.cancelled = [&asked] { return ++asked > 2; };
  const absl::StatusOr<dtd::Explanation> e =
      (*engine)->Explain(GrayKeys().inputs, dtd::InputBox{}, options);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kCancelled) << e.status();
  EXPECT_NE(e.status().message().find("after 4 of 8"), absl::string_view::npos) << e.status();
  EXPECT_EQ(asked, 3);
  // Never cancelled: the same call completes.
  options.cancelled = [] { return false; };
  EXPECT_TRUE((*engine)->Explain(GrayKeys().inputs, dtd::InputBox{}, options).ok());
}

TEST(ParseDeviceTest, KnowsCpuAndRefusesTheRest) {
  absl::StatusOr<torch::Device> cpu = ParseDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  EXPECT_EQ(ParseDevice("gpu please").status().code(), absl::StatusCode::kInvalidArgument);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(ParseDevice("cuda:0").status().code(), absl::StatusCode::kFailedPrecondition);
  } else {
    EXPECT_TRUE(ParseDevice("cuda:0").ok());
  }
}

TEST(ControlTest, CancellationWinsOverAnExpiredDeadline) {
  Control control;
  EXPECT_TRUE(CheckControl(control, "x").ok());
  control.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(CheckControl(control, "x").code(), absl::StatusCode::kDeadlineExceeded);
  control.cancelled = [] { return true; };
  const absl::Status s = CheckControl(control, "loading the model");
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_NE(s.message().find("loading the model"), absl::string_view::npos);
}

}  // namespace
}  // namespace infip::audit
