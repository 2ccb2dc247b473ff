#include "server/extraction_meter.h"

namespace infip::server {

void ExtractionMeter::Observe(const audit::Progress& p, absl::Time now) {
  const bool repeat_of_finished = !active_ && p.stage == audit::Stage::kExtracting &&
                                  p.registration_id == registration_id_ &&
                                  p.done == last_done_ && p.total > 0 && p.done >= p.total;
  if (p.stage != audit::Stage::kExtracting) {
    active_ = false;
    last_done_ = 0;
  } else if (!repeat_of_finished) {
    if (!active_ || p.registration_id != registration_id_ || p.done < last_done_) {
      active_ = true;
      // A first event at done 0 marks the start itself; a later one means the first chunk
      // already ran since the previous event.
      start_ = p.done == 0 ? now : last_event_;
      registration_id_ = p.registration_id;
    }
    last_done_ = p.done;
    if (p.total > 0 && p.done >= p.total) {
      if (metrics_ != nullptr) metrics_->RecordExtraction(p.total, now - start_);
      active_ = false;
    }
  }
  last_event_ = now;
}

}  // namespace infip::server
