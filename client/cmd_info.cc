// infip info: what the server runs (release, engine, device, defaults, limits) and the public
// key that signs its verdicts and receipts.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/call_progress.h"
#include "client/commands.h"
#include "client/json_writer.h"
#include "client/remote.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::cli {
namespace {

struct InfoFlags {
  RemoteFlags remote;
  std::string public_key_out;
};

absl::Status RunInfo(const InfoFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  v1::ServerInfo info;
  auto context = remote->NewContext();
  INFIP_RETURN_IF_ERROR(remote->Check(
      remote->stub().GetServerInfo(context.get(), v1::GetServerInfoRequest(), &info), *context));
  if (!flags.public_key_out.empty()) {
    INFIP_RETURN_IF_ERROR(io::WriteFileAtomically(flags.public_key_out, info.public_key_pem()));
  }
  const std::vector<std::string> composites(info.composites().begin(), info.composites().end());
  if (remote->json()) {
    std::vector<std::string> quoted;
    for (const std::string& c : composites) quoted.push_back(JsonQuote(c));
    std::cout << JsonObject()
                     .Add("version", info.version())
                     .Add("engine_version", info.engine_version())
                     .Add("device", info.device())
                     .AddRaw("composites", JsonArray(quoted))
                     .Add("default_composite", info.default_composite())
                     .Add("default_lambda", info.default_lambda())
                     .Add("default_threshold", info.default_threshold())
                     .Add("public_key_pem", info.public_key_pem())
                     .Add("key_id", info.key_id())
                     .Add("max_upload_bytes", static_cast<int64_t>(info.max_upload_bytes()))
                     .Add("max_message_bytes", static_cast<int64_t>(info.max_message_bytes()))
                     .Add("registrations", static_cast<int64_t>(info.registrations()))
                     .Add("store", info.store())
                     .ToString()
              << std::endl;
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("server        %s  (%s)\n", info.version(), info.engine_version())
            << absl::StrFormat("device        %s\n", info.device())
            << absl::StrFormat("composites    %s  (default %s)\n", absl::StrJoin(composites, ", "),
                               info.default_composite())
            << absl::StrFormat("defaults      lambda %g, threshold %.4f\n", info.default_lambda(),
                               info.default_threshold())
            << absl::StrFormat("limits        upload %s, message %s\n",
                               HumanBytes(info.max_upload_bytes()),
                               HumanBytes(info.max_message_bytes()))
            << absl::StrFormat("store         %s, %d registrations\n", info.store(),
                               info.registrations())
            << absl::StrFormat("signing key   %s\n", info.key_id());
  if (!flags.public_key_out.empty()) {
    std::cout << absl::StrFormat("public key    -> %s\n", flags.public_key_out);
  }
  std::cout << std::flush;
  return absl::OkStatus();
}

}  // namespace

Command AddInfoCommand(CLI::App& root) {
  auto flags = std::make_shared<InfoFlags>();
  CLI::App* app = root.add_subcommand(
      "info", "Show what the server runs, its defaults and limits, and its signing key");
  app->add_option("--public-key-out", flags->public_key_out,
                  "write the server's public key (PEM; `infip verdict verify --public-key` takes "
                  "it) to this file");
  AddRemoteFlags(*app, flags->remote);
  return {app, [flags] { return RunInfo(*flags); }, {}};
}

}  // namespace infip::cli
