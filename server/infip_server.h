// InfipServer: infip-server assembled from its ServerConfig — the data directory, the SQLite
// store, the signing key, the device, the Auditor, the remote-handle Fetcher, the work queue,
// the metrics endpoint and the gRPC server with health checking and reflection — and its
// orderly end. main.cc adds flags and signals; tests start one in-process.
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<InfipServer> server, InfipServer::Start(config));
//   // ... serving on server->port() ...
//   server->Shutdown(absl::Seconds(30));
//
// Shutdown, in order: health NOT_SERVING; the work queue closed (requests still waiting for a
// worker get UNAVAILABLE, so that clients retry elsewhere at once); gRPC stops accepting calls
// and gives running ones until the grace period ends, then cancels them (the Auditor stops at
// its next check and stores nothing); then everything is released.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/audit/auditor.h"
#include "infip/fetch/fetcher.h"
#include "infip/store/store.h"
#include "infip/verdict/signer.h"
#include "server/auth/access_control.h"
#include "server/auth/transport.h"
#include "server/config.h"
#include "server/device.h"
#include "server/health_monitor.h"
#include "server/metrics.h"
#include "server/sandbox_setup.h"
#include "server/service.h"
#include "server/work_queue.h"

namespace infip::server {

class InfipServer {
 public:
  // Errors name what could not be set up: the data directory (its errno status), the store,
  // the signing key, the device (FAILED_PRECONDITION), the Auditor's options, the fetch
  // policy (INVALID_ARGUMENT), the metrics or gRPC address (UNAVAILABLE).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<InfipServer>> Start(
      const ServerConfig& config);
  ~InfipServer();
  InfipServer(const InfipServer&) = delete;
  InfipServer& operator=(const InfipServer&) = delete;

  // The gRPC port bound (the kernel's choice when the address asked for port 0).
  [[nodiscard]] int port() const { return port_; }
  // The /metrics port, or 0 without metrics.
  [[nodiscard]] int metrics_port() const;
  [[nodiscard]] const DeviceChoice& device() const { return device_; }
  [[nodiscard]] const WorkQueue& queue() const { return *queue_; }
  [[nodiscard]] HealthMonitor& health() { return *health_; }
  [[nodiscard]] ServerMetrics* metrics() { return metrics_.get(); }

  // Drains and stops (see above); returns when every call has ended. Idempotent.
  void Shutdown(absl::Duration grace);

  // Re-reads the access file and the client CAs (SIGHUP). On failure the previous grants stay
  // in force and the status says why (it is logged too).
  absl::Status ReloadAccess();

 private:
  InfipServer() = default;

  // Declared in the order they are built; destroyed in reverse, the gRPC server first.
  ServerConfig config_;
  std::unique_ptr<auth::AccessControl> access_;
  auth::ServerTransport transport_;
  DeviceChoice device_;
  std::unique_ptr<store::RegistrationStore> store_;
  std::unique_ptr<verdict::Signer> signer_;
  Sandbox sandbox_;
  std::unique_ptr<audit::Auditor> auditor_;
  std::unique_ptr<fetch::Fetcher> fetcher_;
  std::unique_ptr<WorkQueue> queue_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<FingerprintingService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HealthMonitor> health_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Creates the data directory and its temp folder (mode 0700) when absent. FAILED_PRECONDITION
// when a path exists but is not a directory; the errno status naming the path otherwise.
[[nodiscard]] absl::Status PrepareDataDir(const ServerConfig& config);

}  // namespace infip::server
