#include "client/extraction.h"

#include "infip/common/status_macros.h"
#include "infip/io/key_set.h"

namespace infip::cli {

absl::StatusOr<audit::Extraction> RunExtraction(const KeyFlags& flags,
                                                const fingerprint::ImageOptions& image_options,
                                                bool with_key_preview,
                                                const ProgressFn& progress) {
  INFIP_ASSIGN_OR_RETURN(torch::Device device, audit::ParseDevice(flags.device));
  INFIP_ASSIGN_OR_RETURN(io::Preprocessing preprocessing, ToPreprocessing(flags));

  audit::Control control;
  if (progress) {
    control.progress = [&progress](const audit::Progress& p) {
      if (p.stage == audit::Stage::kExtracting) progress(p.done, p.total);
    };
  }
  INFIP_ASSIGN_OR_RETURN(audit::LoadedModel model,
                         audit::LoadModel(flags.model_path, "", device, control));

  io::LoadOptions key_options;
  key_options.limit = flags.limit;
  INFIP_ASSIGN_OR_RETURN(io::KeySet keys,
                         io::LoadKeySet(flags.keys_path, preprocessing, key_options));

  audit::ExtractionSettings settings;
  settings.composite = flags.composite;
  settings.image = image_options;
  settings.with_key_preview = with_key_preview;
  return audit::Extract(model, keys, settings, control);
}

}  // namespace infip::cli
