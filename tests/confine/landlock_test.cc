// Landlock alone, in children: reading beneath a readable path works, everything else on the
// filesystem is EACCES, TCP connect is EACCES (ABI 4+), and threads that existed before the
// restriction are restricted too. Skipped, with the reason, on a kernel without Landlock.
#include "infip/confine/landlock.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "confine/confine_test_util.h"
#include "infip/confine/policy.h"
#include "scratch_dir.h"

namespace infip::confine {
namespace {

using testing::Child;
using testing::ChildSay;

// Restricts the calling child with Landlock only: readable = the defaults plus `extra`.
absl::StatusOr<std::string> RestrictToReadable(const std::vector<std::string>& extra) {
  std::vector<std::string> paths = DefaultReadablePaths();
  paths.insert(paths.end(), extra.begin(), extra.end());
  absl::StatusOr<LandlockRuleset> ruleset = LandlockRuleset::Create(ProbeLandlock().abi, paths);
  if (!ruleset.ok()) return ruleset.status();
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return absl::InternalError("NNP");
  return std::move(*ruleset).RestrictAllThreads();
}

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_WITHOUT_LANDLOCK();
    readable_ = scratch_.MakeDir("readable");
    std::ofstream(readable_ + "/model.pt") << "weights";
    outside_ = scratch_.MakeDir("outside");
    std::ofstream(outside_ + "/signing.key") << "secret";
  }

  infip::testing::ScratchDir scratch_;
  std::string readable_;
  std::string outside_;
};

