#include "infip/sandbox/worker_failure.h"

#include <csignal>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "infip/confine/forbidden_syscall.h"
#include "infip/sandbox/worker_job.h"
#include "spdlog/spdlog.h"

namespace infip::sandbox {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool SaysOutOfMemory(std::string_view text) {
  const absl::string_view t = View(text);
  return absl::StrContains(t, "bad_alloc") || absl::StrContains(t, "not enough memory") ||
         absl::StrContains(t, "Cannot allocate memory") || absl::StrContains(t, "out of memory");
}

// The last line of the worker's stderr, for messages.
std::string LastLine(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const size_t start = text.rfind('\n');
  std::string line(start == std::string_view::npos ? text : text.substr(start + 1));
  if (line.size() > 300) line.resize(300);
  return line;
}

}  // namespace

std::string ByteText(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30)) {
    return absl::StrFormat("%.1f GiB", static_cast<double>(bytes) / (int64_t{1} << 30));
  }
  return absl::StrFormat("%.0f MiB", static_cast<double>(bytes) / (int64_t{1} << 20));
}

absl::Status DescribeWorkerEnd(const WorkerExit& end, std::string_view doing,
                               const WorkerLimits& limits, std::string_view stderr_tail,
                               int64_t pid) {
  const absl::string_view stage = View(doing);
  const bool forbidden_exit = end.exited && end.code == confine::kForbiddenSyscallExit;
  if (forbidden_exit || (!end.exited && end.signal == SIGSYS)) {
    const std::optional<int> nr = confine::ParseForbiddenSyscall(stderr_tail);
    const std::string call = nr ? confine::SyscallName(*nr) : "a system call the filter denies";
    spdlog::warn("sandboxed worker {}: the model attempted the forbidden system call {} while {}",
                 pid, call, doing);
    return absl::PermissionDeniedError(
        absl::StrCat("the model attempted a forbidden operation (", call, ") while ", stage));
  }
  if (!end.exited && end.signal == SIGXFSZ) {
    spdlog::warn("sandboxed worker {}: the model tried to write a file while {}", pid, doing);
    return absl::PermissionDeniedError(
        absl::StrCat("the model attempted a forbidden operation (writing a file) while ", stage));
  }
  const double cpu_limit = absl::ToDoubleSeconds(limits.cpu_time);
  if (!end.exited && (end.signal == SIGXCPU ||
                      (end.signal == SIGKILL && cpu_limit > 0 && end.cpu_seconds >= cpu_limit))) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the model used more CPU time than a worker may (",
                     absl::FormatDuration(limits.cpu_time), ", --worker-cpu-time) while ", stage));
  }
  if (end.exited && end.code == kWorkerConfinementFailed) {
    return absl::InternalError(
        absl::StrCat("the sandboxed worker could not confine itself: ", LastLine(stderr_tail)));
  }
  if (limits.memory_bytes > 0 && SaysOutOfMemory(stderr_tail)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the model needs more memory than a worker may use (",
                     ByteText(limits.memory_bytes), ", --worker-memory) while ", stage));
  }
  if (!end.exited) {
    spdlog::warn("sandboxed worker {} ended by {} while {}: {}", pid, end.Describe(), doing,
                 LastLine(stderr_tail));
    return absl::InvalidArgumentError(absl::StrCat("the model crashed the sandboxed worker (",
                                                   end.Describe(), ") while ", stage));
  }
  return absl::InternalError(absl::StrCat("the sandboxed worker ended (", end.Describe(),
                                          ") without a reply while ", stage, ": ",
                                          LastLine(stderr_tail)));
}

}  // namespace infip::sandbox
