// Helpers for the store tests: small registrations and verdicts built directly from tensors
// (no model), a scratch directory per test, a raw SQLite connection to look behind the store's
// back, and a field-by-field comparison of registrations.
#pragma once

#include <gtest/gtest.h>

#include "scratch_dir.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <torch/script.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "infip/fingerprint/file_format.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"
#include "infip/io/sha256.h"
#include "infip/store/make_registration.h"
#include "infip/store/registration.h"
#include "infip/store/stored_verdict.h"

namespace infip::store::testing {

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

// A key set of n random inputs in [0, 1) of shape C x H x W.
inline io::KeySet MakeKeys(const InputShape& shape, int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  io::KeySet keys;
  keys.inputs = torch::rand({n, shape.channels, shape.height, shape.width});
  keys.box_low.assign(static_cast<size_t>(shape.channels), 0.0);
  keys.box_high.assign(static_cast<size_t>(shape.channels), 1.0);
  keys.preprocessing = absl::StrCat("resize=", shape.height, "x", shape.width,
                                    " color=", shape.channels == 1 ? "gray" : "rgb");
  keys.sha256 = io::KeySetSha256(keys.inputs);
  for (int64_t i = 0; i < n; ++i) keys.names.push_back(absl::StrCat("npy:", i));
  return keys;
}

// A fingerprint set on `keys`: random uint8 images with metadata that matches the keys.
inline fingerprint::FingerprintSet MakeSet(const io::KeySet& keys, uint64_t seed,
                                           bool with_preview = true) {
  torch::manual_seed(seed);
  const int64_t n = keys.inputs.size(0);
  fingerprint::FingerprintSet set;
  fingerprint::FingerprintMetadata& m = set.metadata;
  m.composite = "dtd";
  m.composite_rules = "input=zB conv=z+ linear=z+";
  m.lambda = 5000.000000000001;
  m.lambda_scaling = fingerprint::LambdaScaling::kResolution;
  m.key_set_sha256 = keys.sha256;
  m.model_sha256 = std::string(64, 'a');
  m.input_shape = {keys.inputs.size(1), keys.inputs.size(2), keys.inputs.size(3)};
  m.preprocessing = keys.preprocessing;
  m.box_low = keys.box_low;
  m.box_high = keys.box_high;
  m.engine_version = "infip-engine/0.1.0";
  m.created_utc = "2024-06-07T12:34:56Z";
  for (int64_t i = 0; i < n; ++i) m.predicted.push_back(i % 10);
  const auto u8 = torch::TensorOptions().dtype(torch::kUInt8);
  set.images = torch::randint(0, 256, {n, keys.inputs.size(2), keys.inputs.size(3)}, u8);
  if (with_preview) set.key_preview = torch::randint(0, 256, keys.inputs.sizes(), u8);
  return set;
}

// What MakeTestRegistration varies, set by chaining: Spec().Owner("bob").Seed(2).
struct RegistrationSpec {
  std::string owner = "alice";
  std::string model_name = "lenet";
  InputShape shape = {1, 8, 8};
  int64_t keys = 4;
  absl::Time created = absl::FromUnixSeconds(1717000000);
  uint64_t seed = 1;
  std::string id;  // empty: a fresh random id

