// Copies a file:// handle, already authorised and resolved by the HandleAuthorizer, into an
// UploadSink, so that a local model is capped and hashed exactly as an upload is. The file is
// opened without following symbolic links, and the opened file's real path is checked against
// the allowed roots again, so that a link swapped in after the check is not followed.
//
//   INFIP_RETURN_IF_ERROR(CopyLocalFile(*authorizer, handle, control, stop, *sink));
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "infip/fetch/fetch_control.h"
#include "infip/fetch/handle_authorizer.h"
#include "infip/fetch/remote_handle.h"
#include "infip/fetch/upload_sink.h"

namespace infip::fetch {

// PERMISSION_DENIED when the file left the roots since it was checked; NOT_FOUND when it is
// gone; CANCELLED or DEADLINE_EXCEEDED (at stop, or control's deadline) between chunks; the
// sink's errors (RESOURCE_EXHAUSTED past the cap).
[[nodiscard]] absl::Status CopyLocalFile(const HandleAuthorizer& authorizer,
                                         const RemoteHandle& handle, const FetchControl& control,
                                         absl::Time stop, UploadSink& sink);

}  // namespace infip::fetch
