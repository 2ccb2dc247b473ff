// Fetches a model named by a remote handle into a staged temp file, under the operator's
// FetchPolicy: file:// from allowed roots, https:// (and http:// if allowed) from
// allow-listed hosts, capped, time-limited, cancellable, hashed as it streams, and checked
// against an optional SHA-256 pin. This is the remote-handle half of the first step of a
// verification (DESIGN.md); uploads take the UploadSink directly.
//
//   INFIP_ASSIGN_OR_RETURN(auto fetcher, Fetcher::Create(policy));
//   FetchControl control{.deadline = call_deadline, .cancelled = [&] { return gone; }};
//   INFIP_ASSIGN_OR_RETURN(StagedFile model, fetcher->Fetch(uri, pin, control));
//   // model.path(), model.size(), model.sha256(); the file goes when model does
//
// The rules and the status of every refusal: docs/remote-handles.md. Fetch() is const and
// keeps no state between calls, so one Fetcher serves concurrent requests.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "infip/fetch/fetch_control.h"
#include "infip/fetch/fetch_policy.h"
#include "infip/fetch/handle_authorizer.h"
#include "infip/fetch/staged_file.h"

namespace infip::fetch {

// Upper bound on FetchPolicy::max_redirects.
inline constexpr int kMaxRedirectsLimit = 20;

class Fetcher {
 public:
  // INVALID_ARGUMENT naming the field for a policy that cannot work: a temp_dir that is not
  // a directory, max_bytes or a timeout <= 0, a missing ca_bundle, max_redirects outside
  // [0, kMaxRedirectsLimit], an allowed root that is not a directory, a malformed host entry.
  // INTERNAL if libcurl cannot initialise.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Fetcher>> Create(FetchPolicy policy);
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // sha256_pin: "" or 64 hex digits. Errors, each naming the handle:
  //   INVALID_ARGUMENT  malformed handle or pin, unsupported scheme
  //   PERMISSION_DENIED outside the roots, '..', a link out of a root, host not allow-listed,
  //                     plain http not allowed, a redirect to any of those
  //   NOT_FOUND         missing file, HTTP 404/410
  //   RESOURCE_EXHAUSTED past policy.max_bytes
  //   DEADLINE_EXCEEDED past policy.timeout or control.deadline
  //   CANCELLED         control.cancelled() said so
  //   FAILED_PRECONDITION SHA-256 differs from the pin (naming both), other HTTP 3xx/4xx,
  //                     TLS verification
  //   UNAVAILABLE       connection or transfer failed, HTTP 408/429/5xx
  // On any error the staged file is already deleted.
  [[nodiscard]] absl::StatusOr<StagedFile> Fetch(std::string_view handle,
                                                 std::string_view sha256_pin = "",
                                                 const FetchControl& control = {}) const;

  [[nodiscard]] const FetchPolicy& policy() const { return policy_; }

 private:
  Fetcher(FetchPolicy policy, std::unique_ptr<HandleAuthorizer> authorizer)
      : policy_(std::move(policy)), authorizer_(std::move(authorizer)) {}

  const FetchPolicy policy_;
  const std::unique_ptr<HandleAuthorizer> authorizer_;
};

}  // namespace infip::fetch
