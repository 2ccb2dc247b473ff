#include "client/upload.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"
#include "infip/common/status_macros.h"

namespace infip::cli {

bool SendBytes(std::string_view bytes, const ChunkSink& sink, const SentFn& sent) {
  for (size_t offset = 0; offset < bytes.size(); offset += kChunkBytes) {
    const size_t n = std::min<size_t>(kChunkBytes, bytes.size() - offset);
    if (!sink(bytes.substr(offset, n))) return false;
    if (sent) sent(static_cast<int64_t>(offset + n));
  }
  return true;
}

absl::StatusOr<bool> SendFile(io::InputFile& file, const ChunkSink& sink, const SentFn& sent) {
  std::string buffer(kChunkBytes, '\0');
  int64_t done = 0;
  while (done < file.size()) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(kChunkBytes, file.size() - done));
    INFIP_ASSIGN_OR_RETURN(size_t got, file.Read(buffer.data(), want));
    if (got == 0) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: shrank while being uploaded (%d of the %d bytes announced)",
                          file.path(), done, file.size()));
    }
    if (!sink(std::string_view(buffer.data(), got))) return false;
    done += static_cast<int64_t>(got);
    if (sent) sent(done);
  }
  // The header promised exactly file.size() bytes; more would make the upload a different file.
  char extra = 0;
  INFIP_ASSIGN_OR_RETURN(size_t more, file.Read(&extra, 1));
  if (more != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: grew while being uploaded (more than the %d bytes announced)",
                        file.path(), file.size()));
  }
  return true;
}

}  // namespace infip::cli
