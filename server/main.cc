// infip-server: the infip gRPC service. Flags and INFIP_* variables: server/config.h and
// docs/server.md. Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when the server
// could not start (or a second signal cut the drain short), 2 for a bad command line. SIGHUP
// re-reads the access file.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/infip_server.h"
#include "server/logging.h"
#include "server/reload_signal.h"
#include "server/shutdown_signals.h"
#include "spdlog/spdlog.h"

namespace {

constexpr int kExitStartFailed = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  using namespace infip::server;
  // Before anything starts a thread: every thread inherits the blocked mask, and only the
  // watchers' sigtimedwait() see SIGHUP, SIGTERM and SIGINT. SIGHUP first, so that the
  // shutdown watcher's thread is born with it blocked.
  absl::StatusOr<std::unique_ptr<ReloadSignal>> reload = ReloadSignal::Install();
  if (!reload.ok()) {
    std::cerr << "infip-server: " << reload.status().message() << std::endl;
    return kExitStartFailed;
  }
  absl::StatusOr<std::unique_ptr<ShutdownSignals>> signals = ShutdownSignals::Install();
  if (!signals.ok()) {
    std::cerr << "infip-server: " << signals.status().message() << std::endl;
    return kExitStartFailed;
  }

  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<ParsedArgs> parsed = ParseServerArgs(args, ProcessEnvironment());
  if (!parsed.ok()) {
    std::cerr << "infip-server: error: " << parsed.status().message() << std::endl;
    return kExitUsage;
  }
  if (parsed->exit_now) {
    std::cout << parsed->text;
    return 0;
  }
  const ServerConfig& config = parsed->config;
  ConfigureLogging(config.log_level, config.log_format);

  absl::StatusOr<std::unique_ptr<InfipServer>> server;
  try {
    server = InfipServer::Start(config);
  } catch (const std::exception& e) {
    // The library reports failures as statuses; anything thrown is a bug of infip's own.
    server = absl::InternalError(e.what());
  }
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return kExitStartFailed;
  }

  InfipServer* running = server->get();
  (*reload)->SetHandler([running] { (void)running->ReloadAccess(); });
  const int signo = (*signals)->Wait();
  spdlog::info("{}: shutting down", strsignal(signo));
  (*reload)->SetHandler(nullptr);
  (*server)->Shutdown(config.grace_period);
  server->reset();
  return 0;
}
