// Registration: what the server keeps for one registered model — the owner's key set K, the
// fingerprint set S extracted on it, the threshold T and the signed receipt — and the light
// summary of it that listings return.
//
// The two blobs are kept exactly as given: the key set as the .npy bytes of the preprocessed
// float32 N x C x H x W batch (io/npy.h), S as the .infip bytes (fingerprint/file_format.h).
// Everything else in a Registration is either chosen by the caller (owner, model name, T,
// receipt) or copied from the blobs so that a store can filter and answer without parsing
// them (shape, key count, composite, lambda, hashes). MakeRegistration
// (store/make_registration.h) fills the copies; ValidateRegistration (store/validate.h)
// refuses a record whose copies disagree with its blobs.
//
//   NewRegistration info;
//   info.owner = "alice";
//   info.threshold = 0.6;
//   INFIP_ASSIGN_OR_RETURN(Registration r, MakeRegistration(info, keys, set));
//   r.receipt = signer.SignReceipt(r.key_set.sha256, r.fingerprints_sha256, r.created);
//   INFIP_RETURN_IF_ERROR(store.Put(r));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "infip/fingerprint/image.h"

namespace infip::store {

// The input shape of one key, C x H x W: two registrations are screened against the same
// suspect only when their shapes are equal.
struct InputShape {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;

  friend bool operator==(const InputShape&, const InputShape&) = default;
};

// The private key set K as stored.
struct StoredKeySet {
  std::string npy;              // .npy bytes of the N x C x H x W float32 batch
  std::vector<double> box_low;  // per channel, in the model's input space
  std::vector<double> box_high;
  std::string preprocessing;  // io::Preprocessing::Describe()
  std::string sha256;         // io::KeySetSha256 of the batch (not of the .npy bytes)
};

struct Registration {
  // Assigned by the server: "reg_" + 16 lowercase hex digits (NewRegistrationId). Stores
  // accept 1 to 64 characters from [A-Za-z0-9_-].
  std::string id;
  // The tenant the registration belongs to: an authenticated principal's name (the server
  // never takes it from a request unless the caller is an admin).
  std::string owner;
  // Who registered it: the owner, or an admin acting for them. Registrations stored before
  // schema version 3 have their owner here (docs/store.md).
  std::string principal;
  std::string model_name;
  absl::Time created;      // stores keep microseconds; MakeRegistration truncates to them
  double threshold = 0.0;  // T: ASSIM >= T means "copy"

  StoredKeySet key_set;
  std::string fingerprints;         // .infip bytes of S, stored verbatim
  std::string fingerprints_sha256;  // hex, of `fingerprints`

  // Copied from S's metadata.
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling lambda_scaling = fingerprint::LambdaScaling::kResolution;
  InputShape input_shape;
  int64_t key_count = 0;  // N, in both K and S

  // Produced and signed by the server over the two hashes; opaque to the store.
  std::string receipt;
};

// A registration without its blobs and receipt: what List and ListCompatible return.
struct RegistrationSummary {
  std::string id;
  std::string owner;
  std::string principal;
  std::string model_name;
  absl::Time created;
  double threshold = 0.0;
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling lambda_scaling = fingerprint::LambdaScaling::kResolution;
  InputShape input_shape;
  int64_t key_count = 0;
  std::string key_set_sha256;
  std::string fingerprints_sha256;
};

[[nodiscard]] RegistrationSummary Summarize(const Registration& registration);

// A List request. Results come oldest first (by created time, then id), so a page token stays
// valid while new registrations arrive.
struct ListFilter {
  std::optional<std::string> owner;
  std::optional<InputShape> input_shape;
  int page_size = 0;       // 0: kDefaultPageSize; above kMaxPageSize: kMaxPageSize
  std::string page_token;  // empty for the first page, else a previous next_page_token
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct ListPage {
  std::vector<RegistrationSummary> registrations;
  std::string next_page_token;  // empty on the last page
};

}  // namespace infip::store
