// RunSelfCheck for real: each probe's child is confined by Apply and must be stopped in the
// precise way its layer stops it. One run serves the fast probes; the CPU probe has its own.
#include "infip/confine/self_check.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "confine/confine_test_util.h"
#include "infip/confine/landlock.h"

namespace infip::confine {
namespace {

using testing::ProcStatusBytes;

constexpr int64_t kMiB = int64_t{1} << 20;

const ProbeResult* Find(const std::vector<ProbeResult>& results, const std::string& name) {
  const auto it = std::find_if(results.begin(), results.end(),
                               [&](const ProbeResult& r) { return r.name == name; });
  return it == results.end() ? nullptr : &*it;
}

std::string Sigsys(int nr) {
  return absl::StrCat("SIGSYS: forbidden syscall ", nr, " (", SyscallName(nr), ")");
}

class SelfCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    policy_.memory_bytes = ProcStatusBytes("VmSize") + 256 * kMiB;
    results_ = new std::vector<ProbeResult>(RunSelfCheck(policy_));
  }
  static void TearDownTestSuite() {
    delete results_;
    results_ = nullptr;
  }
  void SetUp() override { SKIP_WITHOUT_SECCOMP(); }

  // The probe's result, which must have been stopped exactly as `how` says.
  static void ExpectStopped(const std::string& name, const std::string& how) {
    const ProbeResult* result = Find(*results_, name);
    ASSERT_NE(result, nullptr) << name << "\n" << FormatSelfCheck(*results_);
    EXPECT_TRUE(result->stopped) << result->how;
    EXPECT_FALSE(result->skipped);
    EXPECT_EQ(result->how, how);
  }

  static Policy policy_;
  static std::vector<ProbeResult>* results_;
};

Policy SelfCheckTest::policy_;
std::vector<ProbeResult>* SelfCheckTest::results_ = nullptr;

TEST_F(SelfCheckTest, WriteFile) { ExpectStopped("write-file", Sigsys(__NR_openat)); }

TEST_F(SelfCheckTest, ReadOutside) {
  const LandlockSupport support = ProbeLandlock();
  if (support.abi == 0) {
    // Without Landlock nothing stops this read: the self-check must say so, not hide it.
    const ProbeResult* result = Find(*results_, "read-outside");
    ASSERT_NE(result, nullptr);
    EXPECT_FALSE(result->stopped);
    GTEST_SKIP() << "Landlock is unavailable (" << support.why_not
                 << "); read-outside reports: " << result->how;
  }
  ExpectStopped("read-outside", "EACCES (Landlock)");
}

TEST_F(SelfCheckTest, Exec) { ExpectStopped("exec", Sigsys(__NR_execve)); }
TEST_F(SelfCheckTest, Fork) { ExpectStopped("fork", Sigsys(__NR_clone)); }
TEST_F(SelfCheckTest, SocketInet) { ExpectStopped("socket-inet", Sigsys(__NR_socket)); }
TEST_F(SelfCheckTest, SocketUnix) { ExpectStopped("socket-unix", "EACCES (seccomp)"); }
TEST_F(SelfCheckTest, Connect) { ExpectStopped("connect", Sigsys(__NR_connect)); }
TEST_F(SelfCheckTest, Ptrace) { ExpectStopped("ptrace", Sigsys(__NR_ptrace)); }
TEST_F(SelfCheckTest, KillParent) { ExpectStopped("kill-parent", Sigsys(__NR_kill)); }
TEST_F(SelfCheckTest, FileSize) { ExpectStopped("file-size", "signal SIGXFSZ (RLIMIT_FSIZE)"); }
TEST_F(SelfCheckTest, NoNewPrivs) { ExpectStopped("no-new-privs", "PR_GET_NO_NEW_PRIVS = 1"); }
TEST_F(SelfCheckTest, FdsClosed) { ExpectStopped("fds-closed", "EBADF (descriptor closed)"); }

