// ServerMetrics: what infip-server tells Prometheus, served on its own HTTP port (/metrics)
// by prometheus-cpp's Exposer. Names are infip_..., in base units (seconds, bytes):
//
//   infip_requests_total{method,code}              counter    finished RPCs by gRPC status
//   infip_request_duration_seconds{method}         histogram  RPC latency
//   infip_received_bytes_total{source}             counter    model/key/fingerprint bytes in
//                                                             (source: upload | fetch)
//   infip_extraction_images_total                  counter    fingerprint images extracted
//   infip_extraction_images_per_second             histogram  throughput of each extraction
//   infip_extraction_duration_seconds              histogram  time of each extraction
//   infip_queue_depth                              gauge      requests waiting for a worker
//   infip_workers_busy                             gauge      extractions running now
//   infip_workers                                  gauge      workers configured
//   infip_registrations                            gauge      registrations in the store, asked
//                                                             of the store at every scrape
//   infip_build_info{version,engine_version,device} gauge     always 1
//
//   INFIP_ASSIGN_OR_RETURN(auto metrics, ServerMetrics::Create(options));
//   metrics->RecordRequest("Verify", grpc::StatusCode::OK, absl::Seconds(2));
//
// Every method is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/support/status_code_enum.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/store/store.h"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace infip::server {

struct MetricsOptions {
  std::string listen;  // host:port of /metrics; empty: nothing served (still counted)
  store::RegistrationStore* store = nullptr;  // for infip_registrations; may be null
  int workers = 1;
  std::string device;  // for infip_build_info
};

class ServerMetrics {
 public:
  // UNAVAILABLE naming the address when it cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ServerMetrics>> Create(
      const MetricsOptions& options);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  void RecordRequest(std::string_view method, grpc::StatusCode code, absl::Duration latency);
  void RecordExtraction(int64_t images, absl::Duration elapsed);
  void AddBytesReceived(std::string_view source, int64_t bytes);
  void SetQueue(int64_t waiting, int64_t running);

  // The text exposition, as a scrape would see it.
  [[nodiscard]] std::string Serialize() const;
  // The port /metrics is served on (the real one when the address asked for port 0), or 0.
  [[nodiscard]] int port() const { return port_; }

 private:
  class RegistrationCount;
  ServerMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<RegistrationCount> registrations_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;

  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_ = nullptr;
  prometheus::Family<prometheus::Counter>* bytes_ = nullptr;
  prometheus::Counter* images_ = nullptr;
  prometheus::Histogram* images_per_second_ = nullptr;
  prometheus::Histogram* extraction_seconds_ = nullptr;
  prometheus::Gauge* queue_depth_ = nullptr;
  prometheus::Gauge* workers_busy_ = nullptr;
};

}  // namespace infip::server
