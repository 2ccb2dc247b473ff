// The connection every remote command shares: the flags that choose the server and shape the
// output (--server, --timeout, --json, --progress), how it is reached and who asks (TLS with
// --tls-ca, a client certificate with --tls-cert/--tls-key, a bearer token with --token-file;
// docs/security.md), a channel that accepts the server's largest replies, per-call deadlines
// and credentials, and the translation of a failed call into a status that names the server
// (remote_status.h).
//
//   auto flags = std::make_shared<RemoteFlags>();
//   AddRemoteFlags(*app, *flags);
//   ...
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Remote> remote, Remote::Connect(*flags));
//   std::unique_ptr<grpc::ClientContext> context = remote->NewContext();
//   v1::ServerInfo info;
//   INFIP_RETURN_IF_ERROR(
//       remote->Check(remote->stub().GetServerInfo(context.get(), {}, &info), *context));
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

  // TLS: on when --tls or any of the TLS flags is given. The server's certificate must chain
  // to --tls-ca (default: the system's CAs) and name the host of --server (or
  // --tls-server-name).
  bool tls = false;
  std::string tls_ca;           // PEM of the CA(s) that signed the server's certificate
  std::string tls_cert;         // this client's certificate chain (PEM), for mutual TLS
  std::string tls_key;          // its private key (PEM)
  std::string tls_server_name;  // the name the server's certificate must hold
  std::string token_file;       // holds the bearer token itself, on one line
};

// Registers --server, --timeout, --json, --progress, the TLS flags and --token-file (each with
// its INFIP_* variable) on `command`; `flags` must outlive parsing.
void AddRemoteFlags(CLI::App& command, RemoteFlags& flags);

class Remote {
 public:
  // Makes the channel; connecting happens on the first call, so an absent server (or a TLS
  // handshake that fails) surfaces there (UNAVAILABLE, exit code 4). INVALID_ARGUMENT for an
  // empty --server or an empty token file; the errno status naming a TLS or token file that
  // cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Remote>> Connect(const RemoteFlags& flags);
  Remote(const Remote&) = delete;
  Remote& operator=(const Remote&) = delete;

  [[nodiscard]] v1::Fingerprinting::Stub& stub() { return *stub_; }

  // A context for one call, its deadline --timeout seconds from now, carrying the bearer
  // token when there is one. A context serves one call only (gRPC's rule).
  [[nodiscard]] std::unique_ptr<grpc::ClientContext> NewContext() const;

  // OK, or the failure as the person at the command line should read it; `context` is the
  // call's, whose trailing metadata says whether the server's access policy refused it.
  [[nodiscard]] absl::Status Check(const grpc::Status& status,
                                   const grpc::ClientContext& context) const;

  // Whether progress goes to stderr: it is a terminal, or --progress was given.
  [[nodiscard]] bool show_progress() const { return show_progress_; }
  [[nodiscard]] bool json() const { return json_; }

 private:
  Remote(std::unique_ptr<v1::Fingerprinting::Stub> stub, CallSite site, bool show_progress,
         bool json, std::string token)
      : stub_(std::move(stub)),
        site_(std::move(site)),
        show_progress_(show_progress),
        json_(json),
        token_(std::move(token)) {}

  std::unique_ptr<v1::Fingerprinting::Stub> stub_;
  CallSite site_;
  bool show_progress_;
  bool json_;
  std::string token_;  // empty: none
};

}  // namespace infip::cli
