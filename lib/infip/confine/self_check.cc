#include "infip/confine/self_check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "infip/confine/child_process.h"
#include "infip/confine/confinement.h"
#include "infip/confine/descriptors.h"
#include "infip/confine/forbidden_syscall.h"

namespace infip::confine {
namespace {

// How a probe's child ends when it did not die: 0 the attempt worked, 1 it was refused (the
// child wrote "probe: <what>" first), kApplyFailed confinement itself failed.
constexpr int kAttemptSucceeded = 0;
constexpr int kAttemptRefused = 1;
constexpr int kApplyFailed = 3;
constexpr absl::string_view kProbeLine = "probe: ";
constexpr absl::string_view kApplyFailedLine = "confinement failed: ";
constexpr int64_t kMiB = int64_t{1} << 20;

int Say(absl::string_view prefix, absl::string_view what, int code) {
  const std::string line = absl::StrCat(prefix, what, "\n");
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return code;
}
int Succeeded(absl::string_view what) { return Say(kProbeLine, what, kAttemptSucceeded); }
int Refused(absl::string_view what) { return Say(kProbeLine, what, kAttemptRefused); }
int RefusedErrno(int error) { return Refused(::strerrorname_np(error)); }

// The text after the last `prefix` line of `output`, or "".
std::string LastLine(const std::string& output, absl::string_view prefix) {
  const size_t at = output.rfind(prefix.data(), std::string::npos, prefix.size());
  if (at == std::string::npos) return "";
  const size_t end = output.find('\n', at);
  return output.substr(at + prefix.size(),
                       end == std::string::npos ? std::string::npos : end - at - prefix.size());
}

struct Probe {
  std::string name;
  std::string layer;     // what refused it, appended to an errno or signal: "(Landlock)"
  int stop_signal = 0;   // a death by this signal means stopped (SIGXCPU, SIGXFSZ)
  std::vector<int> fds;  // the probe's own descriptors, kept in the child
  std::function<int()> attempt;
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  std::string skip_reason;  // set: not run
  std::string setup_error;  // set: the parent could not prepare it
};

std::string WithLayer(std::string what, const std::string& layer) {
  return layer.empty() ? what : absl::StrCat(what, " (", layer, ")");
}

ProbeResult Judge(const Probe& probe, const ChildOutcome& outcome) {
  ProbeResult result;
  result.name = probe.name;
  const std::string line = LastLine(outcome.output, kProbeLine);
  if (outcome.timed_out) {
    result.how = "timed out: NOT STOPPED";
  } else if (outcome.exited && outcome.exit_code == kForbiddenSyscallExit) {
    result.stopped = true;
    result.how = outcome.forbidden_syscall.has_value() ? outcome.Describe()
                                                       : "SIGSYS (exit 159, no report line)";
  } else if (outcome.exited && outcome.exit_code == kAttemptSucceeded) {
    result.how =
        line.empty() ? "exit 0: NOT STOPPED" : absl::StrCat("exit 0: NOT STOPPED (", line, ")");
  } else if (outcome.exited && outcome.exit_code == kAttemptRefused) {
    result.stopped = true;
    result.how = WithLayer(line, probe.layer);
  } else if (outcome.exited && outcome.exit_code == kApplyFailed) {
    result.how = absl::StrCat(kApplyFailedLine, LastLine(outcome.output, kApplyFailedLine));
  } else if (outcome.exited) {
    result.how = absl::StrCat("exit ", outcome.exit_code, ": unexpected (", line, ")");
  } else if (probe.stop_signal != 0 && outcome.signal == probe.stop_signal) {
    result.stopped = true;
    result.how = WithLayer(outcome.Describe(), probe.layer);
  } else {
    result.how = absl::StrCat(outcome.Describe(), ": the probe crashed");
  }
  return result;
}

ProbeResult Run(const Policy& policy, const Probe& probe) {
  if (!probe.skip_reason.empty()) {
    return ProbeResult{probe.name, false, true, absl::StrCat("skipped: ", probe.skip_reason)};
  }
  if (!probe.setup_error.empty()) {
    return ProbeResult{probe.name, false, false,
                       absl::StrCat("probe setup failed: ", probe.setup_error)};
  }
  Policy confined = policy;
  confined.keep_fds.push_back(STDERR_FILENO);
  confined.keep_fds.insert(confined.keep_fds.end(), probe.fds.begin(), probe.fds.end());
  absl::StatusOr<ChildOutcome> outcome = RunInChild(
      [&] {
        absl::StatusOr<Report> report = Apply(confined);
        if (!report.ok()) return Say(kApplyFailedLine, report.status().ToString(), kApplyFailed);
        return probe.attempt();
      },
      probe.timeout);
  if (!outcome.ok()) {
    return ProbeResult{probe.name, false, false,
                       absl::StrCat("probe failed to run: ", outcome.status().ToString())};
  }
  return Judge(probe, *outcome);
}

// The parent's side of the probes: a temporary directory with the files and sockets the
// children aim at, removed when the check is over.
class Fixture {
 public:
  Fixture() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/infip-self-check-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      error_ = absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno));
      return;
    }
    dir_ = pattern;
    std::ofstream(Path("signing-key-stand-in")) << "not a key, but as secret as one\n";
    file_ = UniqueFd(::open(Path("file-size").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    unrelated_ = UniqueFd(::open("/dev/null", O_RDONLY));
    SetUpSockets();
  }
  ~Fixture() {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  [[nodiscard]] std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int file() const { return file_.get(); }
  [[nodiscard]] int unrelated() const { return unrelated_.get(); }
  [[nodiscard]] int client() const { return client_.get(); }
  [[nodiscard]] const sockaddr_un& address() const { return address_; }

 private:
  void SetUpSockets() {
    const std::string path = Path("probe.sock");
    if (path.size() >= sizeof(address_.sun_path)) return;
    address_.sun_family = AF_UNIX;
    std::memcpy(address_.sun_path, path.c_str(), path.size() + 1);
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_.valid() ||
        ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address_), sizeof address_) !=
            0 ||
        ::listen(listener_.get(), 4) != 0) {
      return;
    }
    client_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM, 0));
  }

  std::string dir_;
  std::string error_;
  UniqueFd file_;
  UniqueFd unrelated_;
  UniqueFd listener_;  // the socket the connect probe aims at; a connect to it would succeed
  UniqueFd client_;
  sockaddr_un address_{};
};

