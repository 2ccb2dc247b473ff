// infip delete: removes a registration (its keys and fingerprints) from the server.
#include <iostream>
#include <memory>
#include <string>

#include "client/commands.h"
#include "client/json_writer.h"
#include "client/remote.h"
#include "infip/common/status_macros.h"

namespace infip::cli {
namespace {

struct DeleteFlags {
  RemoteFlags remote;
  std::string id;
};

absl::Status RunDelete(const DeleteFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  v1::DeleteRegistrationRequest request;
  request.set_id(flags.id);
  v1::DeleteRegistrationResponse response;
  auto context = remote->NewContext();
  INFIP_RETURN_IF_ERROR(remote->Check(
      remote->stub().DeleteRegistration(context.get(), request, &response), *context));
  if (remote->json()) {
    std::cout << JsonObject().Add("deleted", flags.id).ToString() << std::endl;
  } else {
    std::cout << "deleted " << flags.id << std::endl;
  }
  return absl::OkStatus();
}

}  // namespace

Command AddDeleteCommand(CLI::App& root) {
  auto flags = std::make_shared<DeleteFlags>();
  CLI::App* app = root.add_subcommand(
      "delete", "Delete a registration, its keys and fingerprints (exit code 3 for an unknown id)");
  app->add_option("id", flags->id, "the registration id (reg_...)")->required();
  AddRemoteFlags(*app, flags->remote);
  return {app, [flags] { return RunDelete(*flags); }, {}};
}

}  // namespace infip::cli
