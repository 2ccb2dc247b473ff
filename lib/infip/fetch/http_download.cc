#include "infip/fetch/http_download.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "infip/common/version.h"
#include "infip/fetch/curl_status.h"

namespace infip::fetch {
namespace {

constexpr size_t kMaxRedirectBodyBytes = 64 << 10;

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

// What the libcurl callbacks of one transfer share with the code around it.
struct Transfer {
  CURL* easy = nullptr;
  UploadSink* sink = nullptr;
  const FetchControl* control = nullptr;
  absl::Time stop;
  absl::Status write_error;   // the sink's refusal (the cap, a full disk)
  bool body_refused = false;  // a body that is not a model (non-2xx), dropped
  size_t redirect_body_bytes = 0;
  bool cancelled = false;
  bool past_deadline = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long code = 0;
  curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 300 && code <= 399) {
    // A redirect's body is dropped, but read: libcurl works out the redirect's target only
    // for a transfer that completes. A long one is cut off (and the redirect with it).
    transfer->redirect_body_bytes += bytes;
    return transfer->redirect_body_bytes <= kMaxRedirectBodyBytes ? bytes : 0;
  }
  if (code < 200 || code > 299) {
    // An error page is not the model; stop rather than read it.
    transfer->body_refused = true;
    return 0;
  }
  transfer->write_error = transfer->sink->Append(std::string_view(data, bytes));
  return transfer->write_error.ok() ? bytes : 0;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->control->IsCancelled()) {
    transfer->cancelled = true;
    return 1;
  }
  if (absl::Now() >= transfer->stop) {
    transfer->past_deadline = true;
    return 1;
  }
  return 0;
}

// Options that hold for every hop of the transfer.
absl::Status SetUp(CURL* easy, const FetchPolicy& policy, Transfer& transfer, char* errors) {
  const char* protocols = policy.allow_plain_http ? "http,https" : "https";
  const std::string user_agent = absl::StrCat("infip-fetch (", kEngineVersion, ")");
  bool ok = true;
  const auto set = [&ok](CURLcode rc) { ok = ok && rc == CURLE_OK; };
  set(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errors));
  set(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols));
  set(curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols));
  set(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
  set(curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str()));
  // An empty proxy overrides http_proxy and friends: the allow-listed host is the one reached.
  set(curl_easy_setopt(easy, CURLOPT_PROXY, ""));
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
  if (!policy.ca_bundle.empty()) {
    set(curl_easy_setopt(easy, CURLOPT_CAINFO, policy.ca_bundle.c_str()));
  }
  set(curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(policy.max_bytes)));
  set(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody));
  set(curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer));
  set(curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L));
  set(curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &OnProgress));
  set(curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &transfer));
  if (!ok) return absl::InternalError("libcurl refused a transfer option");
  return absl::OkStatus();
}

// The milliseconds left before stop, at least 1 (0 means "no timeout" to libcurl).
long MillisLeft(absl::Time stop) {
  const int64_t ms = absl::ToInt64Milliseconds(stop - absl::Now());
  return static_cast<long>(std::clamp<int64_t>(ms, 1, int64_t{1} << 30));
}

// The next hop of a redirect, authorised; or why it is refused.
absl::StatusOr<RemoteHandle> RedirectTarget(CURL* easy, const HandleAuthorizer& authorizer,
                                            const RemoteHandle& from, long code) {
  char* location = nullptr;
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
  if (location == nullptr) return HttpStatusToStatus(code, from.display);
  auto target = ParseRemoteHandle(location);
  if (!target.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("fetching '", from.display, "': HTTP ", code,
                     " redirect to an unusable target: ", target.status().message()));
  }
  if (target->scheme == HandleScheme::kFile) {
    return absl::PermissionDeniedError(absl::StrCat("fetching '", from.display, "': HTTP ", code,
                                                    " redirect to a file:// URL refused"));
  }
  if (absl::Status s = authorizer.AuthorizeUrl(*target); !s.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("fetching '", from.display, "': HTTP ", code,
                                                    " redirect refused: ", s.message()));
  }
  return target;
}

}  // namespace

absl::Status InitCurlOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("libcurl cannot initialise: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

absl::Status DownloadHttp(const FetchPolicy& policy, const HandleAuthorizer& authorizer,
                          const RemoteHandle& handle, const FetchControl& control, absl::Time stop,
                          UploadSink& sink) {
  if (absl::Status s = InitCurlOnce(); !s.ok()) return s;
  Easy easy(curl_easy_init());
  if (easy == nullptr) return absl::ResourceExhaustedError("cannot allocate a libcurl handle");
  Transfer transfer;
  transfer.easy = easy.get();
  transfer.sink = &sink;
  transfer.control = &control;
  transfer.stop = stop;
  char errors[CURL_ERROR_SIZE] = {};
  if (absl::Status s = SetUp(easy.get(), policy, transfer, errors); !s.ok()) return s;

  RemoteHandle hop = handle;
  for (int redirects = 0;; ++redirects) {
    if (absl::Now() >= stop) {
      return absl::DeadlineExceededError(
          absl::StrCat("fetching '", handle.display, "' ran past its deadline"));
    }
    errors[0] = '\0';
    const long left = MillisLeft(stop);
    const long connect_left = std::min(
        left,
        static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(policy.connect_timeout))));
    if (curl_easy_setopt(easy.get(), CURLOPT_URL, hop.url.c_str()) != CURLE_OK ||
        curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, left) != CURLE_OK ||
        curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, connect_left) != CURLE_OK) {
      return absl::InternalError("libcurl refused a transfer option");
    }
    transfer.body_refused = false;
    transfer.redirect_body_bytes = 0;
    const CURLcode rc = curl_easy_perform(easy.get());
    long code = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &code);

    if (transfer.cancelled) {
      return absl::CancelledError(absl::StrCat("fetching '", handle.display, "' cancelled"));
    }
    if (transfer.past_deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("fetching '", handle.display, "' ran past its deadline"));
    }
    if (code >= 300 && code <= 399) {
      if (redirects >= policy.max_redirects) {
        return absl::FailedPreconditionError(
            absl::StrCat("fetching '", handle.display, "': HTTP ", code, " after ", redirects,
                         " redirects; the policy follows at most ", policy.max_redirects));
      }
      auto next = RedirectTarget(easy.get(), authorizer, hop, code);
      if (!next.ok()) return next.status();
      hop = *std::move(next);
      continue;
    }
    if (code >= 400) return HttpStatusToStatus(code, hop.display);
    if (rc == CURLE_WRITE_ERROR && !transfer.write_error.ok()) return transfer.write_error;
    if (rc != CURLE_OK) return CurlCodeToStatus(rc, errors, hop.display, policy.max_bytes);
    if (code < 200 || transfer.body_refused) return HttpStatusToStatus(code, hop.display);
    return absl::OkStatus();
  }
}

}  // namespace infip::fetch
