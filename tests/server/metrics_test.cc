// ServerMetrics: the exposition passes promtool, counts what it is told, asks the store for the
// registration count at scrape time, and is served over HTTP.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include "infip/store/sqlite_store.h"
#include "server/extraction_meter.h"
#include "server_test_util.h"

namespace infip::server {
namespace {

using testing::HttpGet;
using testing::PromtoolProblems;
using testing::Sample;
using testing::ScratchDir;

std::unique_ptr<ServerMetrics> Make(MetricsOptions options) {
  absl::StatusOr<std::unique_ptr<ServerMetrics>> m = ServerMetrics::Create(options);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : nullptr;
}

TEST(MetricsTest, FreshExpositionPassesPromtool) {
  ScratchDir dir;
  auto store = store::SqliteStore::Open(dir / "r.db");
  ASSERT_TRUE(store.ok()) << store.status();
  auto m = Make({.listen = "", .store = store->get(), .workers = 3, .device = "cpu"});
  const std::string text = m->Serialize();
  EXPECT_EQ(PromtoolProblems(text), "") << text;
  EXPECT_EQ(Sample(text, "infip_registrations"), 0.0) << text;
  EXPECT_EQ(Sample(text, "infip_workers"), 3.0);
  EXPECT_EQ(Sample(text, "infip_queue_depth"), 0.0);
  EXPECT_EQ(Sample(text, "infip_extraction_images_total"), 0.0);
  const std::optional<double> build = Sample(
      text, "infip_build_info",
      {{"device", "cpu"}, {"engine_version", "infip-engine/0.1.0"}, {"version", "0.1.0"}});
  EXPECT_EQ(build, 1.0) << text;
  EXPECT_EQ(m->port(), 0);
}

TEST(MetricsTest, CountsRequestsBytesQueueAndExtractions) {
  auto m = Make({});
  m->RecordRequest("Verify", grpc::StatusCode::OK, absl::Milliseconds(300));
  m->RecordRequest("Verify", grpc::StatusCode::OK, absl::Seconds(2));
  m->RecordRequest("Verify", grpc::StatusCode::INVALID_ARGUMENT, absl::Milliseconds(1));
  m->AddBytesReceived("upload", 1000);
  m->AddBytesReceived("upload", 24);
  m->AddBytesReceived("fetch", 7);
  m->SetQueue(4, 1);
  m->RecordExtraction(64, absl::Seconds(2));   // 32 images/s
  m->RecordExtraction(10, absl::Seconds(10));  // 1 image/s
  const std::string text = m->Serialize();
  EXPECT_EQ(PromtoolProblems(text), "") << text;
  EXPECT_EQ(Sample(text, "infip_requests_total", {{"method", "Verify"}, {"code", "OK"}}), 2.0);
  EXPECT_EQ(Sample(text, "infip_requests_total",
                   {{"method", "Verify"}, {"code", "INVALID_ARGUMENT"}}),
            1.0);
  EXPECT_EQ(Sample(text, "infip_request_duration_seconds_count", {{"method", "Verify"}}), 3.0);
  EXPECT_NEAR(*Sample(text, "infip_request_duration_seconds_sum", {{"method", "Verify"}}), 2.301,
              1e-9);
  EXPECT_EQ(Sample(text, "infip_request_duration_seconds_bucket",
                   {{"method", "Verify"}, {"le", "0.5"}}),
            2.0);
  EXPECT_EQ(Sample(text, "infip_received_bytes_total", {{"source", "upload"}}), 1024.0);
  EXPECT_EQ(Sample(text, "infip_received_bytes_total", {{"source", "fetch"}}), 7.0);
  EXPECT_EQ(Sample(text, "infip_queue_depth"), 4.0);
  EXPECT_EQ(Sample(text, "infip_workers_busy"), 1.0);
  EXPECT_EQ(Sample(text, "infip_extraction_images_total"), 74.0);
  EXPECT_EQ(Sample(text, "infip_extraction_images_per_second_count"), 2.0);
  EXPECT_DOUBLE_EQ(*Sample(text, "infip_extraction_images_per_second_sum"), 33.0);
  EXPECT_EQ(Sample(text, "infip_extraction_images_per_second_bucket", {{"le", "20"}}), 1.0);
  EXPECT_EQ(Sample(text, "infip_extraction_duration_seconds_sum"), 12.0);
}

TEST(MetricsTest, ExtractionMeterTimesEachExtraction) {
  auto m = Make({});
  ExtractionMeter meter(m.get());
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  using audit::Stage;
  // A registration: loading, then 8 keys in two chunks of 4, then signing.
  meter.Observe({Stage::kLoading, 0, 0, ""}, t0);
  meter.Observe({Stage::kExtracting, 4, 8, ""}, t0 + absl::Seconds(1));
  meter.Observe({Stage::kExtracting, 8, 8, ""}, t0 + absl::Seconds(2));
  meter.Observe({Stage::kExtracting, 8, 8, ""}, t0 + absl::Seconds(3));  // a repeat: ignored
  meter.Observe({Stage::kSigning, 0, 0, ""}, t0 + absl::Seconds(3));
  // A screening: two registrations, each extraction starting at done 0.
  meter.Observe({Stage::kExtracting, 0, 2, "reg_a"}, t0 + absl::Seconds(10));
  meter.Observe({Stage::kExtracting, 2, 2, "reg_a"}, t0 + absl::Seconds(14));
  meter.Observe({Stage::kExtracting, 0, 5, "reg_b"}, t0 + absl::Seconds(20));
  meter.Observe({Stage::kExtracting, 5, 5, "reg_b"}, t0 + absl::Seconds(21));
  const std::string text = m->Serialize();
  EXPECT_EQ(Sample(text, "infip_extraction_images_total"), 15.0);
  EXPECT_EQ(Sample(text, "infip_extraction_duration_seconds_count"), 3.0);
  // 8 images from the end of loading (t0) to t0+2 s, 2 in 4 s, 5 in 1 s.
  EXPECT_DOUBLE_EQ(*Sample(text, "infip_extraction_duration_seconds_sum"), 2.0 + 4.0 + 1.0);
  EXPECT_DOUBLE_EQ(*Sample(text, "infip_extraction_images_per_second_sum"), 4.0 + 0.5 + 5.0);
}

TEST(MetricsTest, RegistrationCountComesFromTheStoreAtScrapeTime) {
  ScratchDir dir;
  auto store = store::SqliteStore::Open(dir / "r.db");
  ASSERT_TRUE(store.ok()) << store.status();
  MetricsOptions options;
  options.store = store->get();
  auto m = Make(options);
  EXPECT_EQ(Sample(m->Serialize(), "infip_registrations"), 0.0);
  // Without a store the gauge is simply absent, and the rest still passes promtool.
  auto bare = Make({});
  EXPECT_FALSE(Sample(bare->Serialize(), "infip_registrations").has_value());
  EXPECT_EQ(PromtoolProblems(bare->Serialize()), "");
}

TEST(MetricsTest, ServedOverHttpAndABusyPortIsRefused) {
  auto m = Make({.listen = "127.0.0.1:0", .workers = 1, .device = "cpu"});
  ASSERT_GT(m->port(), 0);
  m->RecordRequest("GetServerInfo", grpc::StatusCode::OK, absl::Milliseconds(1));
  const std::string response = HttpGet(m->port(), "/metrics");
  ASSERT_NE(response.find("200 OK"), std::string::npos) << response;
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(PromtoolProblems(body), "") << body;
  EXPECT_EQ(Sample(body, "infip_requests_total", {{"method", "GetServerInfo"}, {"code", "OK"}}),
            1.0);

  MetricsOptions busy;
  busy.listen = absl::StrCat("127.0.0.1:", m->port());
  absl::StatusOr<std::unique_ptr<ServerMetrics>> second = ServerMetrics::Create(busy);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(absl::StrCat("127.0.0.1:", m->port())),
            std::string_view::npos)
      << second.status();
}

}  // namespace
}  // namespace infip::server
