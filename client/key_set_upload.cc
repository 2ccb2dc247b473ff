#include "client/key_set_upload.h"

#include "infip/common/status_macros.h"
#include "infip/io/key_set.h"

namespace infip::cli {

absl::StatusOr<KeySetForUpload> LoadKeySetForUpload(const KeyFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(io::Preprocessing preprocessing, ToPreprocessing(flags));
  io::LoadOptions options;
  options.limit = flags.limit;
  INFIP_ASSIGN_OR_RETURN(io::KeySet keys, io::LoadKeySet(flags.keys_path, preprocessing, options));

  KeySetForUpload out;
  INFIP_ASSIGN_OR_RETURN(out.upload, audit::EncodeKeySet(keys));
  out.shape = keys.inputs.sizes().vec();
  out.sha256 = keys.sha256;
  out.info.set_npy_bytes(static_cast<int64_t>(out.upload.npy.size()));
  for (double v : out.upload.box_low) out.info.add_box_low(v);
  for (double v : out.upload.box_high) out.info.add_box_high(v);
  out.info.set_preprocessing(out.upload.preprocessing);
  return out;
}

}  // namespace infip::cli
