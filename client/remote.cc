#include "client/remote.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/flag_checks.h"

namespace infip::cli {
namespace {

// Replies carry at most a screening's verdicts or one evidence grid of every key; uploads go
// in 1 MiB chunks (upload.h), far under the send limit.
constexpr int kMaxReceiveBytes = 256 << 20;
constexpr int kMaxSendBytes = 8 << 20;
// Certificates, keys and tokens are small; anything larger is the wrong file.
constexpr std::streamsize kMaxCredentialFileBytes = 1 << 20;

absl::StatusOr<std::string> ReadCredentialFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno, absl::StrCat(flag, ": cannot read ", path));
  }
  std::string text(static_cast<size_t>(kMaxCredentialFileBytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxCredentialFileBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is larger than 1 MiB; not a credential file"));
  }
  return text;
}

}  // namespace

void AddRemoteFlags(CLI::App& command, RemoteFlags& flags) {
  command
      .add_option("--server", flags.server,
                  "the infip server, host:port (any gRPC target, e.g. dns:///name:50051)")
      ->envname("INFIP_SERVER")
      ->capture_default_str();
  command
      .add_option("--timeout", flags.timeout,
                  "give up after this many seconds (exit code 4); default: wait as long as the "
                  "server works")
      ->check(PositiveNumber());
  command.add_flag("--json", flags.json, "print one JSON document on stdout instead of text");
  command.add_flag("--progress", flags.progress,
                   "draw progress on stderr even when it is not a terminal");
  command
      .add_flag("--tls", flags.tls,
                "talk TLS, trusting the system's CAs (implied by every --tls-* flag)")
      ->envname("INFIP_TLS");
  command
      .add_option("--tls-ca", flags.tls_ca,
                  "PEM file of the CA(s) that signed the server's certificate (implies --tls)")
      ->envname("INFIP_TLS_CA");
  CLI::Option* cert =
      command
          .add_option("--tls-cert", flags.tls_cert,
                      "this client's certificate chain (PEM), for a server that takes client "
                      "certificates (mutual TLS)")
          ->envname("INFIP_TLS_CERT");
  CLI::Option* key =
      command.add_option("--tls-key", flags.tls_key, "the private key of --tls-cert")
          ->envname("INFIP_TLS_KEY");
  cert->needs(key);
  key->needs(cert);
  command
      .add_option("--tls-server-name", flags.tls_server_name,
                  "the name the server's certificate must hold, when it is not the host of "
                  "--server")
      ->envname("INFIP_TLS_SERVER_NAME");
  command
      .add_option("--token-file", flags.token_file,
                  "a file holding a bearer token (the token itself, one line) granted by the "
                  "server's access file")
      ->envname("INFIP_TOKEN_FILE");
}

absl::StatusOr<std::unique_ptr<Remote>> Remote::Connect(const RemoteFlags& flags) {
  if (flags.server.empty()) {
    return absl::InvalidArgumentError("--server: empty; expected host:port");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  args.SetMaxSendMessageSize(kMaxSendBytes);
  const bool tls = flags.tls || !flags.tls_ca.empty() || !flags.tls_cert.empty() ||
                   !flags.tls_key.empty() || !flags.tls_server_name.empty();
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!flags.tls_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadCredentialFile(flags.tls_ca, "--tls-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
    }
    if (!flags.tls_cert.empty()) {
      absl::StatusOr<std::string> cert = ReadCredentialFile(flags.tls_cert, "--tls-cert");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadCredentialFile(flags.tls_key, "--tls-key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
    if (!flags.tls_server_name.empty()) args.SetSslTargetNameOverride(flags.tls_server_name);
  }
  std::string token;
  if (!flags.token_file.empty()) {
    absl::StatusOr<std::string> text = ReadCredentialFile(flags.token_file, "--token-file");
    if (!text.ok()) return text.status();
    token = std::string(absl::StripAsciiWhitespace(*text));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-file: ", flags.token_file, " holds no token"));
    }
    if (token.find_first_of(" \t\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--token-file: ", flags.token_file, " holds more than one line; it holds the token"));
    }
  }
  // The stub keeps the channel alive.
  auto stub =
      v1::Fingerprinting::NewStub(grpc::CreateCustomChannel(flags.server, credentials, args));
  const bool show_progress = flags.progress || isatty(STDERR_FILENO) == 1;
  return std::unique_ptr<Remote>(new Remote(std::move(stub),
                                            CallSite{flags.server, flags.timeout, tls},
                                            show_progress, flags.json, std::move(token)));
}

std::unique_ptr<grpc::ClientContext> Remote::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (site_.timeout.has_value()) {
    const auto budget = std::chrono::duration<double>(*site_.timeout);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(budget));
  }
  // Metadata rather than call credentials: gRPC sends call credentials over TLS only, and a
  // loopback server with an access file checks tokens in plain text too.
  if (!token_.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  return context;
}

absl::Status Remote::Check(const grpc::Status& status, const grpc::ClientContext& context) const {
  if (status.ok()) return absl::OkStatus();
  return FromGrpcStatus(status, site_, RefusalOf(context));
}

}  // namespace infip::cli
