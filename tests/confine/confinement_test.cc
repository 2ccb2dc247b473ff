// Apply, every layer together, in children: what the Report says, that the things a worker
// needs still work afterwards (reading beneath a readable path, threads, memory under the
// limit, receiving its model as a descriptor over a socketpair made before, signalling
// itself), that threads started before Apply are confined too, and how bad policies fail.
#include "infip/confine/confinement.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "confine/confine_test_util.h"
#include "infip/confine/landlock.h"
#include "scratch_dir.h"

namespace infip::confine {
namespace {

using testing::Child;
using testing::ChildFailure;
using testing::ChildSay;
using testing::ExpectForbidden;
using testing::ProcStatusBytes;

constexpr int64_t kMiB = int64_t{1} << 20;

// Apply's first irreversible steps did not happen: a descriptor the policy does not keep is
// still open (step 2), and regular files may still grow (step 3). (no_new_privs is no witness:
// a CI runner may start every process with it.)
bool NothingEnforced(int unlisted_fd) {
  rlimit fsize{};
  ::getrlimit(RLIMIT_FSIZE, &fsize);
  return unlisted_fd >= 0 && ::fcntl(unlisted_fd, F_GETFD) >= 0 && fsize.rlim_cur != 0;
}

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_SECCOMP();
    readable_ = scratch_.MakeDir("readable");
    std::ofstream(readable_ + "/keys.npy") << "key images";
    outside_ = scratch_.MakeDir("outside");
    std::ofstream(outside_ + "/model.pt") << "untrusted model bytes";
  }

  // The policy a worker would use, reading beneath `readable_` besides the defaults.
  [[nodiscard]] Policy WorkerPolicy() const {
    Policy policy;
    policy.readable_paths = DefaultReadablePaths();
    policy.readable_paths.push_back(readable_);
    policy.keep_fds = {STDERR_FILENO};
    return policy;
  }

  infip::testing::ScratchDir scratch_;
  std::string readable_;
  std::string outside_;
};

