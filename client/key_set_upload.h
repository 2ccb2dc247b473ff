// The key set K as a remote command sends it: loaded and preprocessed here, with the same
// flags as `infip extract` (key_flags.h), and encoded as the protocol's .npy bytes and box
// (audit/key_upload.h). The server sees exactly the batch the model is fed, never the raw
// images.
//
//   INFIP_ASSIGN_OR_RETURN(KeySetForUpload keys, LoadKeySetForUpload(flags->keys));
//   *header.mutable_key_set() = keys.info;
//   SendKeySetChunks<v1::RegisterModelRequest>(*stream, keys, sent);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/key_flags.h"
#include "client/upload.h"
#include "infip/audit/key_upload.h"
#include "infip/v1/infip.pb.h"

namespace infip::cli {

struct KeySetForUpload {
  audit::KeySetUpload upload;  // the .npy bytes, the box, the preprocessing
  infip::v1::KeySetInfo info;  // the header's description of them; npy_bytes exact
  std::vector<int64_t> shape;  // N, C, H, W
  std::string sha256;          // io::KeySetSha256 of the batch
};

// NOT_FOUND / INVALID_ARGUMENT from the key set's loader, naming the path.
[[nodiscard]] absl::StatusOr<KeySetForUpload> LoadKeySetForUpload(const KeyFlags& flags);

// Sends the .npy bytes as `Request`s with key_set_chunk set (RegisterModel,
// RegisterFingerprints) on `stream`; as SendBytes.
template <typename Request, typename Stream>
[[nodiscard]] bool SendKeySetChunks(Stream& stream, const KeySetForUpload& keys,
                                    const SentFn& sent) {
  Request chunk;
  return SendBytes(
      keys.upload.npy,
      [&](std::string_view bytes) {
        chunk.set_key_set_chunk(bytes.data(), bytes.size());
        return stream.Write(chunk);
      },
      sent);
}

}  // namespace infip::cli
