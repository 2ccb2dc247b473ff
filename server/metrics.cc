#include "server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "infip/common/version.h"
#include "server/status_map.h"
#include "server/version.h"
#include "spdlog/spdlog.h"

namespace infip::server {

// infip_registrations, counted by the store when scraped, so that replicas sharing a store
// all report what it holds rather than what each of them has added.
class ServerMetrics::RegistrationCount : public prometheus::Collectable {
 public:
  explicit RegistrationCount(store::RegistrationStore* store) : store_(store) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    if (store_ == nullptr) return {};
    absl::StatusOr<int64_t> count = store_->Count();
    if (!count.ok()) {
      // A scrape must not fail because the store hiccups; the gap in the series shows it.
      spdlog::warn("metrics: cannot count registrations: {}", count.status().ToString());
      return {};
    }
    prometheus::MetricFamily family;
    family.name = "infip_registrations";
    family.help = "Registrations held in the store.";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    metric.gauge.value = static_cast<double>(*count);
    family.metric.push_back(metric);
    return {family};
  }

 private:
  store::RegistrationStore* const store_;
};

namespace {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
const prometheus::Histogram::BucketBoundaries kImagesPerSecondBuckets = {
    0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
const prometheus::Histogram::BucketBoundaries kExtractionBuckets = {
    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

}  // namespace

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Create(
    const MetricsOptions& options) {
  std::unique_ptr<ServerMetrics> m(new ServerMetrics());
  m->registry_ = std::make_shared<prometheus::Registry>();
  prometheus::Registry& r = *m->registry_;

  m->requests_ = &prometheus::BuildCounter()
                      .Name("infip_requests_total")
                      .Help("Finished RPCs by method and gRPC status code.")
                      .Register(r);
  m->latency_ = &prometheus::BuildHistogram()
                     .Name("infip_request_duration_seconds")
                     .Help("Time from the start of an RPC to its status, by method.")
                     .Register(r);
  m->bytes_ = &prometheus::BuildCounter()
                   .Name("infip_received_bytes_total")
                   .Help("Bytes received: streamed by clients (upload) or fetched from remote "
                         "handles (fetch).")
                   .Register(r);
  m->images_ = &prometheus::BuildCounter()
                    .Name("infip_extraction_images_total")
                    .Help("Fingerprint images extracted (keys explained).")
                    .Register(r)
                    .Add({});
  m->images_per_second_ = &prometheus::BuildHistogram()
                               .Name("infip_extraction_images_per_second")
                               .Help("Throughput of each extraction, in images per second.")
                               .Register(r)
                               .Add({}, kImagesPerSecondBuckets);
  m->extraction_seconds_ = &prometheus::BuildHistogram()
                                .Name("infip_extraction_duration_seconds")
                                .Help("Time of each extraction of a fingerprint set.")
                                .Register(r)
                                .Add({}, kExtractionBuckets);
  m->queue_depth_ = &prometheus::BuildGauge()
                         .Name("infip_queue_depth")
                         .Help("Requests waiting for a worker.")
                         .Register(r)
                         .Add({});
  m->workers_busy_ = &prometheus::BuildGauge()
                          .Name("infip_workers_busy")
                          .Help("Extractions running now.")
                          .Register(r)
                          .Add({});
  prometheus::BuildGauge()
      .Name("infip_workers")
      .Help("Extractions the server runs at once.")
      .Register(r)
      .Add({})
      .Set(options.workers);
  prometheus::BuildGauge()
      .Name("infip_build_info")
      .Help("Always 1; the labels name the release, the engine and the device.")
      .Register(r)
      .Add({{"version", std::string(ServerVersion())},
            {"engine_version", kEngineVersion},
            {"device", options.device}})
      .Set(1);
  m->registrations_ = std::make_shared<RegistrationCount>(options.store);

  if (!options.listen.empty()) {
    try {
      m->exposer_ = std::make_unique<prometheus::Exposer>(options.listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", options.listen, ": ", e.what()));
    }
    m->exposer_->RegisterCollectable(m->registry_);
    m->exposer_->RegisterCollectable(m->registrations_);
    const std::vector<int> ports = m->exposer_->GetListeningPorts();
    if (!ports.empty()) m->port_ = ports.front();
  }
  return m;
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::RecordRequest(std::string_view method, grpc::StatusCode code,
                                  absl::Duration latency) {
  const std::string name(method);
  requests_->Add({{"method", name}, {"code", GrpcCodeName(code)}}).Increment();
  latency_->Add({{"method", name}}, kLatencyBuckets).Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::RecordExtraction(int64_t images, absl::Duration elapsed) {
  if (images <= 0) return;
  images_->Increment(static_cast<double>(images));
  const double seconds = absl::ToDoubleSeconds(elapsed);
  extraction_seconds_->Observe(seconds);
  // A clock too coarse to see the extraction says nothing about its rate.
  if (seconds > 0) images_per_second_->Observe(static_cast<double>(images) / seconds);
}

void ServerMetrics::AddBytesReceived(std::string_view source, int64_t bytes) {
  if (bytes <= 0) return;
  bytes_->Add({{"source", std::string(source)}}).Increment(static_cast<double>(bytes));
}

void ServerMetrics::SetQueue(int64_t waiting, int64_t running) {
  queue_depth_->Set(static_cast<double>(waiting));
  workers_busy_->Set(static_cast<double>(running));
}

std::string ServerMetrics::Serialize() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (prometheus::MetricFamily& f : registrations_->Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace infip::server
