// Auditor: the service logic of infip, between the server's transport and the library —
// registering a model or a pre-extracted fingerprint set, verifying a suspect against one
// registration, screening it against all compatible ones, and rendering evidence. It owns no
// transport: server/ turns gRPC streams into the staged files and key sets it takes, and its
// results back into messages. The CLI's local commands reuse extraction.h the same way.
//
//   INFIP_ASSIGN_OR_RETURN(auto auditor, Auditor::Create(options, store.get(), signer.get()));
//   INFIP_ASSIGN_OR_RETURN(io::KeySet keys, DecodeKeySet(upload, options.limits));
//   INFIP_ASSIGN_OR_RETURN(store::Registration r,
//                          auditor->RegisterModel(request, std::move(keys), model, control));
//   INFIP_ASSIGN_OR_RETURN(VerdictRecord v, auditor->Verify(r.id, suspect, control));
//   // v.envelope is the signed verdict
//
// Every method is safe to call from many threads at once; each call does its own extraction.
// Errors are canonical and name their subject (proto/infip/v1/infip.proto lists the codes).
// A failed, cancelled or expired call leaves the store as it was.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "infip/audit/audit_types.h"
#include "infip/audit/extraction_backend.h"
#include "infip/io/key_set.h"
#include "infip/store/registration.h"
#include "infip/store/store.h"
#include "infip/verdict/signer.h"

namespace infip::audit {

class Auditor {
 public:
  // `store`, `signer` and `backend` must outlive the Auditor. Every model is run through
  // `backend` (extraction_backend.h); null: an InProcessBackend on options.device, for callers
  // whose models are trusted files. INVALID_ARGUMENT for unusable options (an unknown default
  // composite, a threshold outside [-1, 1], a lambda <= 0).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Auditor>> Create(
      AuditorOptions options, store::RegistrationStore* store, const verdict::Signer* signer,
      ExtractionBackend* backend = nullptr);
  Auditor(const Auditor&) = delete;
  Auditor& operator=(const Auditor&) = delete;
  ~Auditor();

  // Loads the model, checks it accepts the keys, extracts S, makes the registration with its
  // signed receipt (subject: the model file, by its SHA-256) and stores it.
  [[nodiscard]] absl::StatusOr<store::Registration> RegisterModel(const RegisterSettings& settings,
                                                                  io::KeySet keys,
                                                                  const SuspectModel& model,
                                                                  const Control& control);

  // Stores (K, S) extracted elsewhere. INVALID_ARGUMENT when the .infip bytes do not parse, or
  // S was not extracted on exactly these keys (key-set SHA-256, N, shape, box, preprocessing),
  // or with a composite this server does not know. The receipt's subject is the fingerprint
  // set file, named "<model_name>.infip", by the SHA-256 of the bytes given. settings.composite
  // / lambda / lambda_scaling are taken from S and ignored here.
  [[nodiscard]] absl::StatusOr<store::Registration> RegisterFingerprints(
      const RegisterSettings& settings, io::KeySet keys, std::string infip_bytes);

  // Extracts S' on the registration's keys with its composite and lambda, compares with S
  // against its T, signs and records the verdict with `principal`, the authenticated caller
  // who asked for it (empty: nobody on record; only its registration's owner may then see its
  // evidence). NOT_FOUND for an unknown registration; FAILED_PRECONDITION when the model does
  // not accept the keys' shape. Whether the caller may verify against this registration is the
  // server's decision, made before.
  [[nodiscard]] absl::StatusOr<VerdictRecord> Verify(std::string_view registration_id,
                                                     const SuspectModel& suspect,
                                                     const Control& control,
                                                     std::string_view principal = {});

  // Verify against every registration (of `owner`, when given) whose key shape the model
  // accepts; the model is loaded once, and registrations on the same keys with the same
  // settings share one extraction. Verdicts ranked by ASSIM, highest first. A registration of
  // another shape, or one deleted or damaged meanwhile, is listed in `skipped` with the reason.
  // The verdicts are signed and stored only after every comparison is done, so a screening
  // cancelled or failed before that stores none. An empty `owner` is INVALID_ARGUMENT (leave
  // it unset). Every verdict records `principal` as Verify's does.
  [[nodiscard]] absl::StatusOr<ScreenOutcome> Screen(const SuspectModel& suspect,
                                                     const std::optional<std::string>& owner,
                                                     const Control& control,
                                                     std::string_view principal = {});

  // PNG evidence (audit/evidence.h). For a verdict: per key the key image, s_i, s'_i and the
  // SSIM map, then one grid of all of them; with EvidenceView::kComparison the SSIM maps and
  // a grid of them only (no key, S or S' leaves). For a registration: the keys and s_i, then a
  // grid. max_keys 0: all; negative: INVALID_ARGUMENT. NOT_FOUND for an unknown id. Who may
  // see which is the server's decision (it passes the view).
  [[nodiscard]] absl::StatusOr<std::vector<EvidenceImage>> VerdictEvidence(
      std::string_view verdict_id, int max_keys, EvidenceView view = EvidenceView::kFull);
  [[nodiscard]] absl::StatusOr<std::vector<EvidenceImage>> RegistrationEvidence(
      std::string_view registration_id, int max_keys);

  [[nodiscard]] const AuditorOptions& options() const;

 private:
  struct Impl;
  explicit Auditor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace infip::audit
