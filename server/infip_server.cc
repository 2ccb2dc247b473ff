#include "server/infip_server.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/version.h"
#include "infip/store/sqlite_store.h"
#include "server/absl_view.h"
#include "server/auth/transport.h"
#include "server/server_info.h"
#include "server/version.h"
#include "spdlog/spdlog.h"

namespace infip::server {
namespace {

constexpr char kServiceName[] = "infip.v1.Fingerprinting";

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return absl::OkStatus();
  const int err = errno;
  if (err != EEXIST) return absl::ErrnoToStatus(err, absl::StrCat("cannot create ", path));
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists but is not a directory"));
  }
  return absl::OkStatus();
}

audit::AuditorOptions MakeAuditorOptions(const ServerConfig& c, const DeviceChoice& device) {
  audit::AuditorOptions o;
  o.device = device.name;
  o.default_composite = c.default_composite;
  o.default_lambda = c.default_lambda;
  o.default_lambda_scaling = c.default_lambda_scaling;
  o.default_threshold = c.default_threshold;
  o.chunk_size = c.batch_size;
  o.limits.max_keys = c.max_keys;
  o.limits.max_key_set_bytes = c.max_key_set_bytes;
  o.limits.max_fingerprint_bytes = c.max_fingerprint_bytes;
  return o;
}

fetch::FetchPolicy MakeFetchPolicy(const ServerConfig& c) {
  fetch::FetchPolicy p;
  p.allowed_roots = c.allowed_roots;
  p.allowed_hosts = c.allowed_hosts;
  p.max_bytes = c.max_upload_bytes;
  p.timeout = c.fetch_timeout;
  p.temp_dir = c.TempDir();
  p.allow_plain_http = c.allow_plain_http;
  p.ca_bundle = c.ca_bundle;
  return p;
}

absl::Status WithContext(const absl::Status& status, std::string_view what) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(Absl(what), ": ", status.message()));
}

}  // namespace

