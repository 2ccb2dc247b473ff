// From core types to a Registration and back: the server builds the record from the loaded key
// set and the extracted (or uploaded) fingerprint set, signs a receipt over the two hashes it
// filled in, and stores it; at verification time it turns the stored blobs back into an
// io::KeySet to extract S' on and a FingerprintSet to compare S' with.
//
//   NewRegistration info;
//   info.owner = "alice";
//   info.threshold = 0.6;
//   INFIP_ASSIGN_OR_RETURN(Registration r, MakeRegistration(info, keys, set));
//   r.receipt = ...;  // signed over r.key_set.sha256 and r.fingerprints_sha256
//   INFIP_RETURN_IF_ERROR(store.Put(r));
//   ...
//   INFIP_ASSIGN_OR_RETURN(io::KeySet k, StoredKeys(r));
//   INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet s, StoredFingerprints(r));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "infip/fingerprint/fingerprint_set.h"
#include "infip/io/key_set.h"
#include "infip/store/registration.h"

namespace infip::store {

// "reg_" followed by 16 lowercase hex digits from the operating system's random source.
[[nodiscard]] std::string NewRegistrationId();

// What the registering caller decides; MakeRegistration derives everything else.
struct NewRegistration {
  std::string owner;
  std::string principal;  // who registers; empty: the owner
  std::string model_name;
  double threshold = 0.0;
  absl::Time created = absl::Now();  // truncated to microseconds
  std::string id;                    // empty: NewRegistrationId()
};

// Fills every field but the receipt and validates the result (store/validate.h) apart from
// the receipt. `fingerprints` is .infip bytes kept verbatim, so the hash in the receipt is the
// hash of the file the owner holds.
[[nodiscard]] absl::StatusOr<Registration> MakeRegistration(const NewRegistration& info,
                                                            const io::KeySet& keys,
                                                            std::string fingerprints);
// The same for a set in memory: serialises it (fingerprint/file_format.h) first.
[[nodiscard]] absl::StatusOr<Registration> MakeRegistration(const NewRegistration& info,
                                                            const io::KeySet& keys,
                                                            const fingerprint::FingerprintSet& set);

// The stored key set as the batch LoadKeySet would have produced (names "npy:<i>").
// INVALID_ARGUMENT when the blob does not parse.
[[nodiscard]] absl::StatusOr<io::KeySet> StoredKeys(const Registration& registration);

// The stored fingerprint set, parsed. INVALID_ARGUMENT when the blob does not parse.
[[nodiscard]] absl::StatusOr<fingerprint::FingerprintSet> StoredFingerprints(
    const Registration& registration);

}  // namespace infip::store
