// Fetcher over file:// handles: the same cap, hash and cleanup as uploads.
#include <filesystem>
#include <memory>
#include <string>

#include "fetch_test_util.h"
#include "gtest/gtest.h"
#include "infip/fetch/fetcher.h"
#include "infip/io/sha256.h"

namespace infip::fetch {
namespace {

using testing::ListDir;
using testing::PatternBytes;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

class FetcherFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.MakeDir("root");
    temp_ = scratch_.MakeDir("temp");
    model_ = PatternBytes(300'000);
    WriteFile(root_ + "/model.pt", model_);
    policy_.allowed_roots = {root_};
    policy_.temp_dir = temp_;
    policy_.max_bytes = 1 << 20;
  }

  std::unique_ptr<Fetcher> MakeFetcher() {
    auto fetcher = Fetcher::Create(policy_);
    EXPECT_TRUE(fetcher.ok()) << fetcher.status();
    return fetcher.ok() ? *std::move(fetcher) : nullptr;
  }

  ScratchDir scratch_;
  std::string root_;
  std::string temp_;
  std::string model_;
  FetchPolicy policy_;
};

TEST_F(FetcherFileTest, CopiesIntoAStagedFile) {
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  std::string staged_path;
  {
    auto file = fetcher->Fetch("file://" + root_ + "/model.pt", io::Sha256Hex(model_));
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->size(), static_cast<int64_t>(model_.size()));
    EXPECT_EQ(file->sha256(), io::Sha256Hex(model_));
    EXPECT_EQ(ReadFile(file->path()), model_);
    staged_path = file->path();
    EXPECT_EQ(std::filesystem::path(staged_path).parent_path(), temp_);
  }
  EXPECT_FALSE(std::filesystem::exists(staged_path));
  EXPECT_TRUE(std::filesystem::exists(root_ + "/model.pt"));  // the source is never touched
}

TEST_F(FetcherFileTest, RefusalsNameTheirCause) {
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  WriteFile(scratch_ / "outside.pt", "x");
  std::filesystem::create_symlink(scratch_ / "outside.pt", root_ + "/link.pt");
  EXPECT_EQ(fetcher->Fetch("file://" + scratch_ / "outside.pt").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/../outside.pt").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/link.pt").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/none.pt").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(fetcher->Fetch("ftp://example.org/model.pt").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fetcher->Fetch("not a handle").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/model.pt", "xyz").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ListDir(temp_).empty());
}

TEST_F(FetcherFileTest, PinMismatchNamesBothDigestsAndLeavesNothing) {
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  const std::string wrong(64, '0');
  const auto file = fetcher->Fetch("file://" + root_ + "/model.pt", wrong);
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(file.status().message().find(wrong), absl::string_view::npos) << file.status();
  EXPECT_NE(file.status().message().find(io::Sha256Hex(model_)), absl::string_view::npos)
      << file.status();
  EXPECT_TRUE(ListDir(temp_).empty());
}

TEST_F(FetcherFileTest, CapIsResourceExhaustedAndLeavesNothing) {
  policy_.max_bytes = 100'000;
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  const auto file = fetcher->Fetch("file://" + root_ + "/model.pt");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(file.status().message().find("100000"), absl::string_view::npos) << file.status();
  EXPECT_TRUE(ListDir(temp_).empty());
}

TEST_F(FetcherFileTest, CancellationAndDeadline) {
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  FetchControl cancelled;
  cancelled.cancelled = [] { return true; };
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/model.pt", "", cancelled).status().code(),
            absl::StatusCode::kCancelled);
  FetchControl late;
  late.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(fetcher->Fetch("file://" + root_ + "/model.pt", "", late).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(ListDir(temp_).empty());
}

TEST(FetcherCreateTest, PolicyErrorsNameTheField) {
  ScratchDir scratch;
  FetchPolicy policy;
  policy.temp_dir = scratch.path();
  EXPECT_TRUE(Fetcher::Create(policy).ok());
  const auto expect_bad = [](FetchPolicy p, const char* field) {
    const auto fetcher = Fetcher::Create(std::move(p));
    EXPECT_EQ(fetcher.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_NE(fetcher.status().message().find(field), absl::string_view::npos) << fetcher.status();
  };
  FetchPolicy p = policy;
  p.temp_dir = scratch / "missing";
  expect_bad(p, "temp_dir");
  p = policy;
  p.max_bytes = 0;
  expect_bad(p, "max_bytes");
  p = policy;
  p.timeout = absl::ZeroDuration();
  expect_bad(p, "timeout");
  p = policy;
  p.connect_timeout = -absl::Seconds(1);
  expect_bad(p, "connect_timeout");
  p = policy;
  p.max_redirects = kMaxRedirectsLimit + 1;
  expect_bad(p, "max_redirects");
  p = policy;
  p.ca_bundle = scratch / "none.pem";
  expect_bad(p, "ca_bundle");
  p = policy;
  p.allowed_roots = {scratch / "none"};
  expect_bad(p, "allowed root");
  p = policy;
  p.allowed_hosts = {"https://x"};
  expect_bad(p, "allowed host");
}

}  // namespace
}  // namespace infip::fetch