TEST_F(LandlockTest, ReadsBeneathAReadablePath) {
  const ChildOutcome outcome = Child([this] {
    CHILD_ASSERT(RestrictToReadable({readable_}).ok());
    const int fd = ::open((readable_ + "/model.pt").c_str(), O_RDONLY);
    CHILD_ASSERT(fd >= 0);
    char buffer[16] = {};
    CHILD_ASSERT(::read(fd, buffer, sizeof buffer) == 7);
    CHILD_ASSERT(std::string(buffer) == "weights");
    std::error_code ec;
    CHILD_ASSERT(std::filesystem::directory_iterator(readable_, ec) !=
                 std::filesystem::directory_iterator());
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(LandlockTest, ReadingOutsideIsEacces) {
  const ChildOutcome outcome = Child([this] {
    CHILD_ASSERT(RestrictToReadable({readable_}).ok());
    CHILD_ASSERT(::open((outside_ + "/signing.key").c_str(), O_RDONLY) < 0 && errno == EACCES);
    CHILD_ASSERT(::open(outside_.c_str(), O_RDONLY | O_DIRECTORY) < 0 && errno == EACCES);
    CHILD_ASSERT(::open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(LandlockTest, NothingCanBeWrittenEvenBeneathAReadablePath) {
  const ChildOutcome outcome = Child([this] {
    CHILD_ASSERT(RestrictToReadable({readable_}).ok());
    const std::string model = readable_ + "/model.pt";
    CHILD_ASSERT(::open(model.c_str(), O_WRONLY) < 0 && errno == EACCES);
    CHILD_ASSERT(::open((readable_ + "/new").c_str(), O_WRONLY | O_CREAT, 0600) < 0 &&
                 errno == EACCES);
    CHILD_ASSERT(::mkdir((readable_ + "/dir").c_str(), 0700) < 0 && errno == EACCES);
    CHILD_ASSERT(::unlink(model.c_str()) < 0 && errno == EACCES);
    CHILD_ASSERT(::rename(model.c_str(), (readable_ + "/moved").c_str()) < 0 && errno == EACCES);
    CHILD_ASSERT(::open((outside_ + "/new").c_str(), O_WRONLY | O_CREAT, 0600) < 0 &&
                 errno == EACCES);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(LandlockTest, LibrariesStillLoadAfterwards) {
  // A library not yet mapped, as LibTorch dlopens backends lazily.
  std::string library;
  for (const char* candidate : {"libz.so.1", "libutil.so.1", "libanl.so.1", "libnss_files.so.2"}) {
    void* already = ::dlopen(candidate, RTLD_NOLOAD | RTLD_LAZY);
    if (already != nullptr) {
      ::dlclose(already);
      continue;
    }
    library = candidate;
    break;
  }
  if (library.empty()) GTEST_SKIP() << "every candidate library is already loaded";
  const ChildOutcome outcome = Child([&library] {
    CHILD_ASSERT(RestrictToReadable({}).ok());
    void* handle = ::dlopen(library.c_str(), RTLD_NOW);
    if (handle == nullptr) ChildSay(::dlerror());
    CHILD_ASSERT(handle != nullptr);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

TEST_F(LandlockTest, TcpConnectIsEaccesFromAbi4) {
  const int abi = ProbeLandlock().abi;
  if (abi < 4) GTEST_SKIP() << "Landlock ABI " << abi << " has no TCP rules (ABI 4, Linux 6.7)";
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const ChildOutcome outcome = Child([&address] {
    const int client = ::socket(AF_INET, SOCK_STREAM, 0);
    CHILD_ASSERT(client >= 0);
    CHILD_ASSERT(RestrictToReadable({}).ok());
    CHILD_ASSERT(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) <
                     0 &&
                 errno == EACCES);
    return 0;
  });
  ::close(listener);
  EXPECT_CHILD_OK(outcome);
}

// Threads that exist before the restriction: each waits for the word, then tries to read
// outside and reports what it got.
struct Waiting {
  std::atomic<bool> go{false};
  std::atomic<int> denied{0};
  std::string path;
};

void* TryOutside(void* arg) {
  auto* waiting = static_cast<Waiting*>(arg);
  while (!waiting->go.load()) ::usleep(1000);
  const int fd = ::open(waiting->path.c_str(), O_RDONLY);
  if (fd < 0 && errno == EACCES) waiting->denied.fetch_add(1);
  return nullptr;
}

TEST_F(LandlockTest, ThreadsStartedBeforeTheRestrictionAreRestricted) {
  const ChildOutcome outcome = Child([this] {
    Waiting waiting;
    waiting.path = outside_ + "/signing.key";
    pthread_t threads[3];
    for (pthread_t& thread : threads) {
      CHILD_ASSERT(::pthread_create(&thread, nullptr, TryOutside, &waiting) == 0);
    }
    absl::StatusOr<std::string> note = RestrictToReadable({readable_});
    CHILD_ASSERT(note.ok());
    ChildSay(*note);
    CHILD_ASSERT(absl::StrContains(*note, "3 other threads restricted by signal") ||
                 absl::StrContains(*note, "every thread (TSYNC)"));
    waiting.go.store(true);
    for (pthread_t thread : threads) ::pthread_join(thread, nullptr);
    CHILD_ASSERT(waiting.denied.load() == 3);
    return 0;
  });
  EXPECT_CHILD_OK(outcome);
}

void* BlockEverySignal(void* arg) {
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
  static_cast<std::atomic<bool>*>(arg)->store(true);
  for (;;) ::pause();
}

TEST_F(LandlockTest, AThreadThatCannotBeRestrictedIsAnError) {
  const int abi = ProbeLandlock().abi;
  if (abi >= 8) GTEST_SKIP() << "Landlock ABI " << abi << " restricts every thread itself (TSYNC)";
  const ChildOutcome outcome = Child(
      [] {
        std::atomic<bool> blocked{false};
        pthread_t thread;
        CHILD_ASSERT(::pthread_create(&thread, nullptr, BlockEverySignal, &blocked) == 0);
        while (!blocked.load()) ::usleep(1000);
        absl::StatusOr<std::string> note = RestrictToReadable({});
        ChildSay(note.status().ToString());
        CHILD_ASSERT(note.status().code() == absl::StatusCode::kFailedPrecondition);
        CHILD_ASSERT(absl::StrContains(note.status().message(), "did not take the Landlock"));
        return 0;
      },
      std::chrono::seconds(30));
  EXPECT_CHILD_OK(outcome);
}

// The rights and ruleset layout depend on the ABI (Debian 12's own kernel, 6.1, has ABI 2):
// a ruleset built for each older ABI must still confine, on this kernel, as documented.
TEST_F(LandlockTest, EveryAbiUpToTheKernelsConfines) {
  const int kernel_abi = ProbeLandlock().abi;
  for (int abi = 1; abi <= std::min(kernel_abi, 7); ++abi) {
    SCOPED_TRACE(::testing::Message() << "ABI " << abi);
    const ChildOutcome outcome = Child([this, abi] {
      std::vector<std::string> paths = DefaultReadablePaths();
      paths.push_back(readable_);
      absl::StatusOr<LandlockRuleset> ruleset = LandlockRuleset::Create(abi, paths);
      CHILD_ASSERT(ruleset.ok());
      CHILD_ASSERT(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
      absl::StatusOr<std::string> note = std::move(*ruleset).RestrictAllThreads();
      CHILD_ASSERT(note.ok());
      CHILD_ASSERT(absl::StrContains(*note, "TCP bind and connect denied") == (abi >= 4));
      CHILD_ASSERT(::open((readable_ + "/model.pt").c_str(), O_RDONLY) >= 0);
      CHILD_ASSERT(::open((readable_ + "/model.pt").c_str(), O_WRONLY) < 0 && errno == EACCES);
      CHILD_ASSERT(::open((outside_ + "/signing.key").c_str(), O_RDONLY) < 0 && errno == EACCES);
      return 0;
    });
    EXPECT_CHILD_OK(outcome);
  }
}

TEST(LandlockRuleset, RejectsMissingAndRelativePaths) {
  SKIP_WITHOUT_LANDLOCK();
  const int abi = ProbeLandlock().abi;
  // Building a ruleset enforces nothing, so this runs in the test process.
  EXPECT_EQ(LandlockRuleset::Create(abi, {"/nonexistent/infip"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LandlockRuleset::Create(abi, {"usr/lib"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LandlockRuleset::Create(0, {"/usr/lib"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DefaultReadablePaths, ExistingAbsoluteCanonicalAndWithoutRepeats) {
  const std::vector<std::string> paths = DefaultReadablePaths();
  ASSERT_FALSE(paths.empty());
  for (const std::string& path : paths) {
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(std::filesystem::canonical(path).string(), path);
    EXPECT_EQ(std::count(paths.begin(), paths.end(), path), 1) << path;
  }
  if (std::filesystem::exists("/etc/ld.so.cache")) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), "/etc/ld.so.cache"), paths.end());
  }
  // The directory of a mapped shared object (libc, where dlopen lives) is there, and
  // the directory of the test binary itself is not.
  Dl_info info{};
  ASSERT_NE(::dladdr(reinterpret_cast<void*>(&::dlopen), &info), 0);
  const std::string libc_dir = std::filesystem::canonical(info.dli_fname).parent_path().string();
  EXPECT_NE(std::find(paths.begin(), paths.end(), libc_dir), paths.end()) << libc_dir;
  const std::string own_dir = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  EXPECT_EQ(std::find(paths.begin(), paths.end(), own_dir), paths.end()) << own_dir;
}

}  // namespace
}  // namespace infip::confine
