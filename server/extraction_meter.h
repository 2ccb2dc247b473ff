// ExtractionMeter: turns the Auditor's progress events into the extraction metrics (images
// extracted, images per second). An extraction runs from the event before its first
// EXTRACTING one (the end of loading) to the EXTRACTING event with done == total; a screening
// has one extraction per registration (the events carry its id).
//
//   ExtractionMeter meter(metrics);
//   control.progress = [&](const audit::Progress& p) { meter.Observe(p); Send(p); };
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "infip/audit/audit_types.h"
#include "server/metrics.h"

namespace infip::server {

class ExtractionMeter {
 public:
  // `metrics` may be null (nothing is recorded). Starts the clock.
  explicit ExtractionMeter(ServerMetrics* metrics) : metrics_(metrics), last_event_(absl::Now()) {}

  // Events in the order the Auditor reports them; `now` is when this one arrived.
  void Observe(const audit::Progress& progress, absl::Time now);
  void Observe(const audit::Progress& progress) { Observe(progress, absl::Now()); }

 private:
  ServerMetrics* const metrics_;
  absl::Time last_event_;
  bool active_ = false;
  absl::Time start_;
  int64_t last_done_ = 0;
  std::string registration_id_;
};

}  // namespace infip::server
