// How a failed HTTP transfer reads as an absl::Status: an HTTP status code, or a libcurl
// error code with libcurl's own detail. Each message names the handle and the code, so that
// an operator can tell a 403 from a TLS failure from a refused connection.
//
//   if (code >= 400) return HttpStatusToStatus(code, handle.display);
#pragma once

#include <curl/curl.h>

#include <string_view>

#include "absl/status/status.h"

namespace infip::fetch {

// 404, 410 -> NOT_FOUND; 408, 429, 5xx -> UNAVAILABLE (worth a retry); anything else that
// is not 2xx -> FAILED_PRECONDITION.
[[nodiscard]] absl::Status HttpStatusToStatus(long code, std::string_view display);

// For the libcurl codes not handled by the caller (cancellation, the sink's own errors):
// timeouts -> DEADLINE_EXCEEDED, a Content-Length past the cap -> RESOURCE_EXHAUSTED (naming
// max_bytes), certificate problems -> FAILED_PRECONDITION, everything on the wire ->
// UNAVAILABLE. detail is libcurl's error buffer (may be empty).
[[nodiscard]] absl::Status CurlCodeToStatus(CURLcode code, std::string_view detail,
                                            std::string_view display, int64_t max_bytes);

}  // namespace infip::fetch
