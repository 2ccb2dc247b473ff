#include "client/remote.h"

#include <unistd.h>

#include <chrono>

#include "client/flag_checks.h"

namespace infip::cli {
namespace {

// Replies carry at most a screening's verdicts or one evidence grid of every key; uploads go
// in 1 MiB chunks (upload.h), far under the send limit.
constexpr int kMaxReceiveBytes = 256 << 20;
constexpr int kMaxSendBytes = 8 << 20;

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
}

absl::StatusOr<std::unique_ptr<Remote>> Remote::Connect(const RemoteFlags& flags) {
  if (flags.server.empty()) {
    return absl::InvalidArgumentError("--server: empty; expected host:port");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  args.SetMaxSendMessageSize(kMaxSendBytes);
  // The stub keeps the channel alive.
  auto stub = v1::Fingerprinting::NewStub(
      grpc::CreateCustomChannel(flags.server, grpc::InsecureChannelCredentials(), args));
  const bool show_progress = flags.progress || isatty(STDERR_FILENO) == 1;
  return std::unique_ptr<Remote>(new Remote(std::move(stub), CallSite{flags.server, flags.timeout},
                                            show_progress, flags.json));
}

std::unique_ptr<grpc::ClientContext> Remote::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (site_.timeout.has_value()) {
    const auto budget = std::chrono::duration<double>(*site_.timeout);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(budget));
  }
  return context;
}

}  // namespace infip::cli
