#include "server/config.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "server/absl_view.h"
#include "server/config_table.h"
#include "server/config_values.h"
#include "server/version.h"

namespace infip::server {

absl::Status CheckedInt(std::string_view text, int64_t low, int64_t high, int64_t* out) {
  INFIP_ASSIGN_OR_RETURN(int64_t v, ParseInteger(text));
  if (v < low || v > high) {
    return absl::InvalidArgumentError(absl::StrCat(v, " is outside ", low, "..", high));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status CheckedBytes(std::string_view text, int64_t low, int64_t high, int64_t* out) {
  INFIP_ASSIGN_OR_RETURN(int64_t v, ParseByteSize(text));
  if (v < low || v > high) {
    return absl::InvalidArgumentError(absl::StrCat(v, " bytes is outside ", low, "..", high));
  }
  *out = v;
  return absl::OkStatus();
}

namespace {

using Kind = SettingKind;

std::vector<Setting> CoreSettings() {
  using C = ServerConfig;
  return {
      {"--listen", "INFIP_LISTEN", Kind::kValue,
       "gRPC listen address, host:port or unix:/path (default 127.0.0.1:50051; port 0 picks a "
       "free one)",
       [](std::string_view t, C& c) {
         INFIP_RETURN_IF_ERROR(CheckListenAddress(t, /*allow_unix=*/true));
         c.listen = std::string(t);
         return absl::OkStatus();
       }},
      {"--data-dir", "INFIP_DATA_DIR", Kind::kValue,
       "directory for the registration database, the signing key and staged uploads; created "
       "if absent (default /var/lib/infip)",
       [](std::string_view t, C& c) {
         if (t.empty()) return absl::InvalidArgumentError("the data directory may not be empty");
         c.data_dir = std::string(t);
         return absl::OkStatus();
       }},
      {"--signing-key", "INFIP_SIGNING_KEY", Kind::kValue,
       "Ed25519 private key (PEM) that signs verdicts and receipts; created mode 0600 when "
       "absent (default <data-dir>/signing-key.pem)",
       [](std::string_view t, C& c) {
         c.signing_key = std::string(t);
         return absl::OkStatus();
       }},
      {"--device", "INFIP_DEVICE", Kind::kValue,
       "auto, cpu, cuda or cuda:N; auto takes the first GPU when one is usable (default auto)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.device, ParseDeviceName(t));
         return absl::OkStatus();
       }},
      {"--metrics-listen", "INFIP_METRICS_LISTEN", Kind::kValue,
       "Prometheus /metrics address host:port; \"\" or off disables it (default "
       "127.0.0.1:9464)",
       [](std::string_view t, C& c) {
         const std::string lower = absl::AsciiStrToLower(Absl(t));
         if (lower.empty() || lower == "off") {
           c.metrics_listen.clear();
           return absl::OkStatus();
         }
         INFIP_RETURN_IF_ERROR(CheckListenAddress(t, /*allow_unix=*/false));
         c.metrics_listen = std::string(t);
         return absl::OkStatus();
       }},
      {"--max-upload-bytes", "INFIP_MAX_UPLOAD_BYTES", Kind::kValue,
       "largest model accepted, uploaded or fetched, e.g. 2GiB (default 2GiB)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 1, int64_t{1} << 40, &c.max_upload_bytes);
       }},
      {"--max-message-bytes", "INFIP_MAX_MESSAGE_BYTES", Kind::kValue,
       "largest gRPC message received, at least 2MiB so that a 1 MiB chunk fits (default "
       "8MiB)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 2 * kMiB, 1024 * kMiB, &c.max_message_bytes);
       }},
      {"--max-keys", "INFIP_MAX_KEYS", Kind::kValue,
       "most keys in one key set (default 4096)",
       [](std::string_view t, C& c) { return CheckedInt(t, 1, 1 << 20, &c.max_keys); }},
      {"--max-key-set-bytes", "INFIP_MAX_KEY_SET_BYTES", Kind::kValue,
       "largest key set (.npy bytes), held in memory while it is checked (default 256MiB)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 1, int64_t{16} << 30, &c.max_key_set_bytes);
       }},
      {"--max-fingerprint-bytes", "INFIP_MAX_FINGERPRINT_BYTES", Kind::kValue,
       "largest fingerprint set (.infip bytes) for RegisterFingerprints (default 256MiB)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 1, int64_t{16} << 30, &c.max_fingerprint_bytes);
       }},
      {"--workers", "INFIP_WORKERS", Kind::kValue,
       "extractions run at once; 0 picks 1 on a CPU, 2 on a GPU (default 0)",
       [](std::string_view t, C& c) {
         int64_t v = 0;
         INFIP_RETURN_IF_ERROR(CheckedInt(t, 0, 256, &v));
         c.workers = static_cast<int>(v);
         return absl::OkStatus();
       }},
      {"--queue-depth", "INFIP_QUEUE_DEPTH", Kind::kValue,
       "requests that may wait for a worker; one more is refused with RESOURCE_EXHAUSTED "
       "(default 16)",
       [](std::string_view t, C& c) {
         int64_t v = 0;
         INFIP_RETURN_IF_ERROR(CheckedInt(t, 0, 100000, &v));
         c.queue_depth = static_cast<int>(v);
         return absl::OkStatus();
       }},
      {"--batch-size", "INFIP_BATCH_SIZE", Kind::kValue,
       "keys per forward/backward pass (default 64)",
       [](std::string_view t, C& c) { return CheckedInt(t, 1, 65536, &c.batch_size); }},
      {"--allowed-root", "INFIP_ALLOWED_ROOTS", Kind::kList,
       "directory that file:// handles may name models under; repeat or separate with commas "
       "(default none: no file:// handles)",
       [](std::string_view t, C& c) {
         for (std::string& root : SplitList(t)) c.allowed_roots.push_back(std::move(root));
         return absl::OkStatus();
       }},
      {"--allowed-host", "INFIP_ALLOWED_HOSTS", Kind::kList,
       "host or host:port that https:// handles may name; repeat or separate with commas "
       "(default none: no http(s) handles)",
       [](std::string_view t, C& c) {
         for (std::string& host : SplitList(t)) c.allowed_hosts.push_back(std::move(host));
         return absl::OkStatus();
       }},
      {"--allow-plain-http", "INFIP_ALLOW_PLAIN_HTTP", Kind::kSwitch,
       "accept http:// handles as well as https:// (default false)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.allow_plain_http, ParseBool(t));
         return absl::OkStatus();
       }},
      {"--fetch-timeout", "INFIP_FETCH_TIMEOUT", Kind::kValue,
       "time limit of one remote fetch, e.g. 5m (default 5m)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.fetch_timeout, ParseDurationText(t));
         if (c.fetch_timeout <= absl::ZeroDuration()) {
           return absl::InvalidArgumentError("the fetch timeout must be positive");
         }
         return absl::OkStatus();
       }},
      {"--ca-bundle", "INFIP_CA_BUNDLE", Kind::kValue,
       "PEM file of CAs trusted for https:// handles instead of the system's",
       [](std::string_view t, C& c) {
         c.ca_bundle = std::string(t);
         return absl::OkStatus();
       }},
      {"--default-composite", "INFIP_DEFAULT_COMPOSITE", Kind::kValue,
       "relevance rules of a registration that names none (default dtd)",
       [](std::string_view t, C& c) {
         if (!dtd::Composite::ByName(t).ok()) {
           return absl::InvalidArgumentError(absl::StrCat(
               "unknown composite '", Absl(t), "'; known: ", absl::StrJoin(dtd::Composite::Names(), ", ")));
         }
         c.default_composite = std::string(t);
         return absl::OkStatus();
       }},
      {"--default-lambda", "INFIP_DEFAULT_LAMBDA", Kind::kValue,
       "fingerprint contrast lambda of a registration that sets none, > 0 (default 5000)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.default_lambda, ParseNumber(t));
         if (c.default_lambda <= 0) return absl::InvalidArgumentError("lambda must be > 0");
         return absl::OkStatus();
       }},
      {"--default-lambda-scaling", "INFIP_DEFAULT_LAMBDA_SCALING", Kind::kValue,
       "resolution or literal (default resolution)",
       [](std::string_view t, C& c) {
         auto scaling = fingerprint::ParseLambdaScaling(absl::AsciiStrToLower(Absl(t)));
         if (!scaling.ok()) {
           return absl::InvalidArgumentError(
               absl::StrCat("'", Absl(t), "' is not a lambda scaling (resolution or literal)"));
         }
         c.default_lambda_scaling = *scaling;
         return absl::OkStatus();
       }},
      {"--default-threshold", "INFIP_DEFAULT_THRESHOLD", Kind::kValue,
       "ASSIM threshold T of a registration that sets none, in [-1, 1] (default 0.85)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.default_threshold, ParseNumber(t));
         if (c.default_threshold < -1 || c.default_threshold > 1) {
           return absl::InvalidArgumentError(
               absl::StrCat(c.default_threshold, " is outside [-1, 1]"));
         }
         return absl::OkStatus();
       }},
      {"--grace-period", "INFIP_GRACE_PERIOD", Kind::kValue,
       "after SIGTERM/SIGINT, how long running calls may finish before they are cancelled "
       "(default 30s)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.grace_period, ParseDurationText(t));
         return absl::OkStatus();
       }},
      {"--log-level", "INFIP_LOG_LEVEL", Kind::kValue,
       "trace, debug, info, warn, error, critical or off (default info)",
       [](std::string_view t, C& c) {
         const std::string lower = absl::AsciiStrToLower(Absl(t));
         const spdlog::level::level_enum level = spdlog::level::from_str(lower);
         // from_str answers "off" for anything it does not know.
         if (level == spdlog::level::off && lower != "off") {
           return absl::InvalidArgumentError(absl::StrCat(
               "'", Absl(t), "' is not a log level (trace, debug, info, warn, error, critical, off)"));
         }
         c.log_level = level;
         return absl::OkStatus();
       }},
      {"--log-format", "INFIP_LOG_FORMAT", Kind::kValue,
       "text or json: one JSON object per line (default text)",
       [](std::string_view t, C& c) {
         const std::string lower = absl::AsciiStrToLower(Absl(t));
         if (lower == "text") {
           c.log_format = LogFormat::kText;
         } else if (lower == "json") {
           c.log_format = LogFormat::kJson;
         } else {
           return absl::InvalidArgumentError(absl::StrCat("'", Absl(t), "' is not text or json"));
         }
         return absl::OkStatus();
       }},
  };
}

