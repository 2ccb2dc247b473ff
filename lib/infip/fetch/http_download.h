// Downloads an http(s) handle, already authorised, into an UploadSink through libcurl's easy
// API. What the transfer may do is pinned down on the handle, not left to libcurl's defaults:
//   - protocols http and https only (https only unless the policy allows plain http);
//   - redirects are not followed by libcurl: each 3xx hop's target is parsed and authorised
//     against the host allow-list here, and at most policy.max_redirects are taken;
//   - the cap twice over: CURLOPT_MAXFILESIZE_LARGE refuses a declared Content-Length past
//     it before any body arrives, and the sink stops an undeclared body at the first byte
//     past it;
//   - the total and connect timeouts, shortened to the caller's deadline; a progress
//     callback aborts the transfer when the caller cancels;
//   - TLS peer and host verification always on (policy.ca_bundle may replace the CA set);
//   - no proxy from the environment, no compression, no credentials.
//
//   INFIP_RETURN_IF_ERROR(DownloadHttp(policy, *authorizer, handle, control, stop, *sink));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infip/fetch/fetch_control.h"
#include "infip/fetch/fetch_policy.h"
#include "infip/fetch/handle_authorizer.h"
#include "infip/fetch/remote_handle.h"
#include "infip/fetch/upload_sink.h"

namespace infip::fetch {

// Once per process, before the first transfer (std::call_once); INTERNAL if libcurl cannot
// initialise.
[[nodiscard]] absl::Status InitCurlOnce();

// Errors name the handle:
//   HTTP 404/410 -> NOT_FOUND; 408/429/5xx -> UNAVAILABLE; other 4xx and unusable 3xx ->
//   FAILED_PRECONDITION, each naming the code; a redirect to a host or scheme the policy
//   refuses -> PERMISSION_DENIED; past the cap -> RESOURCE_EXHAUSTED; timeout or deadline ->
//   DEADLINE_EXCEEDED; cancelled -> CANCELLED; certificate verification -> FAILED_PRECONDITION;
//   connection and transfer failures -> UNAVAILABLE.
[[nodiscard]] absl::Status DownloadHttp(const FetchPolicy& policy,
                                        const HandleAuthorizer& authorizer,
                                        const RemoteHandle& handle, const FetchControl& control,
                                        absl::Time stop, UploadSink& sink);

}  // namespace infip::fetch
