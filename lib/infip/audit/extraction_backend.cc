#include "infip/audit/extraction_backend.h"

#include <utility>

#include "infip/common/status_macros.h"

namespace infip::audit {
namespace {

class InProcessSession final : public ModelSession {
 public:
  explicit InProcessSession(LoadedModel model) : model_(std::move(model)) {}

  const std::string& sha256() const override { return model_.sha256; }

  absl::Status CheckAccepts(const std::vector<int64_t>& batch_shape,
                            const Control& control) override {
    INFIP_RETURN_IF_ERROR(CheckControl(control, "checking input shapes"));
    return audit::CheckAccepts(*model_.model, batch_shape);
  }

  absl::StatusOr<Extraction> Extract(const io::KeySet& keys, const ExtractionSettings& settings,
                                     const Control& control) override {
    return audit::Extract(model_, keys, settings, control);
  }

 private:
  const LoadedModel model_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ModelSession>> InProcessBackend::Open(const SuspectModel& model,
                                                                     const Control& control) {
  INFIP_ASSIGN_OR_RETURN(LoadedModel loaded, LoadModel(model.path, model.sha256, device_, control));
  return std::make_unique<InProcessSession>(std::move(loaded));
}

}  // namespace infip::audit
