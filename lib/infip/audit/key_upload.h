// The key set K as a client uploads it (infip.v1.KeySetInfo + the .npy bytes), decoded and
// checked before any work is queued: a float32 N x C x H x W .npy (io/npy.h) of at most
// limits.max_key_set_bytes, 1 <= N <= limits.max_keys, a box of one value or one per channel
// with low < high, and every value finite and inside the box (the zB rule of the first layer
// assumes it; a wrong box is the usual mistake). The decoded box holds one value per channel.
//
//   KeySetUpload upload{std::move(npy_bytes), box_low, box_high, preprocessing};
//   INFIP_ASSIGN_OR_RETURN(io::KeySet keys, DecodeKeySet(upload, options.limits));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/io/key_set.h"

namespace infip::audit {

struct KeySetUpload {
  std::string npy;
  std::vector<double> box_low;
  std::vector<double> box_high;
  std::string preprocessing;
};

// INVALID_ARGUMENT naming what is wrong (not .npy, wrong dtype or rank, a non-finite value or
// one outside the box, a box of the wrong size or with low >= high, too many keys or bytes);
// the key names are "key:<i>".
[[nodiscard]] absl::StatusOr<io::KeySet> DecodeKeySet(const KeySetUpload& upload,
                                                      const Limits& limits);

// The inverse, for clients: the .npy bytes and box of a loaded key set.
[[nodiscard]] absl::StatusOr<KeySetUpload> EncodeKeySet(const io::KeySet& keys);

}  // namespace infip::audit
