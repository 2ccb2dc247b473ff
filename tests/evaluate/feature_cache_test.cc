// The feature cache on real test models: what it stores, when it hits, and what invalidates it.
#include "tools/evaluate/feature_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "infip/io/key_set.h"
#include "scratch_dir.h"
#include "test_models.h"

namespace infip::evaluate {
namespace {

using infip::testing::ModelPath;
using infip::testing::ScratchDir;

io::KeySet RandomKeys(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  io::KeySet keys;
  keys.inputs = torch::rand({n, 1, 32, 32});
  keys.box_low = {0.0};
  keys.box_high = {1.0};
  keys.sha256 = io::KeySetSha256(keys.inputs);
  return keys;
}

int CountFiles(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class FeatureCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<FeatureCache> Make(const io::KeySet* keys) {
    auto cache = FeatureCache::Create(dir_.Path("cache"), keys, "cpu");
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? std::move(*cache) : nullptr;
  }

  ScratchDir dir_;
  io::KeySet keys_ = RandomKeys(6, 1);
};

TEST_F(FeatureCacheTest, SecondRequestReadsWhatTheFirstExtracted) {
  auto cache = Make(&keys_);
  auto first = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->intrinsic.sizes(), (std::vector<int64_t>{6, 32, 32}));
  EXPECT_EQ(first->intrinsic.scalar_type(), torch::kFloat32);
  EXPECT_GE(first->intrinsic.min().item<float>(), 0.0f);  // Inf is clamped at 0
  EXPECT_EQ(CountFiles(cache->dir()), 2);                 // features and predictions

  auto second = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->from_cache);
  EXPECT_TRUE(torch::equal(first->intrinsic, second->intrinsic));
  EXPECT_TRUE(torch::equal(first->predicted, second->predicted));
  EXPECT_EQ(cache->hits(), 1);
  EXPECT_EQ(cache->misses(), 1);
}

TEST_F(FeatureCacheTest, PredictionsAreTheModelsOwnClasses) {
  auto cache = Make(&keys_);
  auto f = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(f.ok()) << f.status();
  auto model = infip::testing::LoadModel("vgg_like.pt");
  ASSERT_NE(model, nullptr);
  auto logits = model->Forward(keys_.inputs);
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_TRUE(torch::equal(f->predicted, logits->argmax(1).to(torch::kInt64)));
  // And the same after a round trip through the cache's float32 file.
  auto again = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(torch::equal(again->predicted, logits->argmax(1).to(torch::kInt64)));
}

TEST_F(FeatureCacheTest, FreshExtractionBypassesTheCacheAndAgreesWithIt) {
  auto cache = Make(&keys_);
  auto cached = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(cached.ok()) << cached.status();
  auto fresh = cache->ExtractFresh(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_FALSE(fresh->from_cache);
  EXPECT_TRUE(torch::equal(cached->intrinsic, fresh->intrinsic));
  EXPECT_EQ(cache->hits() + cache->misses(), 1);  // ExtractFresh does not count
  EXPECT_EQ(CountFiles(cache->dir()), 2);         // nor write
}

TEST_F(FeatureCacheTest, ModelCompositeAndKeysEachGetTheirOwnEntry) {
  auto cache = Make(&keys_);
  auto base = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(base.ok()) << base.status();
  auto other_model = cache->Get(ModelPath("vgg_like_other.pt"), "dtd");
  ASSERT_TRUE(other_model.ok()) << other_model.status();
  EXPECT_FALSE(other_model->from_cache);
  EXPECT_FALSE(torch::equal(base->intrinsic, other_model->intrinsic));
  auto other_rule = cache->Get(ModelPath("vgg_like.pt"), "epsilon-plus-flat");
  ASSERT_TRUE(other_rule.ok()) << other_rule.status();
  EXPECT_FALSE(other_rule->from_cache);
  EXPECT_EQ(cache->misses(), 3);

  // The same directory with keys that differ in one pixel: a miss, not stale features.
  io::KeySet changed = keys_;
  changed.inputs = keys_.inputs.clone();
  changed.inputs[0][0][0][0] = 1.0f - changed.inputs[0][0][0][0].item<float>();
  changed.sha256 = io::KeySetSha256(changed.inputs);
  auto cache2 = Make(&changed);
  auto f = cache2->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_FALSE(f->from_cache);
  EXPECT_EQ(CountFiles(cache->dir()), 8);
}

TEST_F(FeatureCacheTest, ACorruptEntryIsExtractedAgain) {
  auto cache = Make(&keys_);
  auto first = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(first.ok()) << first.status();
  for (const auto& entry : std::filesystem::directory_iterator(cache->dir())) {
    const std::string name = entry.path().filename().string();
    if (name.find("predicted") == std::string::npos) {
      std::filesystem::resize_file(entry.path(), 100);  // a truncated .npy
    }
  }
  auto again = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->from_cache);
  EXPECT_TRUE(torch::equal(first->intrinsic, again->intrinsic));
  auto third = cache->Get(ModelPath("vgg_like.pt"), "dtd");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->from_cache);  // rewritten whole
}

TEST_F(FeatureCacheTest, ErrorsNameTheirCause) {
  auto cache = Make(&keys_);
  auto missing = cache->Get(dir_.Path("no-such-model.pt"), "dtd");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_NE(missing.status().message().find("no-such-model.pt"), std::string::npos);

  auto unsupported = cache->Get(ModelPath("unsupported_op.pt"), "dtd");
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.status().code(), absl::StatusCode::kUnimplemented) << unsupported.status();
  EXPECT_NE(unsupported.status().message().find("unsupported_op.pt"), std::string::npos);

  auto composite = cache->Get(ModelPath("vgg_like.pt"), "no-such-rule");
  ASSERT_FALSE(composite.ok());
  EXPECT_EQ(composite.status().code(), absl::StatusCode::kNotFound) << composite.status();

  // A model that expects three channels does not accept one-channel keys.
  auto shape = cache->Get(ModelPath("resnet_like.pt"), "dtd");
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.status().code(), absl::StatusCode::kInvalidArgument) << shape.status();

  auto device = FeatureCache::Create(dir_.Path("cache"), &keys_, "tpu:3");
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument) << device.status();
  EXPECT_FALSE(FeatureCache::Create(dir_.Path("cache"), nullptr, "cpu").ok());
}

}  // namespace
}  // namespace infip::evaluate
