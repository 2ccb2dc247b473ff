// infip register: registers a model with the server — the model itself (uploaded, or fetched
// by the server from a handle), or only a fingerprint set extracted here with `infip extract`
// so that the model never leaves its owner. Either way the key set is loaded and preprocessed
// here and sent as the batch the model is fed.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "client/call_progress.h"
#include "client/commands.h"
#include "client/flag_checks.h"
#include "client/key_flags.h"
#include "client/key_set_upload.h"
#include "client/model_source.h"
#include "client/one_of.h"
#include "client/remote.h"
#include "client/remote_output.h"
#include "client/streaming_call.h"
#include "client/upload.h"
#include "infip/common/status_macros.h"
#include "infip/dtd/composite.h"
#include "infip/fingerprint/file_format.h"
#include "infip/io/file_util.h"

namespace infip::cli {
namespace {

struct RegisterFlags {
  RemoteFlags remote;
  std::string owner;
  std::string name;
  ModelSourceFlags source;
  std::string fingerprints;  // a pre-extracted .infip instead of a model
  KeyFlags keys;
  std::optional<std::string> composite;
  std::optional<double> lambda;
  std::optional<std::string> lambda_scaling;
  std::optional<double> threshold;
  std::string receipt_out;
};

// A set extracted on other keys (or other preprocessing) cannot be registered with these; say
// so before uploading anything, with what the set records.
absl::Status CheckSetMatchesKeys(const std::string& path, const KeySetForUpload& keys) {
  INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet set,
                         fingerprint::ReadFingerprintSetFile(path));
  if (set.metadata.key_set_sha256 != keys.sha256) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s was extracted on another key set (sha256 %s, preprocessing '%s'); these keys "
        "(%d of them, preprocessing '%s') hash to %s: give --keys and the preprocessing flags "
        "that `infip extract` was given",
        path, set.metadata.key_set_sha256, set.metadata.preprocessing, keys.shape[0],
        keys.info.preprocessing(), keys.sha256));
  }
  return absl::OkStatus();
}

absl::Status Report(const Remote& remote, const RegisterFlags& flags,
                    const v1::Registration& registration) {
  if (!flags.receipt_out.empty()) {
    INFIP_RETURN_IF_ERROR(io::WriteFileAtomically(flags.receipt_out, registration.receipt()));
  }
  if (remote.json()) {
    std::cout << RegistrationJson(registration) << std::endl;
    return absl::OkStatus();
  }
  PrintRegistration(std::cout, registration);
  if (!flags.receipt_out.empty()) {
    std::cout << absl::StrFormat("receipt       -> %s\n", flags.receipt_out);
  }
  std::cout << std::flush;
  return absl::OkStatus();
}

absl::Status RegisterFingerprints(Remote& remote, const RegisterFlags& flags,
                                  const KeySetForUpload& keys) {
  INFIP_RETURN_IF_ERROR(CheckSetMatchesKeys(flags.fingerprints, keys));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<io::InputFile> set,
                         io::InputFile::Open(flags.fingerprints));

  v1::RegisterFingerprintsRequest header;
  v1::RegisterFingerprintsHeader* h = header.mutable_header();
  h->set_owner(flags.owner);
  h->set_model_name(flags.name);
  *h->mutable_key_set() = keys.info;
  h->set_fingerprints_bytes(set->size());
  if (flags.threshold) h->set_threshold(*flags.threshold);

  const int64_t total = keys.info.npy_bytes() + set->size();
  CallProgress progress(remote.show_progress());
  auto context = remote.NewContext();
  v1::Registration registration;
  auto stream = remote.stub().RegisterFingerprints(context.get(), &registration);

  // A client stream with one reply: no events to read while writing.
  const absl::StatusOr<bool> sent = [&]() -> absl::StatusOr<bool> {
    if (!stream->Write(header)) return false;
    const auto keys_sent = [&](int64_t n) { progress.Uploaded(n, total); };
    if (!SendKeySetChunks<v1::RegisterFingerprintsRequest>(*stream, keys, keys_sent)) {
      return false;
    }
    v1::RegisterFingerprintsRequest chunk;
    return SendFile(
        *set,
        [&](std::string_view bytes) {
          chunk.set_fingerprints_chunk(bytes.data(), bytes.size());
          return stream->Write(chunk);
        },
        [&](int64_t n) { progress.Uploaded(keys.info.npy_bytes() + n, total); });
  }();
  if (!sent.ok()) {
    context->TryCancel();
    (void)stream->Finish();
    progress.Finish();
    return sent.status();
  }
  if (*sent) stream->WritesDone();
  const absl::Status status = remote.Check(stream->Finish(), *context);
  progress.Finish();
  INFIP_RETURN_IF_ERROR(status);
  return Report(remote, flags, registration);
}

