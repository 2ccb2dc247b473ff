// Helpers of the audit tests: a real Auditor over a real SqliteStore and a real Signer in a
// scratch directory, small key sets, the generated test models, and a progress recorder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "infip/audit/audit_types.h"
#include "infip/audit/auditor.h"
#include "infip/io/key_set.h"
#include "infip/io/sha256.h"
#include "infip/store/sqlite_store.h"
#include "infip/verdict/signer.h"
#include "scratch_dir.h"
#include "test_models.h"

namespace infip::audit::testing {

using ::infip::testing::ModelPath;
using ::infip::testing::ScratchDir;

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// n keys of C x H x W with values in the box [0, 1]: smooth random blobs rather than white
// noise, so that the models see something image-like.
inline io::KeySet MakeKeys(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor coarse = torch::rand({n, c, h / 4 + 1, w / 4 + 1});
  torch::Tensor x = torch::upsample_bilinear2d(coarse, {h, w}, /*align_corners=*/false);
  io::KeySet keys;
  keys.inputs = x.clamp(0.0, 1.0).contiguous();
  keys.box_low.assign(static_cast<size_t>(c), 0.0);
  keys.box_high.assign(static_cast<size_t>(c), 1.0);
  keys.preprocessing = "low=0 high=1";
  keys.sha256 = io::KeySetSha256(keys.inputs);
  for (int64_t i = 0; i < n; ++i) keys.names.push_back(absl::StrCat("npy:", i));
  return keys;
}

inline io::KeySet GrayKeys(uint64_t seed = 1) { return MakeKeys(8, 1, 32, 32, seed); }
inline io::KeySet RgbKeys(uint64_t seed = 2) { return MakeKeys(8, 3, 32, 32, seed); }

// A test model as a suspect, hashed independently of the code under test's own hashing.
inline SuspectModel Suspect(const std::string& file, const std::string& name = "suspect.pt") {
  SuspectModel s;
  s.path = ModelPath(file);
  s.sha256 = io::Sha256Hex(ReadBytes(s.path));
  s.name = name;
  return s;
}

inline RegisterSettings Settings(const std::string& owner = "alice",
                                 const std::string& model_name = "vgg") {
  RegisterSettings s;
  s.owner = owner;
  s.model_name = model_name;
  return s;
}

// Every progress event of one call, in order.
struct ProgressLog {
  std::vector<Progress> events;
  Control control() {
    Control c;
    c.progress = [this](const Progress& p) { events.push_back(p); };
    return c;
  }
  [[nodiscard]] bool Saw(Stage stage) const {
    for (const Progress& p : events) {
      if (p.stage == stage) return true;
    }
    return false;
  }
};

class AuditorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<store::SqliteStore>> store =
        store::SqliteStore::Open(dir_.Path("registrations.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<verdict::Signer>> signer =
        verdict::Signer::LoadOrCreate(dir_.Path("signing.pem"));
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    absl::StatusOr<std::unique_ptr<Auditor>> auditor =
        Auditor::Create(Options(), store_.get(), signer_.get());
    ASSERT_TRUE(auditor.ok()) << auditor.status();
    auditor_ = *std::move(auditor);
  }

  // Small chunks, so that cancellation has chunks to fall between; a short bootstrap.
  static AuditorOptions Options() {
    AuditorOptions options;
    options.chunk_size = 4;
    options.compare.bootstrap_resamples = 200;
    return options;
  }

  store::Registration Register(const std::string& model, const io::KeySet& keys,
                               const RegisterSettings& settings = Settings()) {
    absl::StatusOr<store::Registration> r =
        auditor_->RegisterModel(settings, keys, Suspect(model, model), Control{});
    EXPECT_TRUE(r.ok()) << model << ": " << r.status();
    return r.ok() ? *std::move(r) : store::Registration{};
  }

  int64_t Registrations() { return *store_->Count(); }
  int64_t Verdicts() { return *store_->CountVerdicts(); }

  ScratchDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<verdict::Signer> signer_;
  std::unique_ptr<Auditor> auditor_;
};

}  // namespace infip::audit::testing
