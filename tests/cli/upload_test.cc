// Uploads in the protocol's chunks: every chunk at most 1 MiB, the bytes in order and
// complete, progress exact, and a file that changes while being read refused.
#include "client/upload.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "scratch_dir.h"

namespace infip::cli {
namespace {

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return bytes;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Collected {
  std::vector<size_t> sizes;
  std::string joined;
  std::vector<int64_t> progress;
};

TEST(UploadTest, BytesArriveInOrderInChunksOfAtMostOneMebibyte) {
  constexpr int64_t kMiB = 1 << 20;
  ASSERT_EQ(kChunkBytes, kMiB);
  for (const size_t size :
       {size_t{1}, size_t{kMiB - 1}, size_t{kMiB}, size_t{kMiB + 1}, size_t{3 * kMiB + 7}}) {
    const std::string bytes = RandomBytes(size, static_cast<unsigned>(size));
    Collected got;
    const bool sent = SendBytes(
        bytes,
        [&](std::string_view chunk) {
          got.sizes.push_back(chunk.size());
          got.joined.append(chunk);
          return true;
        },
        [&](int64_t n) { got.progress.push_back(n); });
    EXPECT_TRUE(sent);
    const size_t chunks = (size + kMiB - 1) / kMiB;
    ASSERT_EQ(got.sizes.size(), chunks) << size << " bytes";
    for (size_t i = 0; i + 1 < chunks; ++i) EXPECT_EQ(got.sizes[i], size_t{kMiB});
    EXPECT_EQ(got.sizes.back(), size - (chunks - 1) * kMiB);
    EXPECT_TRUE(got.joined == bytes) << "bytes changed in transit, " << size << " bytes";
    ASSERT_EQ(got.progress.size(), chunks);
    EXPECT_EQ(got.progress.back(), static_cast<int64_t>(size));
  }
}

TEST(UploadTest, NoBytesMeansNoChunks) {
  int calls = 0;
  EXPECT_TRUE(SendBytes("", [&](std::string_view) { return ++calls, true; }));
  EXPECT_EQ(calls, 0);
}

TEST(UploadTest, AClosedStreamStopsTheUpload) {
  const std::string bytes = RandomBytes(5 * kChunkBytes, 1);
  int calls = 0;
  EXPECT_FALSE(SendBytes(bytes, [&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2) << "nothing is sent after the stream refused a chunk";
}

TEST(UploadTest, AFileIsSentWhole) {
  testing::ScratchDir dir;
  const std::string bytes = RandomBytes(2 * kChunkBytes + kChunkBytes / 2, 2);
  WriteFile(dir / "model.pt", bytes);
  auto file = io::InputFile::Open(dir / "model.pt");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ((*file)->size(), static_cast<int64_t>(bytes.size()));
  Collected got;
  absl::StatusOr<bool> sent = SendFile(
      **file,
      [&](std::string_view chunk) {
        got.sizes.push_back(chunk.size());
        got.joined.append(chunk);
        return true;
      },
      [&](int64_t n) { got.progress.push_back(n); });
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_TRUE(*sent);
  EXPECT_EQ(got.sizes, (std::vector<size_t>{size_t{kChunkBytes}, size_t{kChunkBytes},
                                            size_t{kChunkBytes / 2}}));
  EXPECT_TRUE(got.joined == bytes);
  EXPECT_EQ(got.progress.back(), static_cast<int64_t>(bytes.size()));
}

TEST(UploadTest, AFileThatShrankAfterItsSizeWasAnnouncedIsRefused) {
  testing::ScratchDir dir;
  const std::string path = dir / "model.pt";
  WriteFile(path, RandomBytes(3 * kChunkBytes, 3));
  auto file = io::InputFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  std::filesystem::resize_file(path, kChunkBytes + 10);
  int64_t received = 0;
  absl::StatusOr<bool> sent = SendFile(**file, [&](std::string_view chunk) {
    received += static_cast<int64_t>(chunk.size());
    return true;
  });
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(sent.status().message().find(path), std::string::npos) << sent.status();
  EXPECT_NE(sent.status().message().find("shrank"), std::string::npos) << sent.status();
  EXPECT_EQ(received, kChunkBytes + 10);
}

TEST(UploadTest, AFileThatGrewAfterItsSizeWasAnnouncedIsRefused) {
  testing::ScratchDir dir;
  const std::string path = dir / "model.pt";
  WriteFile(path, RandomBytes(1000, 4));
  auto file = io::InputFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  {
    std::ofstream more(path, std::ios::binary | std::ios::app);
    more << "more";
  }
  absl::StatusOr<bool> sent = SendFile(**file, [](std::string_view) { return true; });
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(sent.status().message().find("grew"), std::string::npos) << sent.status();
}

}  // namespace
}  // namespace infip::cli
