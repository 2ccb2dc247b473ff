#include "infip/sandbox/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "infip/common/status_macros.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace infip::sandbox {
namespace {

constexpr size_t kStderrTailBytes = 8192;

// What a worker's environment keeps of ours: where libraries and devices are, and thread
// settings a user made. Nothing else — no INFIP_* settings, no credentials.
constexpr const char* kPassedVariables[] = {"LD_LIBRARY_PATH",
                                            "CUDA_VISIBLE_DEVICES",
                                            "CUDA_DEVICE_ORDER",
                                            "OMP_NUM_THREADS",
                                            "MKL_NUM_THREADS",
                                            "OPENBLAS_NUM_THREADS",
                                            "LANG",
                                            "LC_ALL",
                                            "TZ"};

std::vector<std::string> WorkerEnvironment() {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                  // glibc would reserve 64 MiB of address space per arena,
                                  // which counts against the worker's address-space limit.
                                  "MALLOC_ARENA_MAX=2"};
  for (const char* name : kPassedVariables) {
    if (const char* value = std::getenv(name); value != nullptr) {
      env.push_back(absl::StrCat(name, "=", value));
    }
  }
  return env;
}

absl::StatusOr<std::string> MakeScratch(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  std::string templ = base + "/infip-worker-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot make a worker directory in ", base));
  }
  return templ;
}

// Keeps `fd` clear of the descriptor numbers the child's are dup2'ed to.
absl::Status MoveAbove(UniqueFd& fd, int floor) {
  if (fd.get() > floor) return absl::OkStatus();
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, floor + 1);
  if (moved < 0) return absl::ErrnoToStatus(errno, "fcntl");
  fd.Reset(moved);
  return absl::OkStatus();
}

}  // namespace

std::string WorkerExit::Describe() const {
  if (exited) return absl::StrCat("exit ", code);
  return absl::StrCat("signal ", signal, " (", strsignal(signal), ")");
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(const WorkerLaunch& launch) {
  UniqueFd ours, theirs;
  INFIP_RETURN_IF_ERROR(MakeSocketPair(&ours, &theirs));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  UniqueFd err_read(pipe_fds[0]), err_write(pipe_fds[1]);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  INFIP_RETURN_IF_ERROR(MoveAbove(theirs, 3));
  INFIP_RETURN_IF_ERROR(MoveAbove(err_write, 3));
  INFIP_ASSIGN_OR_RETURN(std::string scratch, MakeScratch(launch.scratch_parent));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 3);
  posix_spawn_file_actions_addchdir_np(&actions, scratch.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The server blocks its shutdown signals for a sigwait thread; a worker starts clean.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = {launch.binary, "--device", launch.device, "--prefault",
                                   std::to_string(launch.prefault_bytes)};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = WorkerEnvironment();
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, launch.binary.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
    return absl::UnavailableError(absl::StrCat("cannot start the sandboxed worker ", launch.binary,
                                               ": ", std::strerror(spawned)));
  }
  return std::unique_ptr<WorkerProcess>(
      new WorkerProcess(pid, std::move(ours), std::move(err_read), std::move(scratch)));
}

WorkerProcess::WorkerProcess(pid_t pid, UniqueFd channel, UniqueFd stderr_fd, std::string scratch)
    : pid_(pid),
      channel_(std::move(channel)),
      stderr_(std::move(stderr_fd)),
      scratch_(std::move(scratch)) {}

WorkerProcess::~WorkerProcess() { Kill(); }

void WorkerProcess::OnStderr(std::string_view bytes) {
  stderr_tail_.append(bytes);
  if (stderr_tail_.size() > kStderrTailBytes) {
    stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
  }
  stderr_line_.append(bytes);
  size_t end;
  while ((end = stderr_line_.find('\n')) != std::string::npos) {
    spdlog::debug("worker {}: {}", pid_, stderr_line_.substr(0, end));
    stderr_line_.erase(0, end + 1);
  }
  if (stderr_line_.size() > kStderrTailBytes) stderr_line_.clear();
}

Wait WorkerProcess::MakeWait(std::function<absl::Status()> check) {
  Wait wait;
  wait.check = std::move(check);
  wait.drain_fd = stderr_.get();
  wait.on_drained = [this](std::string_view bytes) { OnStderr(bytes); };
  return wait;
}

absl::Status WorkerProcess::AwaitHello(absl::Duration timeout,
                                       const std::function<absl::Status()>& check) {
  const absl::Time deadline = absl::Now() + timeout;
  bool callers = false;  // did `check` end the wait?
  absl::StatusOr<Frame> frame =
      channel_.Receive(1 << 16, MakeWait([&]() -> absl::Status {
                         if (check) {
                           absl::Status go_on = check();
                           callers = !go_on.ok();
                           INFIP_RETURN_IF_ERROR(go_on);
                         }
                         if (absl::Now() >= deadline) {
                           return absl::DeadlineExceededError(
                               absl::StrCat("no Hello within ", absl::FormatDuration(timeout)));
                         }
                         return absl::OkStatus();
                       }));
  absl::Status status = frame.status();
  if (callers) {
    Kill();
    return status;
  }
  if (frame.ok()) {
    absl::StatusOr<Hello> hello = DecodeHello(frame->payload);
    if (frame->type != MessageType::kHello || !hello.ok()) {
      status = absl::InvalidArgumentError("the first message is not a Hello");
    } else if (hello->version != kProtocolVersion) {
      status = absl::InvalidArgumentError(
          absl::StrCat("it speaks protocol ", hello->version, ", this build ", kProtocolVersion));
    } else {
      hello_ = *std::move(hello);
      return absl::OkStatus();
    }
  }
  const WorkerExit end = Kill();
  return absl::UnavailableError(absl::StrCat("the sandboxed worker did not start (",
                                             status.message(), "; ", end.Describe(),
                                             "): ", StderrTail()));
}

WorkerExit WorkerProcess::Reap(bool wait) {
  if (reaped_) return exit_;
  int status = 0;
  rusage usage{};
  pid_t r;
  do {
    r = ::wait4(pid_, &status, wait ? 0 : WNOHANG, &usage);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return exit_;  // still running
  reaped_ = true;
  if (r == pid_) {
    exit_.exited = WIFEXITED(status);
    exit_.code = exit_.exited ? WEXITSTATUS(status) : 0;
    exit_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    exit_.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                        1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    exit_.max_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  }
  // Whatever it still had to say.
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(stderr_.get(), buffer, sizeof buffer)) > 0) {
    OnStderr(std::string_view(buffer, static_cast<size_t>(n)));
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch_, ec);
  return exit_;
}

bool WorkerProcess::Ended() {
  Reap(/*wait=*/false);
  return reaped_;
}

WorkerExit WorkerProcess::Kill() {
  if (!reaped_) ::kill(pid_, SIGKILL);
  return Reap(/*wait=*/true);
}

void WorkerProcess::SayBye() {
  if (!reaped_ && !bye_sent_) (void)channel_.Send(MessageType::kBye, "");
  bye_sent_ = true;
}

WorkerExit WorkerProcess::Finish(absl::Duration grace) {
  if (reaped_) return exit_;
  SayBye();
  const absl::Time deadline = absl::Now() + grace;
  while (!Ended() && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Kill();
}

}  // namespace infip::sandbox
