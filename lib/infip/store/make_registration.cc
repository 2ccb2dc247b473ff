#include "infip/store/make_registration.h"

#include <cstdint>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/file_format.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"
#include "infip/store/validate.h"

namespace infip::store {

std::string NewRegistrationId() {
  // std::random_device reads the kernel's random source on Linux (getrandom / /dev/urandom).
  std::random_device device;
  const uint64_t bits = (static_cast<uint64_t>(device()) << 32) | device();
  return absl::StrFormat("reg_%016x", bits);
}

absl::StatusOr<Registration> MakeRegistration(const NewRegistration& info, const io::KeySet& keys,
                                              std::string fingerprints) {
  if (!keys.inputs.defined() || keys.inputs.dim() != 4) {
    return absl::InvalidArgumentError("key set inputs must be an N x C x H x W tensor");
  }
  Registration r;
  r.id = info.id.empty() ? NewRegistrationId() : info.id;
  r.owner = info.owner;
  r.principal = info.principal.empty() ? info.owner : info.principal;
  r.model_name = info.model_name;
  r.created = absl::FromUnixMicros(absl::ToUnixMicros(info.created));
  r.threshold = info.threshold;

  INFIP_ASSIGN_OR_RETURN(r.key_set.npy, io::SerializeNpy(keys.inputs));
  r.key_set.box_low = keys.box_low;
  r.key_set.box_high = keys.box_high;
  r.key_set.preprocessing = keys.preprocessing;
  r.key_set.sha256 = keys.sha256.empty() ? io::KeySetSha256(keys.inputs) : keys.sha256;
  r.key_count = keys.inputs.size(0);
  r.input_shape = {keys.inputs.size(1), keys.inputs.size(2), keys.inputs.size(3)};

  absl::StatusOr<fingerprint::FingerprintSet> set = fingerprint::ParseFingerprintSet(fingerprints);
  if (!set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("fingerprints: ", set.status().message()));
  }
  r.composite = set->metadata.composite;
  r.lambda = set->metadata.lambda;
  r.lambda_scaling = set->metadata.lambda_scaling;
  r.fingerprints_sha256 = io::Sha256Hex(fingerprints);
  r.fingerprints = std::move(fingerprints);

  INFIP_RETURN_IF_ERROR(ValidateUnsignedRegistration(r));
  return r;
}

absl::StatusOr<Registration> MakeRegistration(const NewRegistration& info, const io::KeySet& keys,
                                              const fingerprint::FingerprintSet& set) {
  INFIP_ASSIGN_OR_RETURN(std::string bytes, fingerprint::SerializeFingerprintSet(set));
  return MakeRegistration(info, keys, std::move(bytes));
}

absl::StatusOr<io::KeySet> StoredKeys(const Registration& registration) {
  absl::StatusOr<torch::Tensor> inputs = io::ParseNpy(registration.key_set.npy);
  if (!inputs.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "registration ", registration.id, ": stored key set: ", inputs.status().message()));
  }
  io::KeySet keys;
  keys.inputs = *std::move(inputs);
  keys.box_low = registration.key_set.box_low;
  keys.box_high = registration.key_set.box_high;
  keys.preprocessing = registration.key_set.preprocessing;
  keys.sha256 = registration.key_set.sha256;
  const int64_t n = keys.inputs.dim() > 0 ? keys.inputs.size(0) : 0;
  keys.names.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) keys.names.push_back(absl::StrCat("npy:", i));
  return keys;
}

absl::StatusOr<fingerprint::FingerprintSet> StoredFingerprints(const Registration& registration) {
  absl::StatusOr<fingerprint::FingerprintSet> set =
      fingerprint::ParseFingerprintSet(registration.fingerprints);
  if (!set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "registration ", registration.id, ": stored fingerprints: ", set.status().message()));
  }
  return set;
}

}  // namespace infip::store