// Every setting, in --help's order.
std::vector<Setting> Settings() {
  std::vector<Setting> all = CoreSettings();
  for (std::vector<Setting> family : {SandboxSettings(), AuthSettings()}) {
    for (Setting& s : family) all.push_back(std::move(s));
  }
  return all;
}

constexpr char kDescription[] =
    "infip-server: the infip gRPC service (infip.v1.Fingerprinting). Registers image "
    "classifiers by their DTD fingerprints on a private key set and verifies suspects against "
    "them with signed verdicts. Every flag may also be given as the environment variable "
    "named in brackets; a flag wins over its variable.";

// Where a flag's registered CLI11 target lives until it is applied.
struct Raw {
  std::string value;
  std::vector<std::string> list;
  bool on = false;
  CLI::Option* option = nullptr;
};

std::unique_ptr<CLI::App> MakeApp(const std::vector<Setting>& settings, std::vector<Raw>& raw) {
  auto app = std::make_unique<CLI::App>(kDescription, "infip-server");
  app->set_version_flag("--version", std::string(ServerVersion()));
  for (size_t i = 0; i < settings.size(); ++i) {
    const Setting& s = settings[i];
    const std::string help = absl::StrCat(s.help, " [", s.env, "]");
    switch (s.kind) {
      case Kind::kValue:
        raw[i].option = app->add_option(s.flag, raw[i].value, help);
        break;
      case Kind::kList:
        raw[i].option = app->add_option(s.flag, raw[i].list, help);
        break;
      case Kind::kSwitch:
        raw[i].option = app->add_flag(s.flag, raw[i].on, help);
        break;
    }
  }
  return app;
}

}  // namespace