  RegistrationSpec& Owner(std::string v) {
    owner = std::move(v);
    return *this;
  }
  RegistrationSpec& ModelName(std::string v) {
    model_name = std::move(v);
    return *this;
  }
  RegistrationSpec& Shape(InputShape v) {
    shape = v;
    return *this;
  }
  RegistrationSpec& Keys(int64_t v) {
    keys = v;
    return *this;
  }
  RegistrationSpec& Created(absl::Time v) {
    created = v;
    return *this;
  }
  RegistrationSpec& Seed(uint64_t v) {
    seed = v;
    return *this;
  }
  RegistrationSpec& Id(std::string v) {
    id = std::move(v);
    return *this;
  }
};

inline RegistrationSpec Spec() { return RegistrationSpec(); }

inline NewRegistration Info(std::string owner, std::string id = "") {
  NewRegistration info;
  info.owner = std::move(owner);
  info.threshold = 0.6;
  info.id = std::move(id);
  return info;
}

// A List request without designated initialisers (GCC 12 warns about the fields they omit).
inline ListFilter Filter(int page_size, std::optional<std::string> owner = std::nullopt,
                         std::optional<InputShape> shape = std::nullopt,
                         std::string page_token = "") {
  ListFilter filter;
  filter.page_size = page_size;
  filter.owner = std::move(owner);
  filter.input_shape = shape;
  filter.page_token = std::move(page_token);
  return filter;
}

// A complete, valid, signed-looking registration.
inline Registration MakeTestRegistration(const RegistrationSpec& spec = Spec()) {
  const io::KeySet keys = MakeKeys(spec.shape, spec.keys, spec.seed);
  NewRegistration info = Info(spec.owner, spec.id);
  info.model_name = spec.model_name;
  info.created = spec.created;
  absl::StatusOr<Registration> r = MakeRegistration(info, keys, MakeSet(keys, spec.seed + 1000));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return Registration{};
  // Not valid UTF-8 on purpose: the receipt is opaque bytes.
  r->receipt = absl::StrCat("{\"payloadType\":\"receipt\",\"id\":\"", r->id, "\"}",
                            std::string("\xff\0end", 5));
  return *std::move(r);
}

// A verdict on `r` as an Auditor would make it: S' on r's keys with r's settings, per-key
// values from a seeded generator, the decision following from their mean.
inline StoredVerdict MakeTestVerdict(const Registration& r, uint64_t seed) {
  absl::StatusOr<io::KeySet> keys = StoredKeys(r);
  EXPECT_TRUE(keys.ok()) << keys.status();
  StoredVerdict v;
  v.id = NewVerdictId();
  v.registration_id = r.id;
  v.created = absl::FromUnixMicros(1717000000123456);
  v.suspect_name = "suspect.pt";
  v.suspect_sha256 = std::string(64, 'b');
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ssim(-1.0, 1.0);
  double sum = 0;
  for (int64_t i = 0; i < r.key_count; ++i) {
    v.per_key_ssim.push_back(ssim(rng));
    sum += v.per_key_ssim.back();
  }
  v.key_count = r.key_count;
  v.assim = sum / static_cast<double>(r.key_count);
  v.ci_low = std::max(-1.0, v.assim - 0.1);
  v.ci_high = std::min(1.0, v.assim + 0.1);
  v.confidence = 0.95;
  v.threshold = r.threshold;
  v.pirated = v.assim >= v.threshold;
  v.composite = r.composite;
  v.lambda = r.lambda;
  v.lambda_scaling = r.lambda_scaling;
  v.engine_version = "infip-engine/0.1.0";
  v.envelope = absl::StrCat("{\"payload\":\"", v.id, "\"}");
  absl::StatusOr<std::string> bytes =
      fingerprint::SerializeFingerprintSet(MakeSet(*keys, seed, /*with_preview=*/false));
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  v.suspect_fingerprints = *bytes;
  v.suspect_fingerprints_sha256 = io::Sha256Hex(v.suspect_fingerprints);
  return v;
}

inline void ExpectSameSummary(const RegistrationSummary& want, const RegistrationSummary& got) {
  EXPECT_EQ(want.id, got.id);
  EXPECT_EQ(want.owner, got.owner);
  EXPECT_EQ(want.principal, got.principal);
  EXPECT_EQ(want.model_name, got.model_name);
  EXPECT_EQ(want.created, got.created);
  EXPECT_EQ(want.threshold, got.threshold);
  EXPECT_EQ(want.composite, got.composite);
  EXPECT_EQ(want.lambda, got.lambda);
  EXPECT_EQ(want.lambda_scaling, got.lambda_scaling);
  EXPECT_EQ(want.input_shape, got.input_shape);
  EXPECT_EQ(want.key_count, got.key_count);
  EXPECT_EQ(want.key_set_sha256, got.key_set_sha256);
  EXPECT_EQ(want.fingerprints_sha256, got.fingerprints_sha256);
}

inline void ExpectSameRegistration(const Registration& want, const Registration& got) {
  ExpectSameSummary(Summarize(want), Summarize(got));
  // Blobs byte for byte (EXPECT_TRUE: no megabytes of diff on failure).
  EXPECT_TRUE(want.key_set.npy == got.key_set.npy) << "key set .npy bytes differ";
  EXPECT_TRUE(want.fingerprints == got.fingerprints) << ".infip bytes differ";
  EXPECT_EQ(want.receipt, got.receipt);
  EXPECT_EQ(want.key_set.box_low, got.key_set.box_low);
  EXPECT_EQ(want.key_set.box_high, got.key_set.box_high);
  EXPECT_EQ(want.key_set.preprocessing, got.key_set.preprocessing);
  EXPECT_EQ(want.key_set.sha256, got.key_set.sha256);
}

// A plain connection to a store's file, for looking at (and tampering with) what the store
// wrote. Test failures on any SQLite error.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error != nullptr ? error : "?");
    }
    sqlite3_free(error);
  }

  // The first column of the first row, as text ("" when there is no row).
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) out = reinterpret_cast<const char*>(text);
    } else if (rc != SQLITE_DONE) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return out;
  }

  int64_t QueryInt(const std::string& sql) {
    const std::string text = QueryText(sql);
    return text.empty() ? 0 : std::stoll(text);
  }

  // Rows in every table of the store, summed.
  int64_t RowsInAllTables() {
    return QueryInt("SELECT count(*) FROM registrations") +
           QueryInt("SELECT count(*) FROM key_sets") +
           QueryInt("SELECT count(*) FROM fingerprint_sets") +
           QueryInt("SELECT count(*) FROM verdicts");
  }

  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace infip::store::testing
