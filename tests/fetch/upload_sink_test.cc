#include "infip/fetch/upload_sink.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "fetch_test_util.h"
#include "gtest/gtest.h"
#include "infip/io/sha256.h"

namespace infip::fetch {
namespace {

using testing::ListDir;
using testing::PatternBytes;
using testing::ReadFile;
using testing::ScratchDir;

std::unique_ptr<UploadSink> MakeSink(const std::string& dir, int64_t max_bytes) {
  auto sink = UploadSink::Create(dir, max_bytes);
  EXPECT_TRUE(sink.ok()) << sink.status();
  return sink.ok() ? *std::move(sink) : nullptr;
}

// sha256sum's answer for a file, as a cross-check independent of our own hashing code.
std::string Sha256Sum(const std::string& path) {
  const std::string command = "sha256sum '" + path + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char digest[65] = {};
  const size_t n = std::fread(digest, 1, 64, pipe);
  ::pclose(pipe);
  return std::string(digest, n);
}

TEST(UploadSinkTest, ChunksLandInOneFileHashedAsTheyStream) {
  ScratchDir dir;
  auto sink = MakeSink(dir.path(), 1 << 20);
  ASSERT_NE(sink, nullptr);
  const std::string bytes = PatternBytes(200'000);
  for (size_t at = 0; at < bytes.size(); at += 7'777) {
    ASSERT_TRUE(sink->Append(std::string_view(bytes).substr(at, 7'777)).ok());
  }
  EXPECT_EQ(sink->size(), 200'000);
  auto file = sink->Finish();
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), 200'000);
  EXPECT_EQ(file->sha256(), io::Sha256Hex(bytes));
  EXPECT_EQ(file->sha256(), Sha256Sum(file->path()));
  EXPECT_EQ(ReadFile(file->path()), bytes);
  EXPECT_EQ(std::filesystem::path(file->path()).parent_path(), dir.path());
}

TEST(UploadSinkTest, KnownDigestAndEmptyUpload) {
  ScratchDir dir;
  auto sink = MakeSink(dir.path(), 10);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Append("ab").ok());
  ASSERT_TRUE(sink->Append("").ok());
  ASSERT_TRUE(sink->Append("c").ok());
  auto file = sink->Finish();
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->sha256(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  auto empty_sink = MakeSink(dir.path(), 10);
  ASSERT_NE(empty_sink, nullptr);
  auto empty = empty_sink->Finish();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 0);
  EXPECT_EQ(empty->sha256(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(UploadSinkTest, FileIsPrivateAndUniquelyNamed) {
  ScratchDir dir;
  const mode_t old_umask = ::umask(0);  // the sink must not rely on the umask
  auto a = MakeSink(dir.path(), 100);
  auto b = MakeSink(dir.path(), 100);
  ::umask(old_umask);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->path(), b->path());
  struct stat st {};
  ASSERT_EQ(::stat(a->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(a->Append("x").ok());
  auto file = a->Finish();
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(::stat(file->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(UploadSinkTest, CapIsExactAndPassingItRemovesTheFile) {
  ScratchDir dir;
  auto exact = MakeSink(dir.path(), 10);
  ASSERT_NE(exact, nullptr);
  ASSERT_TRUE(exact->Append("0123456789").ok());  // exactly the cap is fine
  auto kept = exact->Finish();
  ASSERT_TRUE(kept.ok()) << kept.status();

  auto sink = MakeSink(dir.path(), 10);
  ASSERT_NE(sink, nullptr);
  const std::string path = sink->path();
  ASSERT_TRUE(sink->Append("0123456").ok());
  const absl::Status status = sink->Append("789a");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_NE(status.message().find("cap of 10 bytes"), absl::string_view::npos) << status;
  EXPECT_FALSE(std::filesystem::exists(path));
  // The failure sticks.
  EXPECT_EQ(sink->Append("x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sink->Finish().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ListDir(dir.path()).size(), 1u);  // only the exact-cap file
}

TEST(UploadSinkTest, AbortAndDestructorRemoveTheFile) {
  ScratchDir dir;
  {
    auto sink = MakeSink(dir.path(), 100);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Append("partial").ok());
    sink->Abort();
    EXPECT_TRUE(ListDir(dir.path()).empty());
    EXPECT_EQ(sink->Append("more").code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(sink->Finish().status().code(), absl::StatusCode::kCancelled);
    sink->Abort();  // twice is fine
  }
  {
    auto sink = MakeSink(dir.path(), 100);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Append("partial").ok());
    EXPECT_EQ(ListDir(dir.path()).size(), 1u);
  }
  EXPECT_TRUE(ListDir(dir.path()).empty());
}

TEST(UploadSinkTest, StagedFileOwnsTheFileUntilReleased) {
  ScratchDir dir;
  std::string path;
  {
    auto sink = MakeSink(dir.path(), 100);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Append("model").ok());
    auto file = sink->Finish();
    ASSERT_TRUE(file.ok());
    sink.reset();  // the sink no longer owns it
    path = file->path();
    EXPECT_TRUE(std::filesystem::exists(path));
    StagedFile moved = *std::move(file);
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));

  auto sink = MakeSink(dir.path(), 100);
  ASSERT_NE(sink, nullptr);
  auto file = sink->Finish();
  ASSERT_TRUE(file.ok());
  const std::string released = file->Release();
  EXPECT_TRUE(file->path().empty());
  { StagedFile gone = *std::move(file); }
  EXPECT_TRUE(std::filesystem::exists(released));
  std::filesystem::remove(released);
}

TEST(UploadSinkTest, FinishTwiceIsAnError) {
  ScratchDir dir;
  auto sink = MakeSink(dir.path(), 100);
  ASSERT_NE(sink, nullptr);
  auto file = sink->Finish();
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(sink->Finish().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sink->Append("x").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(UploadSinkTest, BadDirectoryOrCap) {
  ScratchDir dir;
  EXPECT_EQ(UploadSink::Create(dir / "missing", 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(UploadSink::Create(dir.path(), -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UploadSink::Create("", 10).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infip::fetch
