#include "client/model_source.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "infip/common/status_macros.h"

namespace infip::cli {
namespace {

CLI::Validator Sha256Hex() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const bool hex = value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
                           return absl::ascii_isxdigit(static_cast<unsigned char>(c));
                         });
        return hex ? "" : "expected 64 hex digits (a SHA-256), not '" + value + "'";
      },
      "HEX64");
}

}  // namespace

ModelSourceOptions AddModelSourceFlags(CLI::App& command, ModelSourceFlags& flags,
                                       const std::string& role) {
  ModelSourceOptions options;
  options.model = command.add_option(
      "--model", flags.model, "the " + role + ": a TorchScript file, uploaded to the server");
  options.handle = command.add_option(
      "--handle", flags.handle,
      "the " + role +
          " as a URI the server fetches itself (file:// under its allowed roots, "
          "https:// from allowed hosts)");
  command
      .add_option("--sha256", flags.sha256,
                  "with --handle: the SHA-256 the fetched bytes must have")
      ->check(Sha256Hex())
      ->needs(options.handle);
  return options;
}

absl::StatusOr<ModelUpload> OpenModelSource(const ModelSourceFlags& flags) {
  ModelUpload upload;
  if (!flags.handle.empty()) {
    infip::v1::RemoteHandle* handle = upload.source.mutable_handle();
    handle->set_uri(flags.handle);
    handle->set_sha256(absl::AsciiStrToLower(flags.sha256));
    return upload;
  }
  INFIP_ASSIGN_OR_RETURN(upload.file, io::InputFile::Open(flags.model));
  upload.source.set_upload_bytes(upload.file->size());
  // Verdicts name the suspect; its file name is what the person who sent it knows it by.
  upload.source.set_name(std::filesystem::path(flags.model).filename().string());
  return upload;
}

}  // namespace infip::cli
