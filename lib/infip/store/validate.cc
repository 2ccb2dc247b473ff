#include "infip/store/validate.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/file_format.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"

namespace infip::store {
namespace {

std::string ShapeText(const InputShape& s) {
  return absl::StrCat(s.channels, "x", s.height, "x", s.width);
}

std::string ShapeText(const std::vector<int64_t>& s) { return absl::StrJoin(s, "x"); }

// Every message names the registration, so that a log line alone says which one was refused.
absl::Status Invalid(const Registration& r, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("registration ", r.id.empty() ? std::string("(no id)") : r.id, ": ", why));
}

absl::Status CheckScalars(const Registration& r) {
  if (r.owner.empty()) return Invalid(r, "owner is empty");
  if (r.owner.size() > kMaxOwnerLength) {
    return Invalid(r, absl::StrCat("owner is longer than ", kMaxOwnerLength, " bytes"));
  }
  if (r.principal.empty()) return Invalid(r, "principal is empty");
  if (r.principal.size() > kMaxOwnerLength) {
    return Invalid(r, absl::StrCat("principal is longer than ", kMaxOwnerLength, " bytes"));
  }
  if (r.model_name.size() > kMaxModelNameLength) {
    return Invalid(r, absl::StrCat("model name is longer than ", kMaxModelNameLength, " bytes"));
  }
  if (r.created == absl::InfinitePast() || r.created == absl::InfiniteFuture()) {
    return Invalid(r, "created time is not set");
  }
  if (!std::isfinite(r.threshold) || r.threshold < -1.0 || r.threshold > 1.0) {
    return Invalid(r, absl::StrCat("threshold T must lie in [-1, 1], got ", r.threshold));
  }
  return absl::OkStatus();
}

// K on its own: parses, hashes to key_set.sha256, has a per-channel box.
absl::Status CheckKeySet(const Registration& r, InputShape* shape, int64_t* count) {
  absl::StatusOr<torch::Tensor> parsed = io::ParseNpy(r.key_set.npy);
  if (!parsed.ok()) return Invalid(r, absl::StrCat("key set: ", parsed.status().message()));
  const torch::Tensor& keys = *parsed;
  if (keys.scalar_type() != torch::kFloat || keys.dim() != 4 || keys.size(0) < 1) {
    return Invalid(r,
                   absl::StrCat("key set must be a float32 N x C x H x W array with N >= 1, got ",
                                std::string(c10::toString(keys.scalar_type())), " ",
                                absl::StrJoin(keys.sizes(), "x")));
  }
  *count = keys.size(0);
  *shape = {keys.size(1), keys.size(2), keys.size(3)};
  const std::string sha = io::KeySetSha256(keys);
  if (r.key_set.sha256 != sha) {
    return Invalid(r, absl::StrCat("key set sha256 ", r.key_set.sha256,
                                   " is not the hash of the stored key set (", sha, ")"));
  }
  const StoredKeySet& k = r.key_set;
  if (static_cast<int64_t>(k.box_low.size()) != shape->channels ||
      static_cast<int64_t>(k.box_high.size()) != shape->channels) {
    return Invalid(
        r, absl::StrCat("key set box must hold one low and one high per channel (", shape->channels,
                        "), got ", k.box_low.size(), " and ", k.box_high.size()));
  }
  for (size_t c = 0; c < k.box_low.size(); ++c) {
    if (!(k.box_low[c] < k.box_high[c])) {
      return Invalid(r, absl::StrCat("key set box channel ", c, ": low ", k.box_low[c],
                                     " must be below high ", k.box_high[c]));
    }
  }
  return absl::OkStatus();
}

// S against K, and the copied columns against both.
absl::Status CheckFingerprints(const Registration& r, const InputShape& shape, int64_t count) {
  const std::string sha = io::Sha256Hex(r.fingerprints);
  if (r.fingerprints_sha256 != sha) {
    return Invalid(r, absl::StrCat("fingerprints sha256 ", r.fingerprints_sha256,
                                   " is not the hash of the stored fingerprints (", sha, ")"));
  }
  absl::StatusOr<fingerprint::FingerprintSet> parsed =
      fingerprint::ParseFingerprintSet(r.fingerprints);
  if (!parsed.ok()) return Invalid(r, absl::StrCat("fingerprints: ", parsed.status().message()));
  if (absl::Status valid = fingerprint::Validate(*parsed); !valid.ok()) {
    return Invalid(r, absl::StrCat("fingerprints: ", valid.message()));
  }
  const fingerprint::FingerprintMetadata& m = parsed->metadata;
  if (parsed->size() != count) {
    return Invalid(r, absl::StrCat("the fingerprint set holds ", parsed->size(),
                                   " fingerprints for ", count, " keys"));
  }
  const std::vector<int64_t> key_shape = {shape.channels, shape.height, shape.width};
  if (m.input_shape != key_shape) {
    return Invalid(
        r, absl::StrCat("the fingerprint set was made at input shape ", ShapeText(m.input_shape),
                        ", the keys are ", ShapeText(key_shape)));
  }
  if (m.key_set_sha256 != r.key_set.sha256) {
    return Invalid(r, absl::StrCat("the fingerprint set was made on key set ", m.key_set_sha256,
                                   ", not on the stored one (", r.key_set.sha256, ")"));
  }
  if (!m.box_low.empty() && (m.box_low != r.key_set.box_low || m.box_high != r.key_set.box_high)) {
    return Invalid(r, "the fingerprint set's box differs from the key set's");
  }
  if (!m.preprocessing.empty() && m.preprocessing != r.key_set.preprocessing) {
    return Invalid(r,
                   absl::StrCat("the fingerprint set's preprocessing \"", m.preprocessing,
                                "\" differs from the key set's \"", r.key_set.preprocessing, "\""));
  }
  if (r.key_count != count) {
    return Invalid(
        r, absl::StrCat("key_count ", r.key_count, " differs from the ", count, " keys stored"));
  }
  if (r.input_shape != shape) {
    return Invalid(r, absl::StrCat("input_shape ", ShapeText(r.input_shape),
                                   " differs from the keys' ", ShapeText(shape)));
  }
  if (r.composite != m.composite) {
    return Invalid(r, absl::StrCat("composite \"", r.composite,
                                   "\" differs from the fingerprint set's \"", m.composite, "\""));
  }
  // Exact on purpose: the column is a copy, never a recomputation.
  if (r.lambda != m.lambda) {
    return Invalid(
        r, absl::StrCat("lambda ", r.lambda, " differs from the fingerprint set's ", m.lambda));
  }
  if (r.lambda_scaling != m.lambda_scaling) {
    return Invalid(r, absl::StrCat("lambda scaling ",
                                   std::string(fingerprint::LambdaScalingName(r.lambda_scaling)),
                                   " differs from the fingerprint set's ",
                                   std::string(fingerprint::LambdaScalingName(m.lambda_scaling))));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateStoreId(std::string_view id, std::string_view what) {
  const absl::string_view name(what.data(), what.size());
  if (id.empty() || id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be 1 to ", kMaxIdLength, " characters, got ", id.size()));
  }
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " may hold only A-Z a-z 0-9 _ -, got \"",
                       absl::CEscape(absl::string_view(id.data(), id.size())), "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRegistrationId(std::string_view id) {
  return ValidateStoreId(id, "registration id");
}

absl::Status ValidateRegistration(const Registration& r) {
  INFIP_RETURN_IF_ERROR(ValidateUnsignedRegistration(r));
  if (r.receipt.empty()) return Invalid(r, "receipt is empty");
  return absl::OkStatus();
}

absl::Status ValidateUnsignedRegistration(const Registration& r) {
  INFIP_RETURN_IF_ERROR(ValidateRegistrationId(r.id));
  INFIP_RETURN_IF_ERROR(CheckScalars(r));
  InputShape shape;
  int64_t count = 0;
  INFIP_RETURN_IF_ERROR(CheckKeySet(r, &shape, &count));
  return CheckFingerprints(r, shape, count);
}

absl::Status VerifyStoredBlobs(const Registration& r) {
  if (io::Sha256Hex(r.fingerprints) != r.fingerprints_sha256) {
    return absl::DataLossError(absl::StrCat(
        "registration ", r.id, ": the stored fingerprints no longer match their sha256"));
  }
  absl::StatusOr<torch::Tensor> keys = io::ParseNpy(r.key_set.npy);
  if (!keys.ok() || io::KeySetSha256(*keys) != r.key_set.sha256) {
    return absl::DataLossError(
        absl::StrCat("registration ", r.id, ": the stored key set no longer matches its sha256"));
  }
  return absl::OkStatus();
}

}  // namespace infip::store
