// ServerConfig: everything infip-server is told at start, from command-line flags and
// INFIP_* environment variables. A flag wins over its variable, a variable over the default;
// an empty variable counts as unset. Every value is checked here, so a bad one stops the
// server before it opens anything, with a message that names the flag (and the variable it
// came from).
//
//   INFIP_ASSIGN_OR_RETURN(ParsedArgs parsed,
//                          ParseServerArgs({"--listen", "0.0.0.0:50051"}, ProcessEnvironment()));
//   if (parsed.exit_now) { std::cout << parsed.text; return 0; }   // --help, --version
//   RunServer(parsed.config);
//
// docs/server.md lists every flag; ServerHelpText() is the same list as --help prints it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/fingerprint/image.h"
#include "spdlog/common.h"

namespace infip::server {

enum class LogFormat { kText, kJson };

inline constexpr int64_t kMiB = int64_t{1} << 20;

// The sandboxed worker that runs every model (docs/security.md). Zero durations and sizes mean
// "derived": see the flags' help.
struct SandboxConfig {
  std::string worker_binary;  // empty: infip-worker beside infip-server
  int pool_size = -1;         // idle workers kept started; -1: as many as run at once
  int64_t memory_bytes = 0;   // per worker; 0: physical memory / workers at once
  int64_t prefault_bytes = int64_t{1} << 30;  // heap an idle worker faults in beforehand
  absl::Duration cpu_time = absl::Hours(6);            // per worker, a backstop
  absl::Duration load_timeout = absl::ZeroDuration();  // 0: 60 s + 60 s per GiB of model
  // 0: 120 s + 10 s per key of 3 x 224 x 224 values (pro rata for other sizes).
  absl::Duration extract_timeout = absl::ZeroDuration();
  int64_t archive_max_bytes = 0;  // uncompressed archive; 0: 2 x --max-upload-bytes
  double archive_max_ratio = 200.0;
  int64_t archive_max_entries = 20000;
  bool source_scan = true;
};

// Who may call, and over what (docs/security.md). Without TLS the server listens only on a
// loopback address or a unix socket, unless `insecure` says otherwise.
struct AuthConfig {
  std::string tls_cert;       // the server's certificate chain (PEM); empty: no TLS
  std::string tls_key;        // its private key (PEM)
  std::string tls_client_ca;  // CAs of client certificates (mutual TLS); empty: tokens only
  absl::Duration tls_reload_interval = absl::Minutes(1);  // how often the files are re-read
  std::string access_file;  // principals and roles; empty: the local principal (plain loopback)
  bool insecure = false;    // plain text on a non-loopback address
};

struct ServerConfig {
  // Transport.
  std::string listen = "127.0.0.1:50051";
  int64_t max_message_bytes = 8 * kMiB;  // largest gRPC message received
  std::string metrics_listen = "127.0.0.1:9464";  // empty: no metrics endpoint

  // State on disk.
  std::string data_dir = "/var/lib/infip";
  std::string signing_key;  // empty: <data_dir>/signing-key.pem

  // Work.
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int workers = 0;              // concurrent extractions; 0: 1 on CPU, 2 on a GPU
  int queue_depth = 16;         // requests waiting for a worker; past it RESOURCE_EXHAUSTED
  int64_t batch_size = 64;      // keys per forward/backward pass

  // Limits.
  int64_t max_upload_bytes = int64_t{2} << 30;  // one model, uploaded or fetched
  int64_t max_keys = 4096;
  int64_t max_key_set_bytes = 256 * kMiB;
  int64_t max_fingerprint_bytes = 256 * kMiB;

  SandboxConfig sandbox;
  AuthConfig auth;

  // Remote handles (docs/remote-handles.md).
  std::vector<std::string> allowed_roots;
  std::vector<std::string> allowed_hosts;
  bool allow_plain_http = false;
  absl::Duration fetch_timeout = absl::Minutes(5);
  std::string ca_bundle;

  // Registration defaults.
  std::string default_composite = "dtd";
  double default_lambda = 5000.0;
  fingerprint::LambdaScaling default_lambda_scaling = fingerprint::LambdaScaling::kResolution;
  double default_threshold = 0.85;

  // Process.
  absl::Duration grace_period = absl::Seconds(30);  // for running calls after SIGTERM
  spdlog::level::level_enum log_level = spdlog::level::info;
  LogFormat log_format = LogFormat::kText;

  [[nodiscard]] std::string DatabasePath() const;    // <data_dir>/registrations.db
  [[nodiscard]] std::string SigningKeyPath() const;  // signing_key or the data dir's
  [[nodiscard]] std::string TempDir() const;         // <data_dir>/tmp: staged models
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
[[nodiscard]] EnvLookup ProcessEnvironment();

struct ParsedArgs {
  ServerConfig config;
  bool exit_now = false;  // --help or --version: print `text`, exit 0
  std::string text;
};

// `args` without the program name. INVALID_ARGUMENT naming the flag (and variable) for an
// unknown flag, a missing or malformed value, or a value out of range.
[[nodiscard]] absl::StatusOr<ParsedArgs> ParseServerArgs(const std::vector<std::string>& args,
                                                         const EnvLookup& env);

[[nodiscard]] std::string ServerHelpText();

}  // namespace infip::server