TEST_F(SelfCheckTest, Memory) {
  const ProbeResult* result = Find(*results_, "memory");
  ASSERT_NE(result, nullptr);
  EXPECT_TRUE(result->stopped) << result->how;
  // "ENOMEM after N MiB (RLIMIT_AS)", N below the limit's 256 MiB of headroom.
  ASSERT_TRUE(absl::StartsWith(result->how, "ENOMEM after ")) << result->how;
  ASSERT_TRUE(absl::EndsWith(result->how, " MiB (RLIMIT_AS)")) << result->how;
  int mib = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      result->how.substr(13, result->how.size() - 13 - std::string(" MiB (RLIMIT_AS)").size()),
      &mib))
      << result->how;
  EXPECT_LE(mib, 256);
}

TEST_F(SelfCheckTest, CpuIsSkippedWithoutALimit) {
  const ProbeResult* result = Find(*results_, "cpu");
  ASSERT_NE(result, nullptr);
  EXPECT_TRUE(result->skipped);
  EXPECT_FALSE(result->stopped);
  EXPECT_EQ(result->how, "skipped: the policy sets no CPU limit");
}

TEST_F(SelfCheckTest, TableListsEveryProbe) {
  const std::string table = FormatSelfCheck(*results_);
  for (const char* name :
       {"write-file", "read-outside", "exec", "fork", "socket-inet", "socket-unix", "connect",
        "ptrace", "kill-parent", "memory", "file-size", "cpu", "no-new-privs", "fds-closed"}) {
    EXPECT_TRUE(absl::StrContains(table, absl::StrCat("\n", name, " "))) << name << "\n" << table;
  }
  const bool landlock = ProbeLandlock().abi > 0;
  EXPECT_TRUE(absl::EndsWith(table, landlock ? "14 probes: 13 stopped, 0 NOT STOPPED, 1 skipped\n"
                                             : "14 probes: 12 stopped, 1 NOT STOPPED, 1 skipped\n"))
      << table;
}

TEST(SelfCheck, CpuProbeEndsInSigxcpu) {
  SKIP_WITHOUT_SECCOMP();
  Policy policy;
  policy.cpu_seconds = 1;
  const std::vector<ProbeResult> results = RunSelfCheck(policy);
  const ProbeResult* cpu = Find(results, "cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_TRUE(cpu->stopped) << cpu->how;
  EXPECT_EQ(cpu->how, "signal SIGXCPU (RLIMIT_CPU)");
  const ProbeResult* memory = Find(results, "memory");
  ASSERT_NE(memory, nullptr);
  EXPECT_TRUE(memory->skipped);
  EXPECT_EQ(memory->how, "skipped: the policy sets no memory limit");
}

// A policy Apply refuses: no probe may then count as stopped.
TEST(SelfCheck, FailedConfinementIsNeverReportedAsStopped) {
  Policy policy;
  policy.readable_paths = {"relative/path"};
  const std::vector<ProbeResult> results = RunSelfCheck(policy);
  ASSERT_EQ(results.size(), 14u);
  for (const ProbeResult& result : results) {
    EXPECT_FALSE(result.stopped) << result.name << ": " << result.how;
    if (result.skipped) continue;
    EXPECT_TRUE(absl::StartsWith(result.how, "confinement failed: INVALID_ARGUMENT"))
        << result.name << ": " << result.how;
  }
}

TEST(FormatSelfCheck, Table) {
  const std::vector<ProbeResult> results = {
      {"exec", true, false, "SIGSYS: forbidden syscall 59 (execve)"},
      {"read-outside", false, false, "exit 0: NOT STOPPED"},
      {"cpu", false, true, "skipped: the policy sets no CPU limit"},
  };
  EXPECT_EQ(FormatSelfCheck(results),
            "probe          verdict      how\n"
            "exec           stopped      SIGSYS: forbidden syscall 59 (execve)\n"
            "read-outside   NOT STOPPED  exit 0: NOT STOPPED\n"
            "cpu            skipped      skipped: the policy sets no CPU limit\n"
            "3 probes: 1 stopped, 1 NOT STOPPED, 1 skipped\n");
}

}  // namespace
}  // namespace infip::confine
