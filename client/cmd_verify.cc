// infip verify: is this model a copy of registration R? The server extracts the suspect's
// fingerprints on R's keys, compares them with R's and returns a signed verdict.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "client/call_progress.h"
#include "client/commands.h"
#include "client/exit_codes.h"
#include "client/model_source.h"
#include "client/one_of.h"
#include "client/remote.h"
#include "client/remote_output.h"
#include "client/streaming_call.h"
#include "client/upload.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::cli {
namespace {

struct VerifyFlags {
  RemoteFlags remote;
  std::string registration;
  ModelSourceFlags source;
  std::string out;
  bool fail_on_pirated = false;
  // Set by a run whose verdict is PIRATED.
  bool pirated = false;
};

absl::Status RunVerify(VerifyFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(ModelUpload model, OpenModelSource(flags.source));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));

  v1::VerifyRequest header;
  header.mutable_header()->set_registration_id(flags.registration);
  *header.mutable_header()->mutable_model() = model.source;

  CallProgress progress(remote->show_progress());
  auto context = remote->NewContext();
  auto stream = remote->stub().Verify(context.get());
  std::optional<v1::Verdict> verdict;
  const absl::Status status = RunStreamingCall<v1::VerifyRequest, v1::VerifyEvent>(
      *remote, *context, *stream,
      [&]() -> absl::StatusOr<bool> {
        if (!stream->Write(header)) return false;
        if (!model.file) return true;
        const int64_t total = model.file->size();
        return SendModelChunks<v1::VerifyRequest>(*stream, *model.file,
                                                  [&](int64_t n) { progress.Uploaded(n, total); });
      },
      [&](const v1::VerifyEvent& event) {
        if (event.has_progress()) progress.Server(event.progress());
        if (event.has_verdict()) verdict = event.verdict();
      });
  progress.Finish();
  INFIP_RETURN_IF_ERROR(status);
  if (!verdict) return absl::InternalError("the server ended the verification without a verdict");

  if (!flags.out.empty())
    INFIP_RETURN_IF_ERROR(io::WriteFileAtomically(flags.out, verdict->envelope()));
  flags.pirated = verdict->pirated();
  if (remote->json()) {
    std::cout << VerdictJson(*verdict) << std::endl;
    return absl::OkStatus();
  }
  PrintVerdict(std::cout, *verdict);
  if (!flags.out.empty()) std::cout << absl::StrFormat("envelope      -> %s\n", flags.out);
  std::cout << std::flush;
  return absl::OkStatus();
}

}  // namespace

Command AddVerifyCommand(CLI::App& root) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* app = root.add_subcommand(
      "verify",
      "Verify a suspect model against one registration: the server extracts its fingerprints "
      "on the registration's keys and returns a signed verdict (ASSIM, interval, decision). "
      "Exit code 0 whatever the decision, unless --fail-on-pirated");
  app->add_option("--registration", flags->registration, "the registration id (reg_...)")
      ->required();
  ModelSourceOptions source = AddModelSourceFlags(*app, flags->source, "suspect model");
  app->add_option("--out", flags->out,
                  "write the signed verdict (a DSSE envelope; `infip verdict verify` checks it) "
                  "to this file");
  app->add_flag("--fail-on-pirated", flags->fail_on_pirated,
                "exit with code 5 when the verdict is PIRATED");
  AddRemoteFlags(*app, flags->remote);
  RequireExactlyOne(*app, {{source.model, source.handle}});
  return {app, [flags] { return RunVerify(*flags); },
          [flags] { return flags->fail_on_pirated && flags->pirated ? kExitPirated : kExitOk; }};
}

}  // namespace infip::cli
