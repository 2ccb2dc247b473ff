// Fetcher over http(s):// against a real server on 127.0.0.1 (loopback_http_server.py).
// Every address used is 127.0.0.1; hosts that must be refused are refused before any
// connection, which the server's request log confirms.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "fetch_test_util.h"
#include "gtest/gtest.h"
#include "infip/fetch/fetcher.h"
#include "infip/io/sha256.h"
#include "loopback_http_server.h"

namespace infip::fetch {
namespace {

using testing::ListDir;
using testing::LoopbackHttpServer;
using testing::PatternBytes;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

bool Contains(const absl::Status& status, const std::string& text) {
  return status.message().find(text) != absl::string_view::npos;
}

class FetcherHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = scratch_.MakeDir("files");
    temp_ = scratch_.MakeDir("temp");
    work_ = scratch_.MakeDir("work");
    model_ = PatternBytes(250'000);
    WriteFile(files_ + "/model.pt", model_);
    StartServer({});
    policy_.temp_dir = temp_;
    policy_.max_bytes = 1 << 20;
    policy_.allow_plain_http = true;
    policy_.timeout = absl::Seconds(20);
    policy_.connect_timeout = absl::Seconds(5);
    if (server_ != nullptr) policy_.allowed_hosts = {server_->HostPort()};
  }

  void StartServer(const LoopbackHttpServer::Options& tls) {
    LoopbackHttpServer::Options options = tls;
    options.root = files_;
    options.work_dir = work_;
    server_.reset();
    auto server = LoopbackHttpServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<Fetcher> MakeFetcher() {
    auto fetcher = Fetcher::Create(policy_);
    EXPECT_TRUE(fetcher.ok()) << fetcher.status();
    return fetcher.ok() ? *std::move(fetcher) : nullptr;
  }

  // The status of fetching path from the server; checks that nothing is left staged.
  absl::Status FetchStatus(const std::string& path, const std::string& pin = "",
                           const FetchControl& control = {}) {
    auto fetcher = MakeFetcher();
    if (fetcher == nullptr) return absl::InternalError("no fetcher");
    const absl::Status status = fetcher->Fetch(server_->Url(path), pin, control).status();
    EXPECT_TRUE(ListDir(temp_).empty()) << "staged file left behind after " << status;
    return status;
  }

  ScratchDir scratch_;
  std::string files_;
  std::string temp_;
  std::string work_;
  std::string model_;
  std::unique_ptr<LoopbackHttpServer> server_;
  FetchPolicy policy_;
};

TEST_F(FetcherHttpTest, DownloadsAndHashes) {
  ASSERT_NE(server_, nullptr);
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  auto file = fetcher->Fetch(server_->Url("/files/model.pt"), io::Sha256Hex(model_));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), static_cast<int64_t>(model_.size()));
  EXPECT_EQ(file->sha256(), io::Sha256Hex(model_));
  EXPECT_EQ(ReadFile(file->path()), model_);
  EXPECT_EQ(server_->Requests(), std::vector<std::string>{"/files/model.pt"});

  // A body without Content-Length, under the cap.
  auto streamed = fetcher->Fetch(server_->Url("/stream/70000"));
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->sha256(), io::Sha256Hex(std::string(70000, 'x')));
}

TEST_F(FetcherHttpTest, HttpErrorsNameTheCode) {
  ASSERT_NE(server_, nullptr);
  const absl::Status missing = FetchStatus("/files/none.pt");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_TRUE(Contains(missing, "HTTP 404")) << missing;
  const absl::Status gone = FetchStatus("/status/410");
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound) << gone;
  const absl::Status broken = FetchStatus("/status/503");
  EXPECT_EQ(broken.code(), absl::StatusCode::kUnavailable) << broken;
  EXPECT_TRUE(Contains(broken, "HTTP 503")) << broken;
  const absl::Status forbidden = FetchStatus("/status/403");
  EXPECT_EQ(forbidden.code(), absl::StatusCode::kFailedPrecondition) << forbidden;
  EXPECT_TRUE(Contains(forbidden, "HTTP 403")) << forbidden;
  // A query string may carry a token: it stays out of messages.
  const absl::Status with_token = FetchStatus("/status/404?token=s3cret");
  EXPECT_EQ(with_token.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Contains(with_token, "s3cret")) << with_token;
}

TEST_F(FetcherHttpTest, DeclaredOversizeIsRefusedBeforeTheBody) {
  ASSERT_NE(server_, nullptr);
  policy_.max_bytes = 100'000;
  const absl::Status status = FetchStatus("/files/model.pt");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_TRUE(Contains(status, "100000")) << status;
}

TEST_F(FetcherHttpTest, UndeclaredOversizeIsCutAtTheCap) {
  ASSERT_NE(server_, nullptr);
  policy_.max_bytes = 100'000;
  const absl::Status status = FetchStatus("/stream/5000000");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_TRUE(Contains(status, "cap of 100000 bytes")) << status;
}

TEST_F(FetcherHttpTest, PinMismatchNamesBothDigests) {
  ASSERT_NE(server_, nullptr);
  const std::string wrong(64, 'f');
  const absl::Status status = FetchStatus("/files/model.pt", wrong);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(Contains(status, wrong)) << status;
  EXPECT_TRUE(Contains(status, io::Sha256Hex(model_))) << status;
}

