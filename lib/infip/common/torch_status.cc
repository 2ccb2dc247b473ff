#include "infip/common/torch_status.h"

#include <string>
#include <vector>

#include <c10/util/Exception.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"

namespace infip {

std::string TorchErrorSummary(const std::exception& e) {
  std::string msg;
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    msg = c10->what_without_backtrace();
  } else {
    msg = e.what();
  }
  // TorchScript interpreter errors open with "The following operation failed..." and a code
  // trace; the cause is the last "SomethingError: ..." line. Other messages: the first line.
  std::vector<std::string> lines = absl::StrSplit(msg, '\n', absl::SkipWhitespace());
  std::string summary = lines.empty() ? msg : lines.front();
  for (const std::string& line : lines) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos || colon == 0) continue;
    const std::string head = line.substr(0, colon);
    const bool named_error =
        (absl::EndsWith(head, "Error") || absl::EndsWith(head, "Exception")) &&
        head.find(' ') == std::string::npos;
    if (named_error) summary = line.substr(colon + 2);
  }
  constexpr size_t kMax = 600;
  absl::StripAsciiWhitespace(&summary);
  if (summary.size() > kMax) {
    summary.resize(kMax);
    summary.append("...");
  }
  return summary;
}

}  // namespace infip
