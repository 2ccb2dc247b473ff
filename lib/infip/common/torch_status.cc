#include "infip/common/torch_status.h"

#include <c10/util/Exception.h>

namespace infip {

std::string TorchErrorSummary(const std::exception& e) {
  std::string msg;
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    msg = c10->what_without_backtrace();
  } else {
    msg = e.what();
  }
  // LibTorch messages often carry a multi-line trace; keep the informative head.
  constexpr size_t kMax = 600;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (msg.size() > kMax) msg = msg.substr(0, kMax) + "...";
  return msg;
}

}  // namespace infip
