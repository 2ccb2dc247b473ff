// The caller's hold on a fetch in flight: a deadline (a gRPC call's, say) and a way to ask
// whether the caller has gone away. Both are polled while bytes flow, at least once a second.
//
//   FetchControl control;
//   control.deadline = absl::FromChrono(context->deadline());
//   control.cancelled = [context] { return context->IsCancelled(); };
//   auto file = fetcher->Fetch(uri, pin, control);
#pragma once

#include <functional>

#include "absl/time/time.h"

namespace infip::fetch {

struct FetchControl {
  absl::Time deadline = absl::InfiniteFuture();
  // Called from the fetching thread; must be cheap and thread-safe. Empty: never cancelled.
  std::function<bool()> cancelled;

  [[nodiscard]] bool IsCancelled() const { return cancelled && cancelled(); }
};

}  // namespace infip::fetch
