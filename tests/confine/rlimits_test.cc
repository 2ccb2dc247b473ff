// ApplyResourceLimits, measured in children: what each limit stops, and what it still allows.
#include "infip/confine/rlimits.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "confine/confine_test_util.h"
#include "scratch_dir.h"

namespace infip::confine {
namespace {

using testing::Child;
using testing::ChildSay;
using testing::ProcStatusBytes;

constexpr int64_t kMiB = int64_t{1} << 20;

// Allocates and touches `bytes`; false when the allocation fails.
bool Touch(int64_t bytes) {
  void* p = std::malloc(static_cast<size_t>(bytes));
  if (p == nullptr) return false;
  std::memset(p, 1, static_cast<size_t>(bytes));
  std::free(p);
  return true;
}

rlimit Get(int resource) {
  rlimit limit{};
  ::getrlimit(resource, &limit);
  return limit;
}

TEST(ResourceLimits, AddressSpaceStopsAllocationsPastTheLimit) {
  const ChildOutcome outcome = Child([] {
    Policy policy;
    policy.memory_bytes = ProcStatusBytes("VmSize") + 64 * kMiB;
    absl::StatusOr<std::string> limits = ApplyResourceLimits(policy);
    CHILD_ASSERT(limits.ok());
    CHILD_ASSERT(limits->find(absl::StrCat("RLIMIT_AS ", policy.memory_bytes)) == 0);
    CHILD_ASSERT(Get(RLIMIT_AS).rlim_cur == static_cast<rlim_t>(policy.memory_bytes));
    CHILD_ASSERT(Touch(16 * kMiB));  // under the limit: fine
    errno = 0;
    CHILD_ASSERT(std::malloc(128 * kMiB) == nullptr && errno == ENOMEM);
    // A PROT_NONE reservation counts too: this is why CUDA needs memory_as_data.
    CHILD_ASSERT(::mmap(nullptr, 1024 * kMiB, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST(ResourceLimits, DataLimitCountsWritableMemoryButNotReservations) {
  const ChildOutcome outcome = Child([] {
    Policy policy;
    policy.memory_as_data = true;
    policy.memory_bytes = ProcStatusBytes("VmData") + 64 * kMiB;
    absl::StatusOr<std::string> limits = ApplyResourceLimits(policy);
    CHILD_ASSERT(limits.ok());
    CHILD_ASSERT(limits->find(absl::StrCat("RLIMIT_DATA ", policy.memory_bytes)) == 0);
    CHILD_ASSERT(Get(RLIMIT_DATA).rlim_cur == static_cast<rlim_t>(policy.memory_bytes));
    // CUDA-style: a huge PROT_NONE reservation is not private writable memory.
    CHILD_ASSERT(::mmap(nullptr, 4096 * kMiB, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED);
    CHILD_ASSERT(Touch(16 * kMiB));
    errno = 0;
    CHILD_ASSERT(::mmap(nullptr, 128 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0) == MAP_FAILED &&
                 errno == ENOMEM);
    CHILD_ASSERT(std::malloc(128 * kMiB) == nullptr);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST(ResourceLimits, CpuLimitCountsFromTimeAlreadyUsedAndEndsInSigxcpu) {
  const ChildOutcome outcome = Child(
      [] {
        // Use some CPU first: the limit must count from here, not from zero.
        timespec used{};
        do {
          ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
        } while (used.tv_nsec < 300'000'000 && used.tv_sec == 0);
        Policy policy;
        policy.cpu_seconds = 1;
        absl::StatusOr<std::string> limits = ApplyResourceLimits(policy);
        CHILD_ASSERT(limits.ok());
        const rlimit cpu = Get(RLIMIT_CPU);
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
        const auto expected_soft = static_cast<rlim_t>(used.tv_sec + 1 + 1);  // rounded up, +1
        CHILD_ASSERT(cpu.rlim_cur == expected_soft);
        CHILD_ASSERT(cpu.rlim_max == expected_soft + 2);
        CHILD_ASSERT(limits->find(absl::StrCat("RLIMIT_CPU soft ", cpu.rlim_cur, " s hard ",
                                               cpu.rlim_max, " s")) != std::string::npos);
        for (;;) {  // spin until the kernel ends it
        }
      },
      std::chrono::seconds(90));
  EXPECT_FALSE(outcome.exited) << outcome.output;
  EXPECT_EQ(outcome.signal, SIGXCPU) << outcome.Describe() << "\n" << outcome.output;
}

TEST(ResourceLimits, NoRegularFileCanGrowButPipesStillWork) {
  infip::testing::ScratchDir dir;
  const std::string path = dir / "grown";
  const ChildOutcome outcome = Child([&path] {
    const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int pipe_fds[2];
    CHILD_ASSERT(file >= 0 && ::pipe(pipe_fds) == 0);
    CHILD_ASSERT(ApplyResourceLimits(Policy{}).ok());
    CHILD_ASSERT(Get(RLIMIT_FSIZE).rlim_max == 0 && Get(RLIMIT_CORE).rlim_max == 0);
    CHILD_ASSERT(::write(pipe_fds[1], "ok", 2) == 2);  // the worker's replies go to sockets
    ::signal(SIGXFSZ, SIG_IGN);                        // EFBIG instead of death, to check both
    CHILD_ASSERT(::write(file, "x", 1) < 0 && errno == EFBIG);
    ::signal(SIGXFSZ, SIG_DFL);
    ::write(file, "x", 1);
    return testing::ChildFailure("write past RLIMIT_FSIZE returned", __LINE__);
  });
  EXPECT_EQ(outcome.signal, SIGXFSZ) << outcome.Describe() << "\n" << outcome.output;
}

TEST(ResourceLimits, OpenFilesLimitEndsInEmfile) {
  const ChildOutcome outcome = Child([] {
    ::close(0);
    ::close(1);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    Policy policy;
    policy.max_open_files = 8;
    CHILD_ASSERT(ApplyResourceLimits(policy).ok());
    int opened = 0;
    while (::open("/dev/null", O_RDONLY) >= 0) ++opened;
    CHILD_ASSERT(errno == EMFILE);
    CHILD_ASSERT(opened == 7);  // 0, 1, 3..7: every number below 8 but fd 2
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST(ResourceLimits, NeverRaisesAHardLimit) {
  const ChildOutcome outcome = Child([] {
    const rlimit low{32, 32};
    CHILD_ASSERT(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    Policy policy;
    policy.max_open_files = 64;
    absl::StatusOr<std::string> limits = ApplyResourceLimits(policy);
    CHILD_ASSERT(limits.ok());
    CHILD_ASSERT(limits->find("RLIMIT_NOFILE 32") != std::string::npos);
    CHILD_ASSERT(Get(RLIMIT_NOFILE).rlim_max == 32);
    ChildSay(*limits);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST(ResourceLimits, NegativeLimitIsInvalidArgumentAndSetsNothing) {
  const ChildOutcome outcome = Child([] {
    const rlimit before = Get(RLIMIT_NOFILE);
    Policy policy;
    policy.max_open_files = 16;
    policy.cpu_seconds = -1;
    CHILD_ASSERT(ApplyResourceLimits(policy).status().code() == absl::StatusCode::kInvalidArgument);
    CHILD_ASSERT(Get(RLIMIT_NOFILE).rlim_cur == before.rlim_cur);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

}  // namespace
}  // namespace infip::confine
