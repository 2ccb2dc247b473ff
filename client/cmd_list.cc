// infip list: the server's registrations (of one owner with --owner), oldest first, every
// page of them.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/flag_checks.h"
#include "client/json_writer.h"
#include "client/remote.h"
#include "client/remote_output.h"
#include "infip/common/status_macros.h"

namespace infip::cli {
namespace {

// A server that hands back the same page token forever would keep the client asking; no
// registry of this many pages is expected at the largest page size.
constexpr int kMaxPages = 100000;

struct ListFlags {
  RemoteFlags remote;
  std::string owner;
  int page_size = 100;
};

absl::StatusOr<std::vector<v1::Registration>> FetchAll(Remote& remote, const ListFlags& flags) {
  std::vector<v1::Registration> all;
  v1::ListRegistrationsRequest request;
  request.set_owner(flags.owner);
  request.set_page_size(flags.page_size);
  for (int page = 0; page < kMaxPages; ++page) {
    auto context = remote.NewContext();
    v1::ListRegistrationsResponse response;
    INFIP_RETURN_IF_ERROR(
        remote.Check(remote.stub().ListRegistrations(context.get(), request, &response), *context));
    for (v1::Registration& r : *response.mutable_registrations()) all.push_back(std::move(r));
    if (response.next_page_token().empty()) return all;
    if (response.next_page_token() == request.page_token()) {
      return absl::InternalError(absl::StrFormat(
          "the server returned page token '%s' again; listing stopped after %d registrations",
          response.next_page_token(), all.size()));
    }
    request.set_page_token(response.next_page_token());
  }
  return absl::InternalError(
      absl::StrFormat("the server kept paging past %d pages; listing stopped", kMaxPages));
}

absl::Status RunList(const ListFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(flags.remote));
  INFIP_ASSIGN_OR_RETURN(std::vector<v1::Registration> registrations, FetchAll(*remote, flags));
  if (remote->json()) {
    std::vector<std::string> items;
    for (const v1::Registration& r : registrations) items.push_back(RegistrationJson(r));
    std::cout << JsonObject().AddRaw("registrations", JsonArray(items)).ToString() << std::endl;
    return absl::OkStatus();
  }
  if (!registrations.empty()) {
    std::cout << absl::StrFormat("%-20s  %-16s  %-24s  %-9s  %5s  %-6s  %s\n", "id", "owner",
                                 "model", "shape", "keys", "T", "created");
  }
  for (const v1::Registration& r : registrations) {
    std::cout << absl::StrFormat("%-20s  %-16s  %-24s  %-9s  %5d  %.4f  %s\n", r.id(), r.owner(),
                                 r.model_name(), ShapeText(r.input_shape()), r.key_count(),
                                 r.threshold(), FormatTimestamp(r.created()));
  }
  std::cout << absl::StrFormat("%d registration%s%s\n", registrations.size(),
                               registrations.size() == 1 ? "" : "s",
                               flags.owner.empty() ? "" : " of owner " + flags.owner)
            << std::flush;
  return absl::OkStatus();
}

}  // namespace

Command AddListCommand(CLI::App& root) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* app = root.add_subcommand(
      "list", "List the server's registrations, oldest first (every page; receipts: see show)");
  app->add_option("--owner", flags->owner, "only this owner's registrations");
  app->add_option("--page-size", flags->page_size,
                  "registrations asked for per request (the server allows at most 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  AddRemoteFlags(*app, flags->remote);
  return {app, [flags] { return RunList(*flags); }, {}};
}

}  // namespace infip::cli
