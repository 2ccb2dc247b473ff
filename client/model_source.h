// Where the model a remote command works on comes from: a local file the client uploads
// (--model), or a remote handle the server fetches itself (--handle, optionally pinned with
// --sha256). Exactly one of the two (one_of.h).
//
//   ModelSourceOptions options = AddModelSourceFlags(*app, flags->source);
//   RequireExactlyOne(*app, {{options.model, options.handle}});
//   ...
//   INFIP_ASSIGN_OR_RETURN(ModelUpload model, OpenModelSource(flags->source));
//   *header.mutable_model() = model.source;
//   if (model.file) SendModelChunks<v1::VerifyRequest>(*stream, *model.file, sent);
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/upload.h"
#include "infip/io/file_util.h"
#include "infip/v1/infip.pb.h"

namespace infip::cli {

struct ModelSourceFlags {
  std::string model;   // a local TorchScript file
  std::string handle;  // file://, https:// URI the server fetches
  std::string sha256;  // optional pin of the handle's bytes
};

struct ModelSourceOptions {
  CLI::Option* model = nullptr;
  CLI::Option* handle = nullptr;
};

// Registers --model, --handle and --sha256 (which needs --handle and 64 hex digits).
ModelSourceOptions AddModelSourceFlags(CLI::App& command, ModelSourceFlags& flags,
                                       const std::string& role);

struct ModelUpload {
  infip::v1::ModelSource source;        // upload_bytes or handle, and a name for the model
  std::unique_ptr<io::InputFile> file;  // the file to send; null for a handle
};

// Opens --model (its size goes in the header; NOT_FOUND naming a missing file) or describes
// --handle.
[[nodiscard]] absl::StatusOr<ModelUpload> OpenModelSource(const ModelSourceFlags& flags);

// Sends the model file as `Request`s with model_chunk set (RegisterModel, Verify, Screen) on
// `stream`; as SendFile.
template <typename Request, typename Stream>
[[nodiscard]] absl::StatusOr<bool> SendModelChunks(Stream& stream, io::InputFile& file,
                                                   const SentFn& sent) {
  Request chunk;
  return SendFile(
      file,
      [&](std::string_view bytes) {
        chunk.set_model_chunk(bytes.data(), bytes.size());
        return stream.Write(chunk);
      },
      sent);
}

}  // namespace infip::cli
