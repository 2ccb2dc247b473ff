#include "infip/fetch/fetcher.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "infip/common/status_macros.h"
#include "infip/fetch/http_download.h"
#include "infip/fetch/local_copy.h"
#include "infip/fetch/sha256_pin.h"
#include "infip/fetch/string_view_util.h"
#include "infip/fetch/upload_sink.h"

namespace infip::fetch {
namespace {

using internal::ToAbsl;

absl::Status ValidatePolicy(const FetchPolicy& policy) {
  const auto bad = [](std::string_view field, std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("fetch policy: ", ToAbsl(field), " ", ToAbsl(why)));
  };
  std::error_code ec;
  if (policy.temp_dir.empty() || !std::filesystem::is_directory(policy.temp_dir, ec)) {
    return bad("temp_dir", absl::StrCat("'", policy.temp_dir, "' is not a directory"));
  }
  if (policy.max_bytes <= 0) return bad("max_bytes", "must be > 0");
  if (policy.timeout <= absl::ZeroDuration()) return bad("timeout", "must be > 0");
  if (policy.connect_timeout <= absl::ZeroDuration()) return bad("connect_timeout", "must be > 0");
  if (policy.max_redirects < 0 || policy.max_redirects > kMaxRedirectsLimit) {
    return bad("max_redirects", absl::StrCat("must be in [0, ", kMaxRedirectsLimit, "]"));
  }
  if (!policy.ca_bundle.empty() && !std::filesystem::is_regular_file(policy.ca_bundle, ec)) {
    return bad("ca_bundle", absl::StrCat("'", policy.ca_bundle, "' is not a file"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Fetcher>> Fetcher::Create(FetchPolicy policy) {
  INFIP_RETURN_IF_ERROR(ValidatePolicy(policy));
  INFIP_RETURN_IF_ERROR(InitCurlOnce());
  INFIP_ASSIGN_OR_RETURN(auto authorizer,
                         HandleAuthorizer::Create(policy.allowed_roots, policy.allowed_hosts,
                                                  policy.allow_plain_http));
  return std::unique_ptr<Fetcher>(new Fetcher(std::move(policy), std::move(authorizer)));
}

absl::StatusOr<StagedFile> Fetcher::Fetch(std::string_view handle, std::string_view sha256_pin,
                                          const FetchControl& control) const {
  const absl::Time stop = std::min(absl::Now() + policy_.timeout, control.deadline);
  INFIP_ASSIGN_OR_RETURN(const std::string pin, ParseSha256Pin(sha256_pin));
  INFIP_ASSIGN_OR_RETURN(const RemoteHandle remote, authorizer_->Authorize(handle));
  INFIP_ASSIGN_OR_RETURN(auto sink, UploadSink::Create(policy_.temp_dir, policy_.max_bytes));
  if (remote.scheme == HandleScheme::kFile) {
    INFIP_RETURN_IF_ERROR(CopyLocalFile(*authorizer_, remote, control, stop, *sink));
  } else {
    INFIP_RETURN_IF_ERROR(DownloadHttp(policy_, *authorizer_, remote, control, stop, *sink));
  }
  INFIP_ASSIGN_OR_RETURN(StagedFile file, sink->Finish());
  // A mismatch returns here and file's destructor deletes what was fetched.
  INFIP_RETURN_IF_ERROR(CheckSha256Pin(pin, file.sha256(), remote.display));
  return file;
}

}  // namespace infip::fetch
