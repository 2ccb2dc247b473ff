#include "infip/confine/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "infip/confine/descriptors.h"
#include "infip/confine/forbidden_syscall.h"

namespace infip::confine {
namespace {

// The exit status of a child whose body threw: the body's own codes stay unambiguous.
constexpr int kBodyThrewExit = 126;

[[noreturn]] void RunChild(const std::function<int()>& body, int stderr_pipe) {
  if (stderr_pipe == STDERR_FILENO) {
    // dup2 onto itself would keep the pipe's close-on-exec flag.
    ::fcntl(STDERR_FILENO, F_SETFD, 0);
  } else {
    if (::dup2(stderr_pipe, STDERR_FILENO) < 0) ::_exit(kBodyThrewExit);
    ::close(stderr_pipe);
  }
  int code = kBodyThrewExit;
  try {
    code = body();
  } catch (...) {
  }
  ::_exit(code);
}

// Reads the child's stderr until it closes (the child exited) or the deadline passes.
bool Drain(int fd, std::chrono::steady_clock::time_point deadline, std::string& output) {
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd poll_fd{fd, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    output.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

std::string ChildOutcome::Describe() const {
  if (timed_out) return "timed out";
  if (exited && exit_code == kForbiddenSyscallExit && forbidden_syscall.has_value()) {
    return absl::StrCat("SIGSYS: forbidden syscall ", *forbidden_syscall, " (",
                        SyscallName(*forbidden_syscall), ")");
  }
  if (exited) return absl::StrCat("exit ", exit_code);
  const char* name = ::sigabbrev_np(signal);
  return name != nullptr ? absl::StrCat("signal SIG", name) : absl::StrCat("signal ", signal);
}

absl::StatusOr<ChildOutcome> RunInChild(const std::function<int()>& body,
                                        std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) RunChild(body, write_end.get());
  write_end.Reset();  // so that the read end sees EOF when the child is gone

  ChildOutcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!Drain(read_end.get(), deadline, outcome.output)) {
    outcome.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
  }
  if (outcome.timed_out) return outcome;
  if (WIFEXITED(status)) {
    outcome.exited = true;
    outcome.exit_code = WEXITSTATUS(status);
    if (outcome.exit_code == kForbiddenSyscallExit) {
      outcome.forbidden_syscall = ParseForbiddenSyscall(outcome.output);
    }
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

}  // namespace infip::confine
