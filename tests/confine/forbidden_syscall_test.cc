// ParseForbiddenSyscall and SyscallName on text, and the SIGSYS reporter for real: a child
// under the seccomp filter makes a forbidden call and must end with exit 159 and exactly the
// report line on its stderr.
#include "infip/confine/forbidden_syscall.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "confine/confine_test_util.h"

namespace infip::confine {
namespace {

using testing::Child;
using testing::ChildFailure;
using testing::ConfineWithSeccompOnly;
using testing::ExpectForbidden;

TEST(ParseForbiddenSyscall, NoneInOrdinaryOutput) {
  EXPECT_EQ(ParseForbiddenSyscall(""), std::nullopt);
  EXPECT_EQ(ParseForbiddenSyscall("loading model\nI0101 extraction done\n"), std::nullopt);
}

TEST(ParseForbiddenSyscall, OneLine) {
  EXPECT_EQ(ParseForbiddenSyscall("infip-worker: forbidden syscall 59\n"), 59);
}

TEST(ParseForbiddenSyscall, LastOfSeveralAmidOtherOutput) {
  EXPECT_EQ(ParseForbiddenSyscall("log line\ninfip-worker: forbidden syscall 41\nmore log\n"
                                  "infip-worker: forbidden syscall 257\ntrailing text"),
            257);
}

TEST(ParseForbiddenSyscall, IgnoresIncompleteAndMisplacedLines) {
  // Cut off before its newline: not a report the handler finished.
  EXPECT_EQ(ParseForbiddenSyscall("infip-worker: forbidden syscall 59"), std::nullopt);
  EXPECT_EQ(ParseForbiddenSyscall("infip-worker: forbidden syscall 41\n"
                                  "infip-worker: forbidden syscall 5"),
            41);
  // Not at the start of a line: something else quoting it.
  EXPECT_EQ(ParseForbiddenSyscall("model said infip-worker: forbidden syscall 59\n"), std::nullopt);
  EXPECT_EQ(ParseForbiddenSyscall("infip-worker: forbidden syscall execve\n"), std::nullopt);
  EXPECT_EQ(ParseForbiddenSyscall("infip-worker: forbidden syscall 5x9\n"), std::nullopt);
}

TEST(SyscallName, NamesNativeSyscalls) {
  EXPECT_EQ(SyscallName(__NR_execve), "execve");
  EXPECT_EQ(SyscallName(__NR_openat), "openat");
  EXPECT_EQ(SyscallName(__NR_socket), "socket");
  EXPECT_EQ(SyscallName(__NR_clone), "clone");
}

TEST(SyscallName, UnknownNumbers) {
  EXPECT_EQ(SyscallName(100000), "syscall 100000");
  EXPECT_EQ(SyscallName(-1), "syscall -1");
}

TEST(ForbiddenSyscallReporter, WritesExactlyOneLineAndExits159) {
  SKIP_WITHOUT_SECCOMP();
  const ChildOutcome outcome = Child([] {
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    ::syscall(SYS_execve, "/bin/true", nullptr, nullptr);
    return ChildFailure("execve returned", __LINE__);
  });
  ExpectForbidden(outcome, __NR_execve);
  EXPECT_EQ(outcome.output, "infip-worker: forbidden syscall 59\n");
  EXPECT_EQ(outcome.Describe(), "SIGSYS: forbidden syscall 59 (execve)");
}

TEST(ForbiddenSyscallReporter, EndsTheWholeProcessFromAnotherThread) {
  SKIP_WITHOUT_SECCOMP();
  const ChildOutcome outcome = Child([] {
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    pthread_t thread;
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr,
                     [](void*) -> void* {
                       ::socket(AF_INET, SOCK_STREAM, 0);
                       return nullptr;
                     },
                     nullptr) == 0);
    ::pthread_join(thread, nullptr);
    return ChildFailure("the process outlived the forbidden call", __LINE__);
  });
  ExpectForbidden(outcome, __NR_socket);
}

TEST(ForbiddenSyscallReporter, CannotBeReplacedOnceConfined) {
  SKIP_WITHOUT_SECCOMP();
  const ChildOutcome outcome = Child([] {
    CHILD_ASSERT_OK(ConfineWithSeccompOnly());
    struct sigaction current {};
    // Reading the disposition is allowed ...
    CHILD_ASSERT(::sigaction(SIGSYS, nullptr, &current) == 0);
    CHILD_ASSERT((current.sa_flags & SA_SIGINFO) != 0);
    // ... replacing it is not: a model must not silence the report.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGSYS, &ignore, nullptr);
    return ChildFailure("sigaction(SIGSYS) returned", __LINE__);
  });
  ExpectForbidden(outcome, __NR_rt_sigaction);
}

}  // namespace
}  // namespace infip::confine