absl::Status RegisterModel(Remote& remote, const RegisterFlags& flags,
                           const KeySetForUpload& keys) {
  INFIP_ASSIGN_OR_RETURN(ModelUpload model, OpenModelSource(flags.source));
  v1::RegisterModelRequest header;
  v1::RegisterModelHeader* h = header.mutable_header();
  h->set_owner(flags.owner);
  h->set_model_name(flags.name);
  *h->mutable_key_set() = keys.info;
  *h->mutable_model() = model.source;
  if (flags.composite) h->set_composite(*flags.composite);
  if (flags.lambda) h->set_lambda(*flags.lambda);
  if (flags.lambda_scaling) {
    h->set_lambda_scaling(*flags.lambda_scaling == "literal" ? v1::LAMBDA_SCALING_LITERAL
                                                             : v1::LAMBDA_SCALING_RESOLUTION);
  }
  if (flags.threshold) h->set_threshold(*flags.threshold);

  const int64_t model_bytes = model.file ? model.file->size() : 0;
  const int64_t total = keys.info.npy_bytes() + model_bytes;
  CallProgress progress(remote.show_progress());
  auto context = remote.NewContext();
  auto stream = remote.stub().RegisterModel(context.get());
  std::optional<v1::Registration> registration;

  const absl::Status status = RunStreamingCall<v1::RegisterModelRequest, v1::RegisterModelEvent>(
      remote, *context, *stream,
      [&]() -> absl::StatusOr<bool> {
        if (!stream->Write(header)) return false;
        const bool keys_sent = SendKeySetChunks<v1::RegisterModelRequest>(
            *stream, keys, [&](int64_t n) { progress.Uploaded(n, total); });
        if (!keys_sent || !model.file) return keys_sent;
        return SendModelChunks<v1::RegisterModelRequest>(*stream, *model.file, [&](int64_t n) {
          progress.Uploaded(keys.info.npy_bytes() + n, total);
        });
      },
      [&](const v1::RegisterModelEvent& event) {
        if (event.has_progress()) progress.Server(event.progress());
        if (event.has_registration()) registration = event.registration();
      });
  progress.Finish();
  INFIP_RETURN_IF_ERROR(status);
  if (!registration) {
    return absl::InternalError("the server ended the registration without a registration");
  }
  return Report(remote, flags, *registration);
}

absl::Status RunRegister(const RegisterFlags& flags) {
  // Keys first: a bad key set fails here, before anything is sent.
  INFIP_ASSIGN_OR_RETURN(KeySetForUpload keys, LoadKeySetForUpload(flags.keys));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  if (!flags.fingerprints.empty()) return RegisterFingerprints(*remote, flags, keys);
  return RegisterModel(*remote, flags, keys);
}

}  // namespace

Command AddRegisterCommand(CLI::App& root) {
  auto flags = std::make_shared<RegisterFlags>();
  CLI::App* app = root.add_subcommand(
      "register",
      "Register a model with the server: it extracts the fingerprints on the key set and keeps "
      "the keys and fingerprints (never the model), with a signed receipt. With --fingerprints, "
      "register a set made by `infip extract` instead: the model never leaves this machine");
  app->add_option("--owner", flags->owner,
                  "whose registration it is (default: the caller, as the server authenticates "
                  "it; naming another owner takes the admin role)");
  app->add_option("--name", flags->name, "the model's name in the registry (1..256 characters)")
      ->required();
  ModelSourceOptions source = AddModelSourceFlags(*app, flags->source, "model to register");
  CLI::Option* fingerprints =
      app->add_option("--fingerprints", flags->fingerprints,
                      "a .infip file from `infip extract`, made on exactly the keys given here");
  AddKeySetFlags(*app, flags->keys);
  CLI::Option* composite = app->add_option("--composite", flags->composite,
                                           "relevance rule composite (default: the server's, dtd)")
                               ->check(CLI::IsMember(dtd::Composite::Names()));
  CLI::Option* lambda =
      app->add_option("--lambda", flags->lambda, "fingerprint brightness lambda (default 5000)")
          ->check(PositiveNumber());
  CLI::Option* scaling =
      app->add_option("--lambda-scaling", flags->lambda_scaling,
                      "resolution (default): lambda is scaled by H*W/224^2; literal: used as is")
          ->check(CLI::IsMember({"resolution", "literal"}));
  // A pre-extracted set carries its own composite and lambda.
  for (CLI::Option* option : {composite, lambda, scaling}) option->excludes(fingerprints);
  app->add_option("--threshold", flags->threshold,
                  "ASSIM at or above which a suspect is declared a copy (default 0.85)")
      ->check(NumberBetween(-1.0, 1.0));
  app->add_option("--receipt-out", flags->receipt_out,
                  "write the signed receipt (a DSSE envelope) to this file");
  AddRemoteFlags(*app, flags->remote);
  RequireExactlyOne(*app, {{source.model, source.handle, fingerprints}});
  return {app, [flags] { return RunRegister(*flags); }, {}};
}

}  // namespace infip::cli
