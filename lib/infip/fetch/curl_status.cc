#include "infip/fetch/curl_status.h"

#include "absl/strings/str_cat.h"
#include "infip/fetch/string_view_util.h"

namespace infip::fetch {

using internal::ToAbsl;

absl::Status HttpStatusToStatus(long code, std::string_view display) {
  const std::string message =
      absl::StrCat("fetching '", ToAbsl(display), "': the server answered HTTP ", code);
  if (code == 404 || code == 410) return absl::NotFoundError(message);
  if (code == 408 || code == 429 || (code >= 500 && code <= 599)) {
    return absl::UnavailableError(message);
  }
  return absl::FailedPreconditionError(message);
}

absl::Status CurlCodeToStatus(CURLcode code, std::string_view detail, std::string_view display,
                              int64_t max_bytes) {
  const std::string message =
      absl::StrCat("fetching '", ToAbsl(display), "': ", curl_easy_strerror(code),
                   detail.empty() ? "" : " (", ToAbsl(detail), detail.empty() ? "" : ")");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(absl::StrCat(
          "fetching '", ToAbsl(display), "': the server declares a model larger than the cap of ",
          max_bytes, " bytes"));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return absl::FailedPreconditionError(absl::StrCat(message, "; TLS verification failed"));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    case CURLE_OUT_OF_MEMORY:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace infip::fetch