absl::Status PrepareDataDir(const ServerConfig& config) {
  std::error_code ec;
  if (!std::filesystem::exists(config.data_dir, ec)) {
    // Parents as well, with the usual mode; the data directory itself is private.
    const std::filesystem::path parent = std::filesystem::path(config.data_dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  INFIP_RETURN_IF_ERROR(MakeDir(config.data_dir));
  return MakeDir(config.TempDir());
}

absl::StatusOr<std::unique_ptr<InfipServer>> InfipServer::Start(const ServerConfig& config) {
  std::unique_ptr<InfipServer> s(new InfipServer());
  s->config_ = config;
  // Who may call, and over what, before anything is opened: a server that would listen in
  // plain text on the network, or whose credentials do not read, does not start.
  INFIP_RETURN_IF_ERROR(auth::CheckTransport(config.auth, config.listen));
  {
    auto access = auth::AccessControl::Create(
        {.access_file = config.auth.access_file, .client_ca_file = config.auth.tls_client_ca});
    INFIP_RETURN_IF_ERROR(WithContext(access.status(), "access"));
    s->access_ = std::move(*access);
    auto transport = auth::MakeServerTransport(config.auth);
    INFIP_RETURN_IF_ERROR(WithContext(transport.status(), "TLS"));
    s->transport_ = std::move(*transport);
  }
  INFIP_RETURN_IF_ERROR(WithContext(PrepareDataDir(config), "data directory"));
  INFIP_ASSIGN_OR_RETURN(s->device_, ChooseDevice(config.device));
  {
    auto opened = store::SqliteStore::Open(config.DatabasePath());
    INFIP_RETURN_IF_ERROR(WithContext(opened.status(), "registration store"));
    s->store_ = std::move(*opened);
  }
  {
    auto loaded = verdict::Signer::LoadOrCreate(config.SigningKeyPath());
    INFIP_RETURN_IF_ERROR(WithContext(loaded.status(), "signing key"));
    s->signer_ = std::move(*loaded);
  }
  const int workers = config.workers > 0 ? config.workers : (s->device_.is_cuda ? 2 : 1);
  {
    auto started = StartSandbox(config, s->device_, workers);
    INFIP_RETURN_IF_ERROR(WithContext(started.status(), "sandboxed worker"));
    s->sandbox_ = *std::move(started);
  }
  INFIP_ASSIGN_OR_RETURN(
      s->auditor_, audit::Auditor::Create(MakeAuditorOptions(config, s->device_), s->store_.get(),
                                          s->signer_.get(), s->sandbox_.backend.get()));
  {
    auto created = fetch::Fetcher::Create(MakeFetchPolicy(config));
    INFIP_RETURN_IF_ERROR(WithContext(created.status(), "remote handles"));
    s->fetcher_ = std::move(*created);
  }
  INFIP_ASSIGN_OR_RETURN(s->queue_, WorkQueue::Create(workers, config.queue_depth));

  MetricsOptions metrics_options;
  metrics_options.listen = config.metrics_listen;
  metrics_options.store = s->store_.get();
  metrics_options.workers = workers;
  metrics_options.device = s->device_.description;
  INFIP_ASSIGN_OR_RETURN(s->metrics_, ServerMetrics::Create(metrics_options));
  s->queue_->SetObserver([m = s->metrics_.get()](int64_t waiting, int64_t running) {
    m->SetQueue(waiting, running);
  });

  ServiceDeps deps;
  deps.access = s->access_.get();
  deps.auditor = s->auditor_.get();
  deps.store = s->store_.get();
  deps.queue = s->queue_.get();
  deps.metrics = s->metrics_.get();
  deps.intake.fetcher = s->fetcher_.get();
  deps.intake.temp_dir = config.TempDir();
  deps.intake.max_upload_bytes = config.max_upload_bytes;
  deps.intake.max_key_set_bytes = config.max_key_set_bytes;
  deps.intake.max_fingerprint_bytes = config.max_fingerprint_bytes;
  deps.intake.metrics = s->metrics_.get();
  deps.info = MakeServerInfo(config, s->device_, *s->signer_);
  s->service_ = std::make_unique<FingerprintingService>(std::move(deps));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which would let a second server share a busy port
  // silently; an operator expects "address in use" instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen, s->transport_.credentials, &s->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               " (address in use, or not an address of this "
                                               "machine?)"));
  }

  grpc::HealthCheckServiceInterface* health = s->server_->GetHealthCheckService();
  HealthMonitor::Checks checks;
  checks.device = [device = s->device_] { return CheckDeviceReady(device); };
  checks.store = [store = s->store_.get()] { return store->Ping(); };
  s->health_ = std::make_unique<HealthMonitor>(
      [health](bool serving) {
        health->SetServingStatus(kServiceName, serving);
        health->SetServingStatus(serving);
      },
      std::move(checks));
  s->health_->Start();

  spdlog::info(
      "infip-server {} ({}) serving {} on {} (port {}); device {}; {} worker{}, queue depth {}; "
      "data {}; key id {}",
      ServerVersion(), kEngineVersion, kServiceName, config.listen, s->port_,
      s->device_.description, workers, workers == 1 ? "" : "s", config.queue_depth,
      config.data_dir, s->signer_->KeyId());
  spdlog::info("transport: {}; callers: {}", s->transport_.description, s->access_->Describe());
  if (config.auth.insecure && !auth::IsLocalAddress(config.listen)) {
    spdlog::warn(
        "--insecure: {} is served in plain text; whoever can reach it can read and alter "
        "every call{}",
        config.listen,
        s->access_->local() ? ", and every caller is the local principal with every role"
                            : ", bearer tokens included");
  }
  if (s->metrics_->port() > 0) {
    spdlog::info("metrics on http://{}/metrics (port {})", config.metrics_listen,
                 s->metrics_->port());
  }
  if (!config.allowed_roots.empty() || !config.allowed_hosts.empty()) {
    spdlog::info("remote handles: roots [{}], hosts [{}]{}",
                 absl::StrJoin(config.allowed_roots, ", "),
                 absl::StrJoin(config.allowed_hosts, ", "),
                 config.allow_plain_http ? ", plain http allowed" : "");
  }
  return s;
}

absl::Status InfipServer::ReloadAccess() { return access_->Reload(); }

int InfipServer::metrics_port() const { return metrics_ != nullptr ? metrics_->port() : 0; }

void InfipServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  spdlog::info("draining: NOT_SERVING, no new work; running calls have {} to finish",
               absl::FormatDuration(grace));
  health_->Drain();
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->Shutdown();  // every service NOT_SERVING, and no later change
  }
  queue_->Close();
  const auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace);
  server_->Shutdown(deadline);
  server_->Wait();
  spdlog::info("stopped");
}

InfipServer::~InfipServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

}  // namespace infip::server
