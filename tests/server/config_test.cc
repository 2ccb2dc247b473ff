// ParseServerArgs: defaults, flags, INFIP_* variables (a flag wins, an empty variable counts
// as unset), and refusals that name the flag and the variable.
#include "server/config.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace infip::server {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ServerConfig Parse(const std::vector<std::string>& args,
                   std::map<std::string, std::string> env = {}) {
  absl::StatusOr<ParsedArgs> parsed = ParseServerArgs(args, Env(std::move(env)));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  EXPECT_FALSE(parsed->exit_now);
  return parsed->config;
}

absl::Status Refusal(const std::vector<std::string>& args,
                     std::map<std::string, std::string> env = {}) {
  absl::StatusOr<ParsedArgs> parsed = ParseServerArgs(args, Env(std::move(env)));
  return parsed.ok() ? absl::OkStatus() : parsed.status();
}

TEST(ServerConfigTest, Defaults) {
  const ServerConfig c = Parse({});
  EXPECT_EQ(c.listen, "127.0.0.1:50051");
  EXPECT_EQ(c.metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(c.data_dir, "/var/lib/infip");
  EXPECT_EQ(c.SigningKeyPath(), "/var/lib/infip/signing-key.pem");
  EXPECT_EQ(c.DatabasePath(), "/var/lib/infip/registrations.db");
  EXPECT_EQ(c.TempDir(), "/var/lib/infip/tmp");
  EXPECT_EQ(c.device, "auto");
  EXPECT_EQ(c.workers, 0);
  EXPECT_EQ(c.queue_depth, 16);
  EXPECT_EQ(c.batch_size, 64);
  EXPECT_EQ(c.max_upload_bytes, int64_t{2} << 30);
  EXPECT_EQ(c.max_message_bytes, 8 << 20);
  EXPECT_TRUE(c.allowed_roots.empty());
  EXPECT_TRUE(c.allowed_hosts.empty());
  EXPECT_FALSE(c.allow_plain_http);
  EXPECT_EQ(c.fetch_timeout, absl::Minutes(5));
  EXPECT_EQ(c.default_composite, "dtd");
  EXPECT_EQ(c.default_lambda, 5000.0);
  EXPECT_EQ(c.default_lambda_scaling, fingerprint::LambdaScaling::kResolution);
  EXPECT_EQ(c.default_threshold, 0.85);
  EXPECT_EQ(c.grace_period, absl::Seconds(30));
  EXPECT_EQ(c.log_level, spdlog::level::info);
  EXPECT_EQ(c.log_format, LogFormat::kText);
  EXPECT_EQ(c.auth.tls_cert, "");
  EXPECT_EQ(c.auth.tls_key, "");
  EXPECT_EQ(c.auth.tls_client_ca, "");
  EXPECT_EQ(c.auth.tls_reload_interval, absl::Minutes(1));
  EXPECT_EQ(c.auth.access_file, "");
  EXPECT_FALSE(c.auth.insecure);
}

TEST(ServerConfigTest, EveryFlag) {
  const ServerConfig c = Parse({"--listen", "0.0.0.0:6000",
                                "--data-dir", "/srv/infip",
                                "--signing-key", "/secrets/key.pem",
                                "--device", "CPU",
                                "--metrics-listen", "[::1]:9100",
                                "--max-upload-bytes", "512MiB",
                                "--max-message-bytes", "4MiB",
                                "--max-keys", "100",
                                "--max-key-set-bytes", "64MiB",
                                "--max-fingerprint-bytes", "32MiB",
                                "--workers", "3",
                                "--queue-depth", "0",
                                "--batch-size", "8",
                                "--allowed-root", "/models",
                                "--allowed-root", "/more,/even/more",
                                "--allowed-host", "models.example.org",
                                "--allow-plain-http",
                                "--fetch-timeout", "1m30s",
                                "--ca-bundle", "/etc/ca.pem",
                                "--default-composite", "epsilon-plus-flat",
                                "--default-lambda", "250.5",
                                "--default-lambda-scaling", "literal",
                                "--default-threshold=-0.25",
                                "--grace-period", "0",
                                "--log-level", "debug",
                                "--log-format", "JSON"});
  EXPECT_EQ(c.listen, "0.0.0.0:6000");
  EXPECT_EQ(c.data_dir, "/srv/infip");
  EXPECT_EQ(c.SigningKeyPath(), "/secrets/key.pem");
  EXPECT_EQ(c.DatabasePath(), "/srv/infip/registrations.db");
  EXPECT_EQ(c.device, "cpu");
  EXPECT_EQ(c.metrics_listen, "[::1]:9100");
  EXPECT_EQ(c.max_upload_bytes, 512 << 20);
  EXPECT_EQ(c.max_message_bytes, 4 << 20);
  EXPECT_EQ(c.max_keys, 100);
  EXPECT_EQ(c.max_key_set_bytes, 64 << 20);
  EXPECT_EQ(c.max_fingerprint_bytes, 32 << 20);
  EXPECT_EQ(c.workers, 3);
  EXPECT_EQ(c.queue_depth, 0);
  EXPECT_EQ(c.batch_size, 8);
  EXPECT_EQ(c.allowed_roots, (std::vector<std::string>{"/models", "/more", "/even/more"}));
  EXPECT_EQ(c.allowed_hosts, (std::vector<std::string>{"models.example.org"}));
  EXPECT_TRUE(c.allow_plain_http);
  EXPECT_EQ(c.fetch_timeout, absl::Seconds(90));
  EXPECT_EQ(c.ca_bundle, "/etc/ca.pem");
  EXPECT_EQ(c.default_composite, "epsilon-plus-flat");
  EXPECT_EQ(c.default_lambda, 250.5);
  EXPECT_EQ(c.default_lambda_scaling, fingerprint::LambdaScaling::kLiteral);
  EXPECT_EQ(c.default_threshold, -0.25);
  EXPECT_EQ(c.grace_period, absl::ZeroDuration());
  EXPECT_EQ(c.log_level, spdlog::level::debug);
  EXPECT_EQ(c.log_format, LogFormat::kJson);
}

TEST(ServerConfigTest, EnvironmentFillsWhatFlagsLeaveOut) {
  const ServerConfig c = Parse({}, {{"INFIP_LISTEN", "127.0.0.1:7000"},
                                    {"INFIP_DATA_DIR", "/data"},
                                    {"INFIP_WORKERS", "2"},
                                    {"INFIP_ALLOWED_ROOTS", "/a, /b"},
                                    {"INFIP_ALLOW_PLAIN_HTTP", "yes"},
                                    {"INFIP_FETCH_TIMEOUT", "45"},
                                    {"INFIP_LOG_FORMAT", "json"},
                                    {"INFIP_METRICS_LISTEN", "off"}});
  EXPECT_EQ(c.listen, "127.0.0.1:7000");
  EXPECT_EQ(c.data_dir, "/data");
  EXPECT_EQ(c.SigningKeyPath(), "/data/signing-key.pem");
  EXPECT_EQ(c.workers, 2);
  EXPECT_EQ(c.allowed_roots, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_TRUE(c.allow_plain_http);
  EXPECT_EQ(c.fetch_timeout, absl::Seconds(45));
  EXPECT_EQ(c.log_format, LogFormat::kJson);
  EXPECT_EQ(c.metrics_listen, "");
}

TEST(ServerConfigTest, FlagsWinOverTheEnvironment) {
  const ServerConfig c =
      Parse({"--listen", "127.0.0.1:1", "--allowed-root", "/flag", "--allow-plain-http=false",
             "--queue-depth", "4"},
            {{"INFIP_LISTEN", "127.0.0.1:2"},
             {"INFIP_ALLOWED_ROOTS", "/env"},
             {"INFIP_ALLOW_PLAIN_HTTP", "true"},
             {"INFIP_QUEUE_DEPTH", "not even a number"}});
  EXPECT_EQ(c.listen, "127.0.0.1:1");
  EXPECT_EQ(c.allowed_roots, (std::vector<std::string>{"/flag"}));
  EXPECT_FALSE(c.allow_plain_http);
  // The variable is never parsed when the flag is given, so its garbage does not matter.
  EXPECT_EQ(c.queue_depth, 4);
}

TEST(ServerConfigTest, EmptyVariableCountsAsUnset) {
  const ServerConfig c = Parse({}, {{"INFIP_LISTEN", ""}, {"INFIP_MAX_UPLOAD_BYTES", ""}});
  EXPECT_EQ(c.listen, "127.0.0.1:50051");
  EXPECT_EQ(c.max_upload_bytes, int64_t{2} << 30);
}

TEST(ServerConfigTest, MetricsOffByFlag) {
  EXPECT_EQ(Parse({"--metrics-listen", ""}).metrics_listen, "");
  EXPECT_EQ(Parse({"--metrics-listen", "OFF"}).metrics_listen, "");
}

void ExpectRefused(const absl::Status& status, const std::vector<std::string>& words) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  for (const std::string& w : words) {
    EXPECT_NE(status.message().find(w), std::string_view::npos)
        << "'" << status.message() << "' does not name '" << w << "'";
  }
}

TEST(ServerConfigTest, BadFlagValuesNameTheFlag) {
  ExpectRefused(Refusal({"--listen", "localhost"}), {"--listen", "no port"});
  ExpectRefused(Refusal({"--listen", "::1:50051"}), {"--listen", "brackets"});
  ExpectRefused(Refusal({"--listen", "127.0.0.1:70000"}), {"--listen", "65535"});
  ExpectRefused(Refusal({"--metrics-listen", "unix:/tmp/m"}), {"--metrics-listen", "unix"});
  ExpectRefused(Refusal({"--device", "tpu"}), {"--device", "'tpu'"});
  ExpectRefused(Refusal({"--device", "cuda:x"}), {"--device"});
  ExpectRefused(Refusal({"--max-upload-bytes", "2GB"}), {"--max-upload-bytes", "'2GB'", "GiB"});
  ExpectRefused(Refusal({"--max-upload-bytes", "0"}), {"--max-upload-bytes"});
  ExpectRefused(Refusal({"--max-upload-bytes=-5"}), {"--max-upload-bytes"});
  ExpectRefused(Refusal({"--max-message-bytes", "1MiB"}), {"--max-message-bytes", "1048576"});
  ExpectRefused(Refusal({"--workers=-1"}), {"--workers", "-1"});
  ExpectRefused(Refusal({"--workers", "two"}), {"--workers", "'two'"});
  ExpectRefused(Refusal({"--queue-depth", "1.5"}), {"--queue-depth"});
  ExpectRefused(Refusal({"--batch-size", "0"}), {"--batch-size"});
  ExpectRefused(Refusal({"--fetch-timeout", "0s"}), {"--fetch-timeout", "positive"});
  ExpectRefused(Refusal({"--fetch-timeout", "soon"}), {"--fetch-timeout", "'soon'"});
  ExpectRefused(Refusal({"--grace-period=-1s"}), {"--grace-period", "negative"});
  ExpectRefused(Refusal({"--default-composite", "lrp-magic"}),
                {"--default-composite", "lrp-magic", "dtd"});
  ExpectRefused(Refusal({"--default-lambda", "0"}), {"--default-lambda", "> 0"});
  ExpectRefused(Refusal({"--default-lambda", "nan"}), {"--default-lambda", "finite"});
  ExpectRefused(Refusal({"--default-lambda-scaling", "log"}), {"--default-lambda-scaling"});
  ExpectRefused(Refusal({"--default-threshold", "1.01"}), {"--default-threshold", "[-1, 1]"});
  ExpectRefused(Refusal({"--log-level", "loud"}), {"--log-level", "'loud'"});
  ExpectRefused(Refusal({"--log-format", "xml"}), {"--log-format", "'xml'"});
  ExpectRefused(Refusal({"--data-dir", ""}), {"--data-dir", "empty"});
}

TEST(ServerConfigTest, BadVariablesNameFlagAndVariable) {
  ExpectRefused(Refusal({}, {{"INFIP_WORKERS", "many"}}), {"--workers", "INFIP_WORKERS", "'many'"});
  ExpectRefused(Refusal({}, {{"INFIP_ALLOW_PLAIN_HTTP", "maybe"}}),
                {"INFIP_ALLOW_PLAIN_HTTP", "'maybe'"});
  ExpectRefused(Refusal({}, {{"INFIP_LISTEN", "nowhere"}}), {"INFIP_LISTEN", "nowhere"});
}

TEST(ServerConfigTest, AuthFlagsAndVariables) {
  const ServerConfig flags = Parse({"--tls-cert", "/tls/tls.crt", "--tls-key", "/tls/tls.key",
                                    "--tls-client-ca", "/tls/ca.crt", "--tls-reload-interval",
                                    "30s", "--access-file", "/etc/infip/access", "--insecure"});
  EXPECT_EQ(flags.auth.tls_cert, "/tls/tls.crt");
  EXPECT_EQ(flags.auth.tls_key, "/tls/tls.key");
  EXPECT_EQ(flags.auth.tls_client_ca, "/tls/ca.crt");
  EXPECT_EQ(flags.auth.tls_reload_interval, absl::Seconds(30));
  EXPECT_EQ(flags.auth.access_file, "/etc/infip/access");
  EXPECT_TRUE(flags.auth.insecure);

  const ServerConfig env = Parse({}, {{"INFIP_TLS_CERT", "/a.pem"},
                                      {"INFIP_TLS_KEY", "/a.key"},
                                      {"INFIP_TLS_CLIENT_CA", "/ca.pem"},
                                      {"INFIP_TLS_RELOAD_INTERVAL", "5m"},
                                      {"INFIP_ACCESS_FILE", "/access"},
                                      {"INFIP_INSECURE", "yes"}});
  EXPECT_EQ(env.auth.tls_cert, "/a.pem");
  EXPECT_EQ(env.auth.tls_key, "/a.key");
  EXPECT_EQ(env.auth.tls_client_ca, "/ca.pem");
  EXPECT_EQ(env.auth.tls_reload_interval, absl::Minutes(5));
  EXPECT_EQ(env.auth.access_file, "/access");
  EXPECT_TRUE(env.auth.insecure);
  EXPECT_EQ(Parse({"--access-file", "/mine"}, {{"INFIP_ACCESS_FILE", "/theirs"}}).auth.access_file,
            "/mine");

  ExpectRefused(Refusal({"--tls-reload-interval", "0"}), {"--tls-reload-interval", "1s"});
  ExpectRefused(Refusal({}, {{"INFIP_TLS_RELOAD_INTERVAL", "soon"}}),
                {"INFIP_TLS_RELOAD_INTERVAL", "'soon'"});
  ExpectRefused(Refusal({"--access-file", ""}), {"--access-file", "empty"});
  ExpectRefused(Refusal({}, {{"INFIP_INSECURE", "perhaps"}}), {"INFIP_INSECURE", "'perhaps'"});
}

TEST(ServerConfigTest, SandboxFlagsAndVariables) {
  const ServerConfig defaults = Parse({});
  EXPECT_EQ(defaults.sandbox.worker_binary, "");
  EXPECT_EQ(defaults.sandbox.pool_size, -1);
  EXPECT_EQ(defaults.sandbox.memory_bytes, 0);
  EXPECT_EQ(defaults.sandbox.prefault_bytes, int64_t{1} << 30);
  EXPECT_EQ(defaults.sandbox.cpu_time, absl::Hours(6));
  EXPECT_EQ(defaults.sandbox.load_timeout, absl::ZeroDuration());
  EXPECT_EQ(defaults.sandbox.extract_timeout, absl::ZeroDuration());
  EXPECT_EQ(defaults.sandbox.archive_max_bytes, 0);
  EXPECT_EQ(defaults.sandbox.archive_max_ratio, 200.0);
  EXPECT_EQ(defaults.sandbox.archive_max_entries, 20000);
  EXPECT_TRUE(defaults.sandbox.source_scan);

  const ServerConfig flags = Parse(
      {"--worker-binary", "/opt/infip/infip-worker", "--worker-pool", "3", "--worker-memory",
       "6GiB", "--worker-prefault", "0", "--worker-cpu-time", "30m", "--worker-load-timeout",
       "90s", "--worker-extract-timeout", "1h", "--archive-max-bytes", "3GiB",
       "--archive-max-ratio", "50", "--archive-max-entries", "500", "--no-source-scan"});
  EXPECT_EQ(flags.sandbox.worker_binary, "/opt/infip/infip-worker");
  EXPECT_EQ(flags.sandbox.pool_size, 3);
  EXPECT_EQ(flags.sandbox.memory_bytes, int64_t{6} << 30);
  EXPECT_EQ(flags.sandbox.prefault_bytes, 0);
  EXPECT_EQ(flags.sandbox.cpu_time, absl::Minutes(30));
  EXPECT_EQ(flags.sandbox.load_timeout, absl::Seconds(90));
  EXPECT_EQ(flags.sandbox.extract_timeout, absl::Hours(1));
  EXPECT_EQ(flags.sandbox.archive_max_bytes, int64_t{3} << 30);
  EXPECT_EQ(flags.sandbox.archive_max_ratio, 50.0);
  EXPECT_EQ(flags.sandbox.archive_max_entries, 500);
  EXPECT_FALSE(flags.sandbox.source_scan);

  const ServerConfig env = Parse({}, {{"INFIP_WORKER_POOL", "0"},
                                      {"INFIP_WORKER_MEMORY", "1GiB"},
                                      {"INFIP_NO_SOURCE_SCAN", "true"}});
  EXPECT_EQ(env.sandbox.pool_size, 0);
  EXPECT_EQ(env.sandbox.memory_bytes, int64_t{1} << 30);
  EXPECT_FALSE(env.sandbox.source_scan);

  ExpectRefused(Refusal({"--worker-memory", "100MiB"}), {"--worker-memory", "536870912"});
  ExpectRefused(Refusal({"--worker-pool=-2"}), {"--worker-pool"});
  ExpectRefused(Refusal({"--worker-cpu-time", "0"}), {"--worker-cpu-time", "1s"});
  ExpectRefused(Refusal({"--worker-load-timeout", "later"}), {"--worker-load-timeout", "'later'"});
  ExpectRefused(Refusal({"--archive-max-ratio", "0.5"}), {"--archive-max-ratio", "at least 1"});
  ExpectRefused(Refusal({}, {{"INFIP_ARCHIVE_MAX_ENTRIES", "0"}}),
                {"--archive-max-entries", "INFIP_ARCHIVE_MAX_ENTRIES"});
}

TEST(ServerConfigTest, CommandLineErrors) {
  ExpectRefused(Refusal({"--no-such-flag"}), {"--no-such-flag", "--help"});
  ExpectRefused(Refusal({"--listen"}), {"--listen"});
  ExpectRefused(Refusal({"stray"}), {"stray"});
}

TEST(ServerConfigTest, HelpAndVersion) {
  absl::StatusOr<ParsedArgs> help = ParseServerArgs({"--help"}, Env({}));
  ASSERT_TRUE(help.ok()) << help.status();
  EXPECT_TRUE(help->exit_now);
  for (const char* word :
       {"--listen", "INFIP_LISTEN", "--data-dir", "INFIP_DATA_DIR", "--signing-key",
        "--device", "--metrics-listen", "--max-upload-bytes", "--max-message-bytes", "--workers",
        "--queue-depth", "--allowed-root", "INFIP_ALLOWED_ROOTS", "--allowed-host",
        "--allow-plain-http", "--fetch-timeout", "--default-composite", "--default-lambda",
        "--default-threshold", "--log-level", "--log-format", "--grace-period", "--tls-cert",
        "INFIP_TLS_CERT", "--tls-key", "--tls-client-ca", "--tls-reload-interval",
        "--access-file", "INFIP_ACCESS_FILE", "--insecure", "INFIP_INSECURE"}) {
    EXPECT_NE(help->text.find(word), std::string::npos) << "--help does not mention " << word;
  }
  EXPECT_EQ(help->text, ServerHelpText());

  absl::StatusOr<ParsedArgs> version = ParseServerArgs({"--version"}, Env({}));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_TRUE(version->exit_now);
  EXPECT_NE(version->text.find("infip-server "), std::string::npos) << version->text;
  EXPECT_NE(version->text.find("infip-engine/"), std::string::npos) << version->text;
}

}  // namespace
}  // namespace infip::server