TEST_F(FetcherHttpTest, SlowServerHitsThePolicyTimeout) {
  ASSERT_NE(server_, nullptr);
  policy_.timeout = absl::Seconds(1);
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = FetchStatus("/slow");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(FetcherHttpTest, SlowServerHitsTheCallersDeadline) {
  ASSERT_NE(server_, nullptr);
  FetchControl control;
  control.deadline = absl::Now() + absl::Seconds(1);
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = FetchStatus("/slow", "", control);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(FetcherHttpTest, CancellationStopsTheTransfer) {
  ASSERT_NE(server_, nullptr);
  const absl::Time cancel_at = absl::Now() + absl::Milliseconds(500);
  FetchControl control;
  control.cancelled = [cancel_at] { return absl::Now() >= cancel_at; };
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = FetchStatus("/slow", "", control);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(FetcherHttpTest, RedirectsAreCheckedHopByHop) {
  ASSERT_NE(server_, nullptr);
  // To an allow-listed host: followed.
  {
    auto fetcher = MakeFetcher();
    ASSERT_NE(fetcher, nullptr);
    auto file = fetcher->Fetch(server_->Url("/redirect?to=/files/model.pt"));
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->sha256(), io::Sha256Hex(model_));
    EXPECT_EQ(server_->Requests(),
              (std::vector<std::string>{"/redirect?to=/files/model.pt", "/files/model.pt"}));
  }

  // To hosts that are not: refused without a connection (none of these is ever contacted).
  for (const std::string& target :
       {std::string("http://blocked.invalid/model.pt"), std::string("http://127.0.0.1:1/model.pt"),
        std::string("file:///etc/passwd")}) {
    const absl::Status status = FetchStatus("/redirect?to=" + target);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << target << ": " << status;
    EXPECT_TRUE(Contains(status, "redirect")) << status;
  }
  // Not to other schemes either.
  const absl::Status ftp = FetchStatus("/redirect?to=ftp://127.0.0.1/model.pt");
  EXPECT_EQ(ftp.code(), absl::StatusCode::kFailedPrecondition) << ftp;

  // A loop ends at max_redirects.
  const absl::Status loop = FetchStatus("/loop");
  EXPECT_EQ(loop.code(), absl::StatusCode::kFailedPrecondition) << loop;
  EXPECT_TRUE(Contains(loop, "at most 5")) << loop;
  policy_.max_redirects = 0;
  EXPECT_EQ(FetchStatus("/redirect?to=/files/model.pt").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FetcherHttpTest, HostsOffTheAllowListAreNeverContacted) {
  ASSERT_NE(server_, nullptr);
  policy_.allowed_hosts = {absl::StrCat("127.0.0.1:", server_->port() == 1 ? 2 : 1)};
  const absl::Status status = FetchStatus("/files/model.pt");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_TRUE(Contains(status, "allow-list")) << status;

  policy_.allowed_hosts = {server_->HostPort()};
  policy_.allow_plain_http = false;
  const absl::Status plain = FetchStatus("/files/model.pt");
  EXPECT_EQ(plain.code(), absl::StatusCode::kPermissionDenied) << plain;
  EXPECT_TRUE(Contains(plain, "plain http")) << plain;

  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(FetcherHttpTest, ConnectionRefusedIsUnavailable) {
  ASSERT_NE(server_, nullptr);
  const std::string url = server_->Url("/files/model.pt");
  server_.reset();
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  const absl::Status status = fetcher->Fetch(url).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(ListDir(temp_).empty());
}

// https with a self-signed certificate for 127.0.0.1 made by the openssl CLI.
TEST_F(FetcherHttpTest, HttpsVerifiesTheServer) {
  if (!std::filesystem::exists("/usr/bin/openssl")) GTEST_SKIP() << "no /usr/bin/openssl";
  const std::string cert = work_ + "/cert.pem";
  const std::string key = work_ + "/key.pem";
  const std::string command = absl::StrCat(
      "timeout 60 /usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '",
      key, "' -out '", cert, "' >'", work_, "/openssl.out' 2>&1");
  ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(work_ + "/openssl.out");
  LoopbackHttpServer::Options tls;
  tls.tls_cert = cert;
  tls.tls_key = key;
  StartServer(tls);
  ASSERT_NE(server_, nullptr);
  policy_.allowed_hosts = {server_->HostPort()};
  policy_.allow_plain_http = false;

  // The system's CAs do not know this certificate: refused.
  const absl::Status untrusted = FetchStatus("/files/model.pt");
  EXPECT_EQ(untrusted.code(), absl::StatusCode::kFailedPrecondition) << untrusted;
  EXPECT_TRUE(Contains(untrusted, "TLS")) << untrusted;

  policy_.ca_bundle = cert;
  auto fetcher = MakeFetcher();
  ASSERT_NE(fetcher, nullptr);
  auto file = fetcher->Fetch(server_->Url("/files/model.pt"), io::Sha256Hex(model_));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->sha256(), io::Sha256Hex(model_));
}

}  // namespace
}  // namespace infip::fetch
