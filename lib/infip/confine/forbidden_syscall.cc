#include "infip/confine/forbidden_syscall.h"

#include <seccomp.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace infip::confine {
namespace {

// Writes all of `text`, retrying short writes; gives up silently (nothing else is possible).
void WriteAll(int fd, const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, text, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text += n;
    size -= static_cast<size_t>(n);
  }
}

void OnForbiddenSyscall(int /*signal*/, siginfo_t* info, void* /*context*/) {
  // Async-signal-safe only: no allocation, no stdio, no locale.
  char line[96];
  size_t length = kForbiddenSyscallPrefix.size();
  std::memcpy(line, kForbiddenSyscallPrefix.data(), length);
  long nr = info != nullptr ? info->si_syscall : -1;
  if (nr < 0) {
    line[length++] = '-';
    nr = -nr;
  }
  char digits[24];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + nr % 10);
    nr /= 10;
  } while (nr > 0 && count < sizeof digits);
  while (count > 0) line[length++] = digits[--count];
  line[length++] = '\n';
  WriteAll(STDERR_FILENO, line, length);
  ::_exit(kForbiddenSyscallExit);
}

}  // namespace

absl::Status InstallForbiddenSyscallReporter() {
  struct sigaction action {};
  action.sa_sigaction = OnForbiddenSyscall;
  action.sa_flags = SA_SIGINFO;
  sigfillset(&action.sa_mask);
  if (::sigaction(SIGSYS, &action, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("sigaction SIGSYS: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::optional<int> ParseForbiddenSyscall(std::string_view stderr_text) {
  std::optional<int> last;
  size_t at = 0;
  while ((at = stderr_text.find(kForbiddenSyscallPrefix, at)) != std::string_view::npos) {
    // A report starts a line: the handler writes it whole, after whatever came before.
    const bool line_start = at == 0 || stderr_text[at - 1] == '\n';
    const size_t number_at = at + kForbiddenSyscallPrefix.size();
    const size_t end = stderr_text.find('\n', number_at);
    at = number_at;
    if (!line_start || end == std::string_view::npos) continue;  // not a complete report line
    int nr = 0;
    const std::string_view number = stderr_text.substr(number_at, end - number_at);
    if (absl::SimpleAtoi(absl::string_view(number.data(), number.size()), &nr)) last = nr;
  }
  return last;
}

std::string SyscallName(int nr) {
  // Negative numbers are libseccomp's pseudo-syscalls, never a real call.
  char* name = nr >= 0 ? seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr) : nullptr;
  if (name == nullptr) return absl::StrCat("syscall ", nr);
  std::string result(name);
  std::free(name);  // libseccomp allocates the name with malloc
  return result;
}

}  // namespace infip::confine
