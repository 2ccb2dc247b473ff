// infip screen: a suspect model against every compatible registration (1:N), ranked by ASSIM;
// registrations whose key shape the model does not accept are listed as skipped, with why.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/call_progress.h"
#include "client/commands.h"
#include "client/json_writer.h"
#include "client/model_source.h"
#include "client/one_of.h"
#include "client/remote.h"
#include "client/remote_output.h"
#include "client/streaming_call.h"
#include "client/upload.h"
#include "infip/common/status_macros.h"

namespace infip::cli {
namespace {

struct ScreenFlags {
  RemoteFlags remote;
  ModelSourceFlags source;
  std::string owner;
};

std::string ScreenJson(const v1::ScreenResult& result) {
  std::vector<std::string> verdicts, skipped;
  for (const v1::Verdict& v : result.verdicts()) verdicts.push_back(VerdictJson(v));
  for (const v1::ScreenSkip& s : result.skipped()) {
    skipped.push_back(JsonObject()
                          .Add("registration_id", s.registration_id())
                          .Add("input_shape", std::vector<int64_t>{s.input_shape().channels(),
                                                                   s.input_shape().height(),
                                                                   s.input_shape().width()})
                          .Add("reason", s.reason())
                          .ToString());
  }
  return JsonObject()
      .Add("candidates", static_cast<int64_t>(result.candidates()))
      .AddRaw("verdicts", JsonArray(verdicts))
      .AddRaw("skipped", JsonArray(skipped))
      .ToString();
}

void PrintScreen(const v1::ScreenResult& result) {
  std::cout << absl::StrFormat("%d candidates: %d compared, %d skipped\n", result.candidates(),
                               result.verdicts_size(), result.skipped_size());
  if (result.verdicts_size() > 0) {
    std::cout << absl::StrFormat("%-4s  %-20s  %-7s  %-16s  %-6s  %-11s  %s\n", "rank",
                                 "registration", "ASSIM", "interval", "T", "decision", "verdict");
    int rank = 0;
    for (const v1::Verdict& v : result.verdicts()) {
      std::cout << absl::StrFormat("%-4d  %-20s  %.4f   %.4f .. %.4f  %.4f  %-11s  %s\n", ++rank,
                                   v.registration_id(), v.assim(), v.ci_low(), v.ci_high(),
                                   v.threshold(), v.pirated() ? "PIRATED" : "NOT PIRATED",
                                   v.verdict_id());
    }
  }
  if (result.skipped_size() > 0) {
    std::cout << "skipped\n";
    for (const v1::ScreenSkip& s : result.skipped()) {
      std::cout << absl::StrFormat("      %-20s  %-9s  %s\n", s.registration_id(),
                                   ShapeText(s.input_shape()), s.reason());
    }
  }
  std::cout << std::flush;
}

absl::Status RunScreen(const ScreenFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(ModelUpload model, OpenModelSource(flags.source));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));

  v1::ScreenRequest header;
  *header.mutable_header()->mutable_model() = model.source;
  header.mutable_header()->set_owner(flags.owner);

  CallProgress progress(remote->show_progress());
  auto context = remote->NewContext();
  auto stream = remote->stub().Screen(context.get());
  std::optional<v1::ScreenResult> result;
  const absl::Status status = RunStreamingCall<v1::ScreenRequest, v1::ScreenEvent>(
      *remote, *context, *stream,
      [&]() -> absl::StatusOr<bool> {
        if (!stream->Write(header)) return false;
        if (!model.file) return true;
        const int64_t total = model.file->size();
        return SendModelChunks<v1::ScreenRequest>(*stream, *model.file,
                                                  [&](int64_t n) { progress.Uploaded(n, total); });
      },
      [&](const v1::ScreenEvent& event) {
        if (event.has_progress()) progress.Server(event.progress());
        if (event.has_result()) result = event.result();
      });
  progress.Finish();
  INFIP_RETURN_IF_ERROR(status);
  if (!result) return absl::InternalError("the server ended the screening without a result");
  if (remote->json()) {
    std::cout << ScreenJson(*result) << std::endl;
  } else {
    PrintScreen(*result);
  }
  return absl::OkStatus();
}

}  // namespace

Command AddScreenCommand(CLI::App& root) {
  auto flags = std::make_shared<ScreenFlags>();
  CLI::App* app = root.add_subcommand(
      "screen",
      "Screen a suspect model against every registration whose key shape it accepts (of one "
      "owner with --owner): verdicts ranked by ASSIM, and the registrations skipped, with why");
  ModelSourceOptions source = AddModelSourceFlags(*app, flags->source, "suspect model");
  app->add_option("--owner", flags->owner, "only this owner's registrations");
  AddRemoteFlags(*app, flags->remote);
  RequireExactlyOne(*app, {{source.model, source.handle}});
  return {app, [flags] { return RunScreen(*flags); }, {}};
}

}  // namespace infip::cli