TEST_F(ApplyTest, ReportSaysWhatTookEffect) {
  const int abi = ProbeLandlock().abi;
  const Policy policy = WorkerPolicy();
  const ChildOutcome outcome = Child([&policy, abi] {
    absl::StatusOr<Report> report = Apply(policy);
    CHILD_ASSERT_OK(report.status());
    ChildSay(report->Describe());
    CHILD_ASSERT(report->no_new_privs);
    CHILD_ASSERT(report->seccomp);
    CHILD_ASSERT(report->landlock_abi == abi);
    CHILD_ASSERT(abi == 0 ? absl::StartsWith(report->landlock_note, "Landlock unavailable (")
                          : absl::StartsWith(report->landlock_note, "read-only beneath "));
    CHILD_ASSERT(report->limits == "RLIMIT_NOFILE 64, RLIMIT_FSIZE 0, RLIMIT_CORE 0");
    CHILD_ASSERT(absl::StrContains(report->Describe(), "seccomp deny-list on every thread"));
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(ApplyTest, WhatTheWorkerNeedsStillWorks) {
  Policy policy = WorkerPolicy();
  policy.memory_bytes = ProcStatusBytes("VmSize") + 512 * kMiB;
  policy.cpu_seconds = 60;
  const std::string keys = readable_ + "/keys.npy";
  const std::string model = outside_ + "/model.pt";
  const ChildOutcome outcome = Child([&] {
    // The IPC socketpair exists before confinement; the "server" (a process started before,
    // as the pool's parent would be) hands the model over as a descriptor afterwards.
    int sv[2];
    CHILD_ASSERT(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    const pid_t server = ::fork();
    CHILD_ASSERT(server >= 0);
    if (server == 0) {
      char go;
      if (::read(sv[0], &go, 1) != 1) ::_exit(1);
      const int fd = ::open(model.c_str(), O_RDONLY);
      char data = 'm';
      iovec io{&data, 1};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
      msghdr message{};
      message.msg_iov = &io;
      message.msg_iovlen = 1;
      message.msg_control = control;
      message.msg_controllen = sizeof control;
      cmsghdr* header = CMSG_FIRSTHDR(&message);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
      ::_exit(::sendmsg(sv[0], &message, 0) == 1 ? 0 : 1);
    }
    Policy confined = policy;
    confined.keep_fds.push_back(sv[1]);
    absl::StatusOr<Report> report = Apply(confined);
    CHILD_ASSERT_OK(report.status());

    // Reading beneath a readable path.
    const int keys_fd = ::open(keys.c_str(), O_RDONLY);
    CHILD_ASSERT(keys_fd >= 0);
    // Receiving the model as a descriptor (recvmsg with SCM_RIGHTS).
    CHILD_ASSERT(::write(sv[1], "g", 1) == 1);
    char data = 0;
    iovec io{&data, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    CHILD_ASSERT(::recvmsg(sv[1], &message, MSG_CMSG_CLOEXEC) == 1);
    const cmsghdr* header = CMSG_FIRSTHDR(&message);
    CHILD_ASSERT(header != nullptr && header->cmsg_type == SCM_RIGHTS);
    int model_fd = -1;
    std::memcpy(&model_fd, CMSG_DATA(header), sizeof model_fd);
    char bytes[32] = {};
    CHILD_ASSERT(::read(model_fd, bytes, sizeof bytes - 1) > 0);
    CHILD_ASSERT(std::string(bytes) == "untrusted model bytes");
    int status = 0;
    CHILD_ASSERT(::waitpid(server, &status, 0) == server && WIFEXITED(status) &&
                 WEXITSTATUS(status) == 0);
    // Threads, after Apply (glibc falls back from clone3 to clone).
    pthread_t thread;
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr) == 0);
    CHILD_ASSERT(::pthread_join(thread, nullptr) == 0);
    // Memory under the limit, by malloc and by mmap, touched.
    void* block = std::malloc(64 * kMiB);
    CHILD_ASSERT(block != nullptr);
    std::memset(block, 1, 64 * kMiB);
    void* mapped =
        ::mmap(nullptr, 64 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHILD_ASSERT(mapped != MAP_FAILED);
    std::memset(mapped, 1, 64 * kMiB);
    // Signalling itself.
    CHILD_ASSERT(::kill(::getpid(), 0) == 0);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

// A thread that LibTorch's pools would have started before Apply: waits, then acts.
struct Pending {
  std::atomic<bool> go{false};
  std::string path;
};

TEST_F(ApplyTest, ThreadStartedBeforeApplyIsUnderSeccomp) {
  const Policy policy = WorkerPolicy();
  const ChildOutcome outcome = Child([&policy] {
    static Pending pending;
    pthread_t thread;
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr,
                     [](void*) -> void* {
                       while (!pending.go.load()) ::usleep(1000);
                       ::socket(AF_INET, SOCK_STREAM, 0);
                       return nullptr;
                     },
                     nullptr) == 0);
    CHILD_ASSERT_OK(Apply(policy).status());
    pending.go.store(true);
    ::pthread_join(thread, nullptr);
    return ChildFailure("the earlier thread's socket() was not trapped", __LINE__);
  });
  ExpectForbidden(outcome, __NR_socket);
}

TEST_F(ApplyTest, ThreadStartedBeforeApplyIsUnderLandlock) {
  SKIP_WITHOUT_LANDLOCK();
  const Policy policy = WorkerPolicy();
  const std::string secret = outside_ + "/model.pt";
  const ChildOutcome outcome = Child([&policy, &secret] {
    static Pending pending;
    static std::atomic<int> error{0};
    pending.path = secret;
    pthread_t thread;
    CHILD_ASSERT(::pthread_create(
                     &thread, nullptr,
                     [](void*) -> void* {
                       while (!pending.go.load()) ::usleep(1000);
                       error.store(::open(pending.path.c_str(), O_RDONLY) < 0 ? errno : 0);
                       return nullptr;
                     },
                     nullptr) == 0);
    absl::StatusOr<Report> report = Apply(policy);
    CHILD_ASSERT_OK(report.status());
    ChildSay(report->landlock_note);
    pending.go.store(true);
    ::pthread_join(thread, nullptr);
    CHILD_ASSERT(error.load() == EACCES);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(ApplyTest, MemoryAsDataSetsRlimitData) {
  Policy policy = WorkerPolicy();
  policy.memory_as_data = true;
  policy.memory_bytes = ProcStatusBytes("VmData") + 256 * kMiB;
  const ChildOutcome outcome = Child([&policy] {
    absl::StatusOr<Report> report = Apply(policy);
    CHILD_ASSERT_OK(report.status());
    CHILD_ASSERT(
        absl::StartsWith(report->limits, absl::StrCat("RLIMIT_DATA ", policy.memory_bytes)));
    CHILD_ASSERT(std::malloc(512 * kMiB) == nullptr);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

// Each bad policy fails before anything is enforced; run in a child all the same.
TEST_F(ApplyTest, BadPoliciesFailWithPreciseCodes) {
  const ChildOutcome outcome = Child([this] {
    const int unlisted = ::open("/dev/null", O_RDONLY);
    Policy negative = WorkerPolicy();
    negative.memory_bytes = -1;
    CHILD_ASSERT(Apply(negative).status().code() == absl::StatusCode::kInvalidArgument);
    Policy bad_fd = WorkerPolicy();
    bad_fd.keep_fds.push_back(-3);
    CHILD_ASSERT(Apply(bad_fd).status().code() == absl::StatusCode::kInvalidArgument);
    Policy relative = WorkerPolicy();
    relative.readable_paths.push_back("usr/lib");
    CHILD_ASSERT(Apply(relative).status().code() == absl::StatusCode::kInvalidArgument);
    Policy missing = WorkerPolicy();
    missing.readable_paths.push_back(outside_ + "/nonexistent");
    CHILD_ASSERT(Apply(missing).status().code() == absl::StatusCode::kNotFound);
    CHILD_ASSERT(NothingEnforced(unlisted));
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(ApplyTest, RequireLandlockSucceedsWhereTheKernelHasIt) {
  SKIP_WITHOUT_LANDLOCK();
  Policy policy = WorkerPolicy();
  policy.require_landlock = true;
  const ChildOutcome outcome = Child([&policy] {
    absl::StatusOr<Report> report = Apply(policy);
    CHILD_ASSERT_OK(report.status());
    CHILD_ASSERT(report->landlock_abi > 0);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(ApplyTest, RequireLandlockFailsWhereTheKernelLacksIt) {
  const LandlockSupport support = ProbeLandlock();
  if (support.abi > 0) {
    GTEST_SKIP() << "this kernel has Landlock ABI " << support.abi
                 << "; the failure path needs a kernel without it";
  }
  Policy policy = WorkerPolicy();
  policy.require_landlock = true;
  const ChildOutcome outcome = Child([&policy] {
    const int unlisted = ::open("/dev/null", O_RDONLY);
    const absl::Status status = Apply(policy).status();
    ChildSay(status.ToString());
    CHILD_ASSERT(status.code() == absl::StatusCode::kFailedPrecondition);
    CHILD_ASSERT(NothingEnforced(unlisted));
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

}  // namespace
}  // namespace infip::confine