double CpuSeconds() {
  timespec used{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

Probe MakeProbe(std::string name, std::string layer, std::function<int()> attempt) {
  Probe probe;
  probe.name = std::move(name);
  probe.layer = std::move(layer);
  probe.attempt = std::move(attempt);
  return probe;
}

std::vector<Probe> FileProbes(const Fixture& fixture) {
  std::vector<Probe> probes;
  probes.push_back(MakeProbe("write-file", "Landlock", [f = &fixture] {
    const int fd = ::open(f->Path("written-by-probe").c_str(), O_WRONLY | O_CREAT, 0600);
    if (fd < 0) return RefusedErrno(errno);
    return Succeeded("created a file");
  }));
  probes.push_back(MakeProbe("read-outside", "Landlock", [f = &fixture] {
    const int fd = ::open(f->Path("signing-key-stand-in").c_str(), O_RDONLY);
    if (fd < 0) return RefusedErrno(errno);
    char buffer[64];
    return Succeeded(
        absl::StrCat("read ", ::read(fd, buffer, sizeof buffer), " bytes of the secret"));
  }));
  return probes;
}

std::vector<Probe> ProcessProbes() {
  std::vector<Probe> probes;
  probes.push_back(MakeProbe("exec", "", [] {
    ::execl("/bin/true", "true", static_cast<char*>(nullptr));
    return RefusedErrno(errno);
  }));
  probes.push_back(MakeProbe("fork", "", [] {
    const pid_t pid = ::fork();
    if (pid < 0) return RefusedErrno(errno);
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    return Succeeded("forked a child");
  }));
  probes.push_back(MakeProbe("ptrace", "", [] {
    if (::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr) != 0) return RefusedErrno(errno);
    ::ptrace(PTRACE_DETACH, ::getppid(), nullptr, nullptr);
    return Succeeded("attached to the parent");
  }));
  probes.push_back(MakeProbe("kill-parent", "", [] {
    if (::kill(::getppid(), 0) != 0) return RefusedErrno(errno);
    return Succeeded("may signal the parent");
  }));
  return probes;
}

std::vector<Probe> NetworkProbes(const Fixture& fixture) {
  std::vector<Probe> probes;
  probes.push_back(MakeProbe("socket-inet", "", [] {
    if (::socket(AF_INET, SOCK_STREAM, 0) < 0) return RefusedErrno(errno);
    return Succeeded("made an AF_INET socket");
  }));
  probes.push_back(MakeProbe("socket-unix", "seccomp", [] {
    if (::socket(AF_UNIX, SOCK_STREAM, 0) < 0) return RefusedErrno(errno);
    return Succeeded("made an AF_UNIX socket");
  }));
  Probe connect = MakeProbe("connect", "", [f = &fixture] {
    const sockaddr_un& address = f->address();
    if (::connect(f->client(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      return RefusedErrno(errno);
    }
    return Succeeded("connected to the parent's socket");
  });
  connect.fds = {fixture.client()};
  if (fixture.client() < 0) connect.setup_error = "no AF_UNIX socket to connect with";
  probes.push_back(std::move(connect));
  return probes;
}

std::vector<Probe> LimitProbes(const Policy& policy, const Fixture& fixture) {
  std::vector<Probe> probes;
  Probe memory = MakeProbe(
      "memory", policy.memory_as_data ? "RLIMIT_DATA" : "RLIMIT_AS", [limit = policy.memory_bytes] {
        constexpr int64_t kChunk = 16 * kMiB;
        std::vector<void*> chunks;
        chunks.reserve(static_cast<size_t>(limit / kChunk + 8));
        int64_t total = 0;
        while (total <= limit + 4 * kChunk) {
          void* chunk = std::malloc(kChunk);
          if (chunk == nullptr) return Refused(absl::StrCat("ENOMEM after ", total / kMiB, " MiB"));
          std::memset(chunk, 0x5a, kChunk);  // touched, not only reserved
          chunks.push_back(chunk);
          total += kChunk;
        }
        return Succeeded(absl::StrCat("allocated and touched ", total / kMiB, " MiB"));
      });
  if (policy.memory_bytes == 0) memory.skip_reason = "the policy sets no memory limit";
  probes.push_back(std::move(memory));

  Probe file_size = MakeProbe("file-size", "RLIMIT_FSIZE", [f = &fixture] {
    if (::write(f->file(), "x", 1) != 1) return RefusedErrno(errno);
    return Succeeded("wrote to a file");
  });
  file_size.stop_signal = SIGXFSZ;
  file_size.fds = {fixture.file()};
  if (fixture.file() < 0) file_size.setup_error = "could not open a file for writing";
  probes.push_back(std::move(file_size));

  Probe cpu = MakeProbe("cpu", "RLIMIT_CPU", [seconds = policy.cpu_seconds] {
    const double until = CpuSeconds() + static_cast<double>(seconds) + 3.0;
    while (CpuSeconds() < until) {
    }
    return Succeeded(absl::StrCat("spun ", seconds + 3, " s of CPU"));
  });
  cpu.stop_signal = SIGXCPU;
  cpu.timeout = std::chrono::seconds(policy.cpu_seconds + 60);
  if (policy.cpu_seconds == 0) cpu.skip_reason = "the policy sets no CPU limit";
  probes.push_back(std::move(cpu));
  return probes;
}

std::vector<Probe> PropertyProbes(const Fixture& fixture) {
  std::vector<Probe> probes;
  probes.push_back(MakeProbe("no-new-privs", "", [] {
    const int value = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    const std::string line = absl::StrCat("PR_GET_NO_NEW_PRIVS = ", value);
    return value == 1 ? Refused(line) : Succeeded(line);
  }));
  Probe fds = MakeProbe("fds-closed", "descriptor closed", [f = &fixture] {
    if (::fcntl(f->unrelated(), F_GETFD) < 0) return RefusedErrno(errno);
    return Succeeded("an unlisted descriptor is still open");
  });
  if (fixture.unrelated() < 0) fds.setup_error = "could not open /dev/null";
  probes.push_back(std::move(fds));
  return probes;
}

}  // namespace

std::vector<ProbeResult> RunSelfCheck(const Policy& policy) {
  const Fixture fixture;
  std::vector<Probe> probes;
  for (std::vector<Probe> group : {FileProbes(fixture), ProcessProbes(), NetworkProbes(fixture),
                                   LimitProbes(policy, fixture), PropertyProbes(fixture)}) {
    for (Probe& probe : group) probes.push_back(std::move(probe));
  }
  std::vector<ProbeResult> results;
  for (Probe& probe : probes) {
    if (!fixture.error().empty() && probe.skip_reason.empty()) probe.setup_error = fixture.error();
    results.push_back(Run(policy, probe));
  }
  return results;
}

std::string FormatSelfCheck(const std::vector<ProbeResult>& results) {
  std::string table = absl::StrFormat("%-14s %-12s %s\n", "probe", "verdict", "how");
  int stopped = 0;
  int not_stopped = 0;
  int skipped = 0;
  for (const ProbeResult& result : results) {
    const char* verdict = result.skipped ? "skipped" : result.stopped ? "stopped" : "NOT STOPPED";
    (result.skipped ? skipped : result.stopped ? stopped : not_stopped) += 1;
    absl::StrAppendFormat(&table, "%-14s %-12s %s\n", result.name, verdict, result.how);
  }
  absl::StrAppendFormat(&table, "%d probes: %d stopped, %d NOT STOPPED, %d skipped\n",
                        results.size(), stopped, not_stopped, skipped);
  return table;
}

}  // namespace infip::confine
