// infip show: one registration, with its signed receipt.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/remote.h"
#include "client/remote_output.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"

namespace infip::cli {
namespace {

struct ShowFlags {
  RemoteFlags remote;
  std::string id;
  std::string receipt_out;
};

absl::Status RunShow(const ShowFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  v1::GetRegistrationRequest request;
  request.set_id(flags.id);
  v1::Registration registration;
  auto context = remote->NewContext();
  INFIP_RETURN_IF_ERROR(remote->Check(
      remote->stub().GetRegistration(context.get(), request, &registration), *context));
  if (!flags.receipt_out.empty()) {
    INFIP_RETURN_IF_ERROR(io::WriteFileAtomically(flags.receipt_out, registration.receipt()));
  }
  if (remote->json()) {
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

}  // namespace

Command AddShowCommand(CLI::App& root) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* app = root.add_subcommand("show", "Show one registration");
  app->add_option("id", flags->id, "the registration id (reg_...)")->required();
  app->add_option("--receipt-out", flags->receipt_out,
                  "write its signed receipt (a DSSE envelope; `infip verdict verify` checks it) "
                  "to this file");
  AddRemoteFlags(*app, flags->remote);
  return {app, [flags] { return RunShow(*flags); }, {}};
}

}  // namespace infip::cli