std::string ServerConfig::DatabasePath() const { return data_dir + "/registrations.db"; }
std::string ServerConfig::SigningKeyPath() const {
  return signing_key.empty() ? data_dir + "/signing-key.pem" : signing_key;
}
std::string ServerConfig::TempDir() const { return data_dir + "/tmp"; }

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string ServerHelpText() {
  const std::vector<Setting> settings = Settings();
  std::vector<Raw> raw(settings.size());
  return MakeApp(settings, raw)->help();
}

absl::StatusOr<ParsedArgs> ParseServerArgs(const std::vector<std::string>& args,
                                           const EnvLookup& env) {
  const std::vector<Setting> settings = Settings();
  std::vector<Raw> raw(settings.size());
  std::unique_ptr<CLI::App> app = MakeApp(settings, raw);

  std::vector<const char*> argv = {"infip-server"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  ParsedArgs parsed;
  try {
    app->parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    parsed.exit_now = true;
    parsed.text = app->help();
    return parsed;
  } catch (const CLI::CallForVersion&) {
    parsed.exit_now = true;
    parsed.text = absl::StrCat("infip-server ", Absl(ServerVersion()), " (", kEngineVersion, ")\n");
    return parsed;
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(e.what(), " (see infip-server --help)"));
  }

  for (size_t i = 0; i < settings.size(); ++i) {
    const Setting& s = settings[i];
    std::vector<std::string> texts;
    std::string source = s.flag;
    if (raw[i].option->count() > 0) {
      switch (s.kind) {
        case Kind::kValue: texts = {raw[i].value}; break;
        case Kind::kList: texts = raw[i].list; break;
        case Kind::kSwitch: texts = {raw[i].on ? "true" : "false"}; break;
      }
    } else if (std::optional<std::string> value = env(s.env); value && !value->empty()) {
      texts = {*value};
      source = absl::StrCat(s.flag, " (from ", s.env, ")");
    }
    for (const std::string& text : texts) {
      if (absl::Status st = s.apply(text, parsed.config); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(source, ": ", st.message()));
      }
    }
  }
  return parsed;
}

}  // namespace infip::server
