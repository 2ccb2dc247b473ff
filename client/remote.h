// The connection every remote command shares: the flags that choose the server and shape the
// output (--server, --timeout, --json, --progress), a channel that accepts the server's
// largest replies, per-call deadlines, and the translation of a failed call into a status
// that names the server (remote_status.h).
//
//   auto flags = std::make_shared<RemoteFlags>();
//   AddRemoteFlags(*app, *flags);
//   ...
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(*flags));
//   std::unique_ptr<grpc::ClientContext> context = remote->NewContext();
//   v1::ServerInfo info;
//   INFIP_RETURN_IF_ERROR(remote->Check(remote->stub().GetServerInfo(context.get(), {}, &info)));
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/remote_status.h"
#include "infip/v1/infip.grpc.pb.h"

namespace infip::cli {

namespace v1 = ::infip::v1;

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

struct RemoteFlags {
  std::string server = kDefaultServer;  // --server, else INFIP_SERVER, else the default
  std::optional<double> timeout;        // seconds for the whole call; unset: no deadline
  bool json = false;                    // one JSON document on stdout instead of text
  bool progress = false;                // progress on stderr even when it is not a terminal
};

// Registers --server, --timeout, --json and --progress on `command`; `flags` must outlive
// parsing.
void AddRemoteFlags(CLI::App& command, RemoteFlags& flags);

class Remote {
 public:
  // Makes the channel; connecting happens on the first call, so an absent server surfaces
  // there (UNAVAILABLE, exit code 4). INVALID_ARGUMENT for an empty --server.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Remote>> Connect(const RemoteFlags& flags);
  Remote(const Remote&) = delete;
  Remote& operator=(const Remote&) = delete;

  [[nodiscard]] v1::Fingerprinting::Stub& stub() { return *stub_; }

  // A context for one call, its deadline --timeout seconds from now. A context serves one
  // call only (gRPC's rule).
  [[nodiscard]] std::unique_ptr<grpc::ClientContext> NewContext() const;

  // OK, or the failure as the person at the command line should read it.
  [[nodiscard]] absl::Status Check(const grpc::Status& status) const {
    return FromGrpcStatus(status, site_);
  }

  // Whether progress goes to stderr: it is a terminal, or --progress was given.
  [[nodiscard]] bool show_progress() const { return show_progress_; }
  [[nodiscard]] bool json() const { return json_; }

 private:
  Remote(std::unique_ptr<v1::Fingerprinting::Stub> stub, CallSite site, bool show_progress,
         bool json)
      : stub_(std::move(stub)),
        site_(std::move(site)),
        show_progress_(show_progress),
        json_(json) {}

  std::unique_ptr<v1::Fingerprinting::Stub> stub_;
  CallSite site_;
  bool show_progress_;
  bool json_;
};

}  // namespace infip::cli
