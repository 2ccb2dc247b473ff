// The sandboxed extraction backend with the real infip-worker (sandbox/sandboxed_backend.h):
// it extracts exactly what the in-process backend does; models that attack the process that
// loads them are stopped with the documented status and leave nothing behind; a worker that
// misbehaves on the wire is treated as untrusted input.
#include "infip/sandbox/sandboxed_backend.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "../audit/audit_test_util.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "infip/confine/landlock.h"
#include "scratch_dir.h"
#include "test_env.h"

namespace infip::sandbox {
namespace {

using audit::Control;
using audit::SuspectModel;
using ::infip::audit::testing::GrayKeys;
using ::infip::audit::testing::Suspect;
using ::infip::testing::ScratchDir;

// The children of this process that are still running or unreaped.
int ChildCount() {
  int count = 0;
  const std::string me = std::to_string(::getpid());
  DIR* tasks = ::opendir(("/proc/" + me + "/task").c_str());
  if (tasks == nullptr) return -1;
  while (dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    std::ifstream in("/proc/" + me + "/task/" + t->d_name + "/children");
    int pid;
    while (in >> pid) ++count;
  }
  ::closedir(tasks);
  return count;
}

int EntriesIn(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class SandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new ScratchDir();
    target_ = scratch_->Path("data/PWNED");
    secret_ = scratch_->Path("data/signing-key.pem");
    std::filesystem::create_directories(scratch_->Path("data"));
    std::ofstream(secret_) << "-----BEGIN PRIVATE KEY-----\n"
                           << std::string(64, 'S') << "\n-----END PRIVATE KEY-----\n";
    const std::string command = absl::StrCat(
        testing::SystemPython(), " ", testing::SourceDir(), "/tools/testmodels/make_hostile.py",
        " --out ", scratch_->Path("hostile"), " --write-target ", target_, " --secret ", secret_);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { delete scratch_; }

  void SetUp() override {
    std::filesystem::create_directories(work_.Path("workers"));
    absl::StatusOr<std::string> binary = FindWorkerBinary();
    ASSERT_TRUE(binary.ok()) << binary.status();
    binary_ = *binary;
  }

  // A pool of `idle` workers of `binary` (the real one by default) under work_/workers.
  std::unique_ptr<WorkerPool> Pool(int idle = 1, std::string binary = "") {
    PoolOptions options;
    options.launch.binary = binary.empty() ? binary_ : binary;
    options.launch.scratch_parent = work_.Path("workers");
    options.idle = idle;
    options.start_timeout = absl::Seconds(60);
    absl::StatusOr<std::unique_ptr<WorkerPool>> pool = WorkerPool::Create(options);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  static SandboxLimits Limits() {
    SandboxLimits limits;
    limits.memory_bytes = int64_t{2} << 30;
    limits.cpu_time = absl::Minutes(5);
    limits.archive.max_uncompressed_bytes = int64_t{1} << 30;
    return limits;
  }

  static SuspectModel Hostile(const std::string& name) {
    SuspectModel m;
    m.path = scratch_->Path("hostile/" + name);
    m.name = name;
    return m;
  }

  // Nothing of a finished request is left: no worker but the pool's idle ones, no working
  // directory but theirs, nothing written where the hostile model aimed.
  void ExpectNothingLeft(const WorkerPool& pool) {
    // The pool may be starting a replacement, or reaping a retired worker; let it finish.
    const absl::Time until = absl::Now() + absl::Seconds(60);
    while ((pool.idle() < pool.options().idle || pool.retiring() > 0) && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_EQ(ChildCount(), pool.idle());
    EXPECT_EQ(EntriesIn(work_.Path("workers")), pool.idle());
    EXPECT_FALSE(std::filesystem::exists(target_));
  }

  static ScratchDir* scratch_;
  static std::string target_, secret_;
  ScratchDir work_;
  std::string binary_;
};

ScratchDir* SandboxTest::scratch_ = nullptr;
std::string SandboxTest::target_, SandboxTest::secret_;

TEST_F(SandboxTest, ExtractsExactlyWhatTheInProcessBackendDoes) {
  auto pool = Pool();
  ASSERT_NE(pool, nullptr);
  SandboxedBackend sandboxed(pool.get(), Limits());
  audit::InProcessBackend local(torch::kCPU);
  const io::KeySet keys = GrayKeys();
  audit::ExtractionSettings settings;
  settings.chunk_size = 3;
  settings.keep_relevance = true;
  const SuspectModel model = Suspect("vgg_like.pt");

  int64_t progress_calls = 0;
  Control control;
  control.progress = [&](const audit::Progress& p) {
    if (p.stage == audit::Stage::kExtracting) ++progress_calls;
  };
  auto session = sandboxed.Open(model, control);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_TRUE((*session)->CheckAccepts({1, 1, 32, 32}, control).ok());
  auto ours = (*session)->Extract(keys, settings, control);
  ASSERT_TRUE(ours.ok()) << ours.status();
  auto theirs = (*local.Open(model, Control{}))->Extract(keys, settings, Control{});
  ASSERT_TRUE(theirs.ok()) << theirs.status();

  EXPECT_TRUE(torch::equal(ours->set.images, theirs->set.images));
  EXPECT_TRUE(torch::equal(ours->explanation.predicted, theirs->explanation.predicted));
  EXPECT_TRUE(torch::allclose(ours->explanation.relevance, theirs->explanation.relevance));
  EXPECT_EQ(ours->set.metadata.model_sha256, model.sha256);
  EXPECT_EQ(ours->set.metadata.predicted, theirs->set.metadata.predicted);
  EXPECT_TRUE(torch::equal(ours->set.key_preview, theirs->set.key_preview));
  EXPECT_GE(progress_calls, 3);  // 8 keys in chunks of 3, relayed from the worker

  // A second extraction on the same worker (a screening does this), then the end.
  settings.keep_relevance = false;
  auto again = (*session)->Extract(GrayKeys(9), settings, Control{});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->explanation.relevance.defined());
  session->reset();
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, TheModelsOwnErrorsKeepTheirCodes) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxedBackend backend(pool.get(), Limits());
  auto session = backend.Open(Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->CheckAccepts({1, 3, 32, 32}, Control{}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*session)->Extract(audit::testing::RgbKeys(), {}, Control{}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  session->reset();

  absl::Status unsupported = backend.Open(Suspect("unsupported_op.pt"), Control{}).status();
  EXPECT_EQ(unsupported.code(), absl::StatusCode::kUnimplemented) << unsupported;
  EXPECT_NE(unsupported.message().find("sigmoid"), std::string_view::npos) << unsupported;

  const std::string corrupt = work_.Path("corrupt.pt");
  std::ofstream(corrupt) << "this is not a zip archive";
  SuspectModel m{corrupt, "", "corrupt.pt"};
  EXPECT_EQ(backend.Open(m, Control{}).status().code(), absl::StatusCode::kInvalidArgument);
  m.path = work_.Path("missing.pt");
  EXPECT_EQ(backend.Open(m, Control{}).status().code(), absl::StatusCode::kNotFound);
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AModelThatWritesAFileIsRefusedByTheScanAndStoppedByTheFilter) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  {
    SandboxedBackend scanned(pool.get(), Limits());
    absl::Status s = scanned.Open(Hostile("setstate_writes.pt"), Control{}).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("__setstate__"), std::string_view::npos) << s;
  }
  ExpectNothingLeft(*pool);
  // Without the scan the model's code runs, confined: the write is a forbidden system call.
  SandboxLimits unscanned = Limits();
  unscanned.archive.scan_source = false;
  SandboxedBackend backend(pool.get(), unscanned);
  absl::Status s = backend.Open(Hostile("setstate_writes.pt"), Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_NE(s.message().find("the model attempted a forbidden operation (open"),
            std::string_view::npos)
      << s;
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AModelThatReadsTheSigningKeyGetsNothing) {
  if (confine::ProbeLandlock().abi < 1) {
    GTEST_SKIP() << "this kernel has no Landlock, the layer that stops reads outside the "
                    "worker's libraries; tests/confine shows which layers hold here";
  }
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxLimits unscanned = Limits();
  unscanned.archive.scan_source = false;
  SandboxedBackend backend(pool.get(), unscanned);
  absl::Status s = backend.Open(Hostile("setstate_reads.pt"), Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("signing-key.pem"), std::string_view::npos) << s;
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AModelThatNeverLoadsIsKilledAtTheLoadLimit) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxLimits limits = Limits();
  limits.archive.scan_source = false;
  limits.load_timeout = absl::Seconds(3);
  SandboxedBackend backend(pool.get(), limits);
  const absl::Time start = absl::Now();
  absl::Status s = backend.Open(Hostile("setstate_loops.pt"), Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_NE(s.message().find("loading the model took longer"), std::string_view::npos) << s;
  EXPECT_NE(s.message().find("--worker-load-timeout"), std::string_view::npos) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, ACancelledCallEndsItsWorkerAtOnce) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxLimits limits = Limits();
  limits.archive.scan_source = false;
  SandboxedBackend backend(pool.get(), limits);
  const absl::Time cancel_at = absl::Now() + absl::Seconds(2);
  Control control;
  control.cancelled = [&] { return absl::Now() >= cancel_at; };
  absl::Status s = backend.Open(Hostile("setstate_loops.pt"), control).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
  EXPECT_LT(absl::Now() - cancel_at, absl::Seconds(5));
  ExpectNothingLeft(*pool);

  control.cancelled = nullptr;
  control.deadline = absl::Now() + absl::Seconds(2);
  s = backend.Open(Hostile("setstate_loops.pt"), control).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_NE(s.message().find("deadline exceeded while loading the model"), std::string_view::npos)
      << s;
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AModelThatAllocatesWithoutBoundHitsTheMemoryLimit) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxLimits limits = Limits();
  limits.archive.scan_source = false;
  SandboxedBackend backend(pool.get(), limits);
  absl::Status s = backend.Open(Hostile("setstate_allocates.pt"), Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("2.0 GiB, --worker-memory"), std::string_view::npos) << s;
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AnExtractionPastItsLimitIsKilled) {
  auto pool = Pool(0);
  ASSERT_NE(pool, nullptr);
  SandboxLimits limits = Limits();
  limits.extract_timeout = absl::Milliseconds(1);
  SandboxedBackend backend(pool.get(), limits);
  auto session = backend.Open(Suspect("vgg_like.pt"), Control{});
  ASSERT_TRUE(session.ok()) << session.status();
  absl::Status s = (*session)->Extract(GrayKeys(), {}, Control{}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_NE(s.message().find("extracting fingerprints took longer"), std::string_view::npos) << s;
  // The session's worker is gone; asking it again is a clear error, not a hang.
  EXPECT_EQ((*session)->Extract(GrayKeys(), {}, Control{}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  session->reset();
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, EveryWorkerServesOneRequestOnly) {
  auto pool = Pool(2);
  ASSERT_NE(pool, nullptr);
  SandboxedBackend backend(pool.get(), Limits());
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto session = backend.Open(Suspect("vgg_like.pt"), Control{});
    ASSERT_TRUE(session.ok()) << session.status();
  }
  EXPECT_GE(pool->started(), 3 + 0);
  // The refill thread brings the pool back to two idle workers.
  const absl::Time until = absl::Now() + absl::Seconds(60);
  while (pool->idle() < 2 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(pool->idle(), 2);
  EXPECT_GE(pool->started(), 5);
  ExpectNothingLeft(*pool);
}

TEST_F(SandboxTest, AStartedWorkerHoldsNothingButItsChannelAndAnEmptyDirectory) {
  // Something of ours that a careless spawn would pass on: an open file, not close-on-exec.
  const std::string secret = work_.Path("held-open.txt");
  std::ofstream(secret) << "server state";
  const int leaked = ::open(secret.c_str(), O_RDONLY);
  ASSERT_GE(leaked, 0);
  ::setenv("INFIP_TEST_SECRET_SETTING", "do-not-pass", 1);
  auto pool = Pool(0);
  ::unsetenv("INFIP_TEST_SECRET_SETTING");
  ::close(leaked);
  ASSERT_NE(pool, nullptr);
  auto worker = pool->Acquire(nullptr);
  ASSERT_TRUE(worker.ok()) << worker.status();
  const std::string proc = absl::StrCat("/proc/", (*worker)->pid());

  std::vector<std::string> fds;
  for (const auto& e : std::filesystem::directory_iterator(proc + "/fd")) {
    fds.push_back(absl::StrCat(e.path().filename().string(), " -> ",
                               std::filesystem::read_symlink(e.path()).string()));
  }
  std::sort(fds.begin(), fds.end());
  ASSERT_EQ(fds.size(), 4u) << absl::StrJoin(fds, "\n");
  EXPECT_EQ(fds[0], "0 -> /dev/null");
  EXPECT_EQ(fds[1], "1 -> /dev/null");
  EXPECT_NE(fds[2].find("2 -> pipe:"), std::string::npos) << fds[2];
  EXPECT_NE(fds[3].find("3 -> socket:"), std::string::npos) << fds[3];

  const std::filesystem::path cwd = std::filesystem::read_symlink(proc + "/cwd");
  EXPECT_EQ(cwd.parent_path(), std::filesystem::path(work_.Path("workers")));
  EXPECT_EQ(EntriesIn(cwd.string()), 0);
  EXPECT_EQ(std::filesystem::status(cwd).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);

  std::ifstream environ_file(proc + "/environ");
  const std::string environ((std::istreambuf_iterator<char>(environ_file)),
                            std::istreambuf_iterator<char>());
  EXPECT_EQ(environ.find("INFIP_"), std::string::npos) << environ;
  EXPECT_NE(environ.find("MALLOC_ARENA_MAX=2"), std::string::npos) << environ;
  worker->reset();
  EXPECT_FALSE(std::filesystem::exists(cwd)) << "the directory goes with the worker";
}

// Copies tests/sandbox/fake_worker.py under the name that selects its mode.
std::string FakeWorker(const ScratchDir& dir, const std::string& mode) {
  const std::string path = dir.Path("fake_worker_" + mode + ".py");
  std::filesystem::copy_file(testing::SourceDir() + "/tests/sandbox/fake_worker.py", path);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST_F(SandboxTest, AWorkerThatLiesOnTheWireIsInternalAndKilled) {
  for (const char* mode : {"garbage_loaded", "forged_status", "wrong_shapes"}) {
    SCOPED_TRACE(mode);
    auto pool = Pool(0, FakeWorker(work_, mode));
    ASSERT_NE(pool, nullptr);
    SandboxedBackend backend(pool.get(), Limits());
    absl::StatusOr<std::unique_ptr<audit::ModelSession>> session =
        backend.Open(Suspect("vgg_like.pt"), Control{});
    absl::Status s = session.status();
    if (session.ok()) s = (*session)->Extract(GrayKeys(), {}, Control{}).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
    session = absl::CancelledError("done");
    ExpectNothingLeft(*pool);
  }
}

TEST_F(SandboxTest, AWorkerBinaryThatNeverSaysHelloStopsThePoolAtCreate) {
  PoolOptions options;
  options.launch.binary = FakeWorker(work_, "no_hello");
  options.launch.scratch_parent = work_.Path("workers");
  absl::StatusOr<std::unique_ptr<WorkerPool>> pool = WorkerPool::Create(options);
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(pool.status().message().find("exit 7"), std::string_view::npos) << pool.status();
  options.launch.binary = work_.Path("no-such-worker");
  EXPECT_EQ(WorkerPool::Create(options).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ChildCount(), 0);
}

}  // namespace
}  // namespace infip::sandbox
