// The consistency rules every backend applies before it stores a registration, so that no
// backend can hold a record whose summary columns disagree with its blobs.
//
//   INFIP_RETURN_IF_ERROR(ValidateRegistration(registration));  // INVALID_ARGUMENT, naming why
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "infip/store/registration.h"

namespace infip::store {

inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxOwnerLength = 256;
inline constexpr size_t kMaxModelNameLength = 256;

// INVALID_ARGUMENT unless id is 1 to kMaxIdLength characters from [A-Za-z0-9_-]; `what`
// ("registration id", "verdict id") names it in the message.
[[nodiscard]] absl::Status ValidateStoreId(std::string_view id, std::string_view what);
[[nodiscard]] absl::Status ValidateRegistrationId(std::string_view id);

// INVALID_ARGUMENT naming the first rule broken:
//   - id as above; owner and principal non-empty; owner, principal and model name of bounded
//     length; created finite;
//     threshold finite in [-1, 1]; receipt non-empty;
//   - the key set parses as a float32 N x C x H x W .npy array with N >= 1, its sha256 is
//     io::KeySetSha256 of that array, and its box holds C values with low < high;
//   - the fingerprints parse as a valid .infip set, fingerprints_sha256 is their SHA-256;
//   - K and S agree: the same key count N, the same C x H x W, the same key-set hash, and the
//     same box and preprocessing where S records them;
//   - key_count, input_shape, composite, lambda and lambda scaling equal what K and S hold.
[[nodiscard]] absl::Status ValidateRegistration(const Registration& registration);

// All of the above but the receipt: for a record about to be signed.
[[nodiscard]] absl::Status ValidateUnsignedRegistration(const Registration& registration);

// For a registration read back from a database: DATA_LOSS unless both blobs still hash to the
// recorded key_set.sha256 and fingerprints_sha256 (the hashes the receipt signs), so that damage
// on disk is reported instead of compared against.
[[nodiscard]] absl::Status VerifyStoredBlobs(const Registration& registration);

}  // namespace infip::store
