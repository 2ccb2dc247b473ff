// The sandboxed worker's settings (SandboxConfig in config.h; docs/security.md).
#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "server/config_table.h"
#include "server/config_values.h"

namespace infip::server {
namespace {

absl::Status ParseTimeout(std::string_view text, absl::Duration* out) {
  INFIP_ASSIGN_OR_RETURN(*out, ParseDurationText(text));
  return absl::OkStatus();  // ParseDurationText refuses negative durations
}

}  // namespace

std::vector<Setting> SandboxSettings() {
  using C = ServerConfig;
  using Kind = SettingKind;
  return {
      {"--worker-binary", "INFIP_WORKER_BINARY", Kind::kValue,
       "the sandboxed worker executable that runs every model (default: infip-worker beside "
       "infip-server)",
       [](std::string_view t, C& c) {
         c.sandbox.worker_binary = std::string(t);
         return absl::OkStatus();
       }},
      {"--worker-pool", "INFIP_WORKER_POOL", Kind::kValue,
       "workers kept started and idle, so that a request need not wait for one to start; each "
       "serves one request, then exits (default: as many as --workers)",
       [](std::string_view t, C& c) {
         int64_t v = 0;
         INFIP_RETURN_IF_ERROR(CheckedInt(t, 0, 256, &v));
         c.sandbox.pool_size = static_cast<int>(v);
         return absl::OkStatus();
       }},
      {"--worker-memory", "INFIP_WORKER_MEMORY", Kind::kValue,
       "address space one worker may use, e.g. 8GiB; past it the request fails with "
       "RESOURCE_EXHAUSTED (default: physical memory divided by --workers)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, int64_t{512} << 20, int64_t{1} << 50, &c.sandbox.memory_bytes);
       }},
      {"--worker-prefault", "INFIP_WORKER_PREFAULT", Kind::kValue,
       "heap memory an idle worker touches and keeps, so that the request it serves does not "
       "spend its time faulting pages in; at most a quarter of --worker-memory; 0: none "
       "(default 1GiB)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 0, int64_t{1} << 40, &c.sandbox.prefault_bytes);
       }},
      {"--worker-cpu-time", "INFIP_WORKER_CPU_TIME", Kind::kValue,
       "CPU time one worker may use, a backstop behind the wall-clock limits (default 6h)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.sandbox.cpu_time, ParseDurationText(t));
         if (c.sandbox.cpu_time < absl::Seconds(1)) {
           return absl::InvalidArgumentError("the CPU time must be at least 1s");
         }
         return absl::OkStatus();
       }},
      {"--worker-load-timeout", "INFIP_WORKER_LOAD_TIMEOUT", Kind::kValue,
       "wall-clock limit for checking and loading one model; past it the worker is killed "
       "and the request fails with DEADLINE_EXCEEDED (default 0: 60s + 60s per GiB of model)",
       [](std::string_view t, C& c) { return ParseTimeout(t, &c.sandbox.load_timeout); }},
      {"--worker-extract-timeout", "INFIP_WORKER_EXTRACT_TIMEOUT", Kind::kValue,
       "wall-clock limit for one extraction (default 0: 120s + 10s per key of 3x224x224 "
       "values, pro rata)",
       [](std::string_view t, C& c) { return ParseTimeout(t, &c.sandbox.extract_timeout); }},
      {"--archive-max-bytes", "INFIP_ARCHIVE_MAX_BYTES", Kind::kValue,
       "largest total uncompressed size of a model archive (default: 2 x --max-upload-bytes)",
       [](std::string_view t, C& c) {
         return CheckedBytes(t, 1, int64_t{1} << 42, &c.sandbox.archive_max_bytes);
       }},
      {"--archive-max-ratio", "INFIP_ARCHIVE_MAX_RATIO", Kind::kValue,
       "largest compression ratio of one archive entry (default 200)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(c.sandbox.archive_max_ratio, ParseNumber(t));
         if (c.sandbox.archive_max_ratio < 1) {
           return absl::InvalidArgumentError("the ratio must be at least 1");
         }
         return absl::OkStatus();
       }},
      {"--archive-max-entries", "INFIP_ARCHIVE_MAX_ENTRIES", Kind::kValue,
       "most entries in a model archive (default 20000)",
       [](std::string_view t, C& c) {
         return CheckedInt(t, 1, 10'000'000, &c.sandbox.archive_max_entries);
       }},
      {"--no-source-scan", "INFIP_NO_SOURCE_SCAN", Kind::kSwitch,
       "do not refuse models whose TorchScript source defines __setstate__ or calls file "
       "operations; the worker's confinement is then the only control (default: scan)",
       [](std::string_view t, C& c) {
         INFIP_ASSIGN_OR_RETURN(bool off, ParseBool(t));
         c.sandbox.source_scan = !off;
         return absl::OkStatus();
       }},
  };
}

}  // namespace infip::server
