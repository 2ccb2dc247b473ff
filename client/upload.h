// Uploads in the protocol's chunks (proto/infip/v1/infip.proto): at most 1 MiB a message, in
// order, and exactly as many bytes as the header declared — a file that changes size while it
// is read is refused here rather than sent short or long.
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<io::InputFile> model, io::InputFile::Open(path));
//   header.mutable_model()->set_upload_bytes(model->size());
//   ... write the header ...
//   INFIP_ASSIGN_OR_RETURN(bool sent, SendFile(*model, [&](std::string_view chunk) {
//     request.set_model_chunk(chunk.data(), chunk.size());
//     return stream->Write(request);
//   }));
//   // !sent: the server ended the call early; its status says why.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "infip/io/file_util.h"

namespace infip::cli {

// The server takes messages of about 8 MiB; 1 MiB keeps every message far below that.
inline constexpr int64_t kChunkBytes = 1 << 20;

// Sends one chunk (1..kChunkBytes bytes); false when the stream has closed, which ends the
// upload.
using ChunkSink = std::function<bool(std::string_view chunk)>;
// Told the bytes of this upload sent so far, after each chunk; may be empty.
using SentFn = std::function<void(int64_t sent)>;

// Sends `bytes` as ceil(size / kChunkBytes) chunks (none for no bytes). False when the sink
// refused one.
[[nodiscard]] bool SendBytes(std::string_view bytes, const ChunkSink& sink,
                             const SentFn& sent = {});

// Sends the file's bytes from where it stands, exactly file.size() of them (its size when
// opened, which the header declared). FAILED_PRECONDITION naming the file when it has fewer
// or more bytes by now; the read error otherwise. False when the sink refused a chunk.
[[nodiscard]] absl::StatusOr<bool> SendFile(io::InputFile& file, const ChunkSink& sink,
                                            const SentFn& sent = {});

}  // namespace infip::cli
