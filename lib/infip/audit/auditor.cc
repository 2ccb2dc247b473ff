#include "infip/audit/auditor.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "infip/audit/evidence.h"
#include "infip/audit/extraction.h"
#include "infip/audit/settings.h"
#include "infip/audit/statements.h"
#include "infip/audit/verification.h"
#include "infip/common/status_macros.h"
#include "infip/dtd/composite.h"
#include "infip/fingerprint/file_format.h"
#include "infip/io/key_set.h"
#include "infip/store/make_registration.h"
#include "infip/store/validate.h"
#include "spdlog/spdlog.h"

namespace infip::audit {

// Everything here is fixed at Create; the store and the signer are thread-safe themselves, so
// calls share no mutable state.
struct Auditor::Impl {
  AuditorOptions options;
  store::RegistrationStore* store;
  const verdict::Signer* signer;
  std::unique_ptr<ExtractionBackend> own_backend;  // when Create was given none
  ExtractionBackend* backend;

  [[nodiscard]] absl::Status CheckKeys(io::KeySet& keys) const;
  [[nodiscard]] absl::StatusOr<RegisteredSet> LoadRegistration(std::string_view id) const;
  [[nodiscard]] absl::StatusOr<store::Registration> Store(store::Registration r,
                                                          const verdict::Subject& subject,
                                                          const Control& control) const;
};

namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Reports every event of `control` as being about one registration (during a screening).
Control ForRegistration(const Control& control, const std::string& registration_id) {
  Control sub = control;
  if (control.progress) {
    sub.progress = [&control, registration_id](const Progress& p) {
      Progress tagged = p;
      tagged.registration_id = registration_id;
      control.progress(tagged);
    };
  }
  return sub;
}

// A principal is recorded as an owner name is: printable, bounded. Empty: nobody on record.
absl::Status CheckPrincipal(std::string_view principal) {
  if (principal.empty()) return absl::OkStatus();
  return CheckPrintable(principal, kMaxOwnerCharacters, "principal");
}

std::string ShapeText(const store::InputShape& s) {
  return absl::StrCat(s.channels, "x", s.height, "x", s.width);
}

// Every registration (of one owner, when given), oldest first.
absl::StatusOr<std::vector<store::RegistrationSummary>> ListAll(
    store::RegistrationStore& store, const std::optional<std::string>& owner) {
  std::vector<store::RegistrationSummary> all;
  store::ListFilter filter;
  filter.owner = owner;
  filter.page_size = store::kMaxPageSize;
  do {
    INFIP_ASSIGN_OR_RETURN(store::ListPage page, store.List(filter));
    for (store::RegistrationSummary& s : page.registrations) all.push_back(std::move(s));
    filter.page_token = std::move(page.next_page_token);
  } while (!filter.page_token.empty());
  return all;
}

// Registrations grouped by input shape, in the order the shapes first appear.
std::vector<std::pair<store::InputShape, std::vector<store::RegistrationSummary>>> ByShape(
    std::vector<store::RegistrationSummary> all) {
  std::vector<std::pair<store::InputShape, std::vector<store::RegistrationSummary>>> groups;
  for (store::RegistrationSummary& s : all) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == s.input_shape; });
    if (it == groups.end()) {
      groups.emplace_back(s.input_shape, std::vector<store::RegistrationSummary>{});
      it = std::prev(groups.end());
    }
    it->second.push_back(std::move(s));
  }
  return groups;
}

// Registrations made on the same keys with the same settings share one S' (an owner who
// registers several models on one key set): the key is everything SuspectSettings reads.
std::string ExtractionKey(const store::Registration& r) {
  return absl::StrCat(r.key_set.sha256, "|", r.composite, "|", absl::StrFormat("%a", r.lambda), "|",
                      std::string(fingerprint::LambdaScalingName(r.lambda_scaling)));
}

// What a screening keeps of one comparison until it signs: the registration without blobs.
struct Compared {
  store::Registration registration;
  similarity::Comparison comparison;
  const fingerprint::FingerprintSet* suspect_set;  // in the screening's cache
};

}  // namespace

absl::Status Auditor::Impl::CheckKeys(io::KeySet& keys) const {
  if (!keys.inputs.defined() || keys.inputs.dim() != 4 || keys.inputs.size(0) < 1 ||
      keys.inputs.scalar_type() != torch::kFloat) {
    return absl::InvalidArgumentError("key set: must be a float32 N x C x H x W batch, N >= 1");
  }
  const int64_t n = keys.inputs.size(0);
  if (n > options.limits.max_keys) {
    return absl::InvalidArgumentError(
        absl::StrCat("key set: ", n, " keys; at most ", options.limits.max_keys, " are accepted"));
  }
  const size_t channels = static_cast<size_t>(keys.inputs.size(1));
  if (keys.box_low.size() != channels || keys.box_high.size() != channels) {
    return absl::InvalidArgumentError(
        absl::StrCat("key set: the box must hold one low and one high per channel (", channels,
                     "), not ", keys.box_low.size(), " and ", keys.box_high.size()));
  }
  keys.inputs = keys.inputs.cpu().contiguous();
  if (keys.sha256.empty()) keys.sha256 = io::KeySetSha256(keys.inputs);
  return absl::OkStatus();
}

absl::StatusOr<RegisteredSet> Auditor::Impl::LoadRegistration(std::string_view id) const {
  INFIP_RETURN_IF_ERROR(store::ValidateRegistrationId(id));
  INFIP_ASSIGN_OR_RETURN(store::Registration r, store->Get(id));
  return DecodeRegistration(std::move(r));
}

absl::StatusOr<store::Registration> Auditor::Impl::Store(store::Registration r,
                                                         const verdict::Subject& subject,
                                                         const Control& control) const {
  INFIP_RETURN_IF_ERROR(CheckControl(control, "signing the receipt"));
  Report(control, Stage::kSigning);
  INFIP_ASSIGN_OR_RETURN(r.receipt, SignReceipt(r, subject, *signer));
  // The last point at which a cancellation can still leave nothing behind.
  INFIP_RETURN_IF_ERROR(CheckControl(control, "storing the registration"));
  INFIP_RETURN_IF_ERROR(store->Put(r));
  spdlog::info("registered {} (owner {}, model {}, {} keys {}, composite {}, T {})", r.id, r.owner,
               r.model_name, r.key_count, ShapeText(r.input_shape), r.composite, r.threshold);
  return r;
}

absl::StatusOr<std::unique_ptr<Auditor>> Auditor::Create(AuditorOptions options,
                                                         store::RegistrationStore* store,
                                                         const verdict::Signer* signer,
                                                         ExtractionBackend* backend) {
  if (store == nullptr) return absl::InvalidArgumentError("auditor: no registration store");
  if (signer == nullptr) return absl::InvalidArgumentError("auditor: no signer");
  INFIP_RETURN_IF_ERROR(CheckAuditorOptions(options));
  std::unique_ptr<ExtractionBackend> own_backend;
  if (backend == nullptr) {
    INFIP_ASSIGN_OR_RETURN(torch::Device device, ParseDevice(options.device));
    own_backend = std::make_unique<InProcessBackend>(device);
    backend = own_backend.get();
  }
  auto impl = std::unique_ptr<Impl>(
      new Impl{std::move(options), store, signer, std::move(own_backend), backend});
  return std::unique_ptr<Auditor>(new Auditor(std::move(impl)));
}

Auditor::Auditor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Auditor::~Auditor() = default;

const AuditorOptions& Auditor::options() const { return impl_->options; }

absl::StatusOr<store::Registration> Auditor::RegisterModel(const RegisterSettings& settings,
                                                           io::KeySet keys,
                                                           const SuspectModel& model,
                                                           const Control& control) {
  const Impl& impl = *impl_;
  INFIP_ASSIGN_OR_RETURN(ResolvedSettings resolved, ResolveSettings(settings, impl.options));
  INFIP_RETURN_IF_ERROR(CheckPrincipal(settings.principal));
  INFIP_RETURN_IF_ERROR(CheckSuspect(model));
  INFIP_RETURN_IF_ERROR(impl.CheckKeys(keys));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<ModelSession> session,
                         impl.backend->Open(model, control));
  ExtractionSettings extraction_settings;
  extraction_settings.composite = resolved.composite;
  extraction_settings.image = resolved.image;
  extraction_settings.chunk_size = impl.options.chunk_size;
  extraction_settings.with_key_preview = true;
  INFIP_ASSIGN_OR_RETURN(Extraction extraction,
                         session->Extract(keys, extraction_settings, control));

  store::NewRegistration info;
  info.owner = resolved.owner;
  info.principal = settings.principal;
  info.model_name = resolved.model_name;
  info.threshold = resolved.threshold;
  info.created = absl::Now();
  INFIP_ASSIGN_OR_RETURN(store::Registration r,
                         store::MakeRegistration(info, keys, extraction.set));
  return impl.Store(std::move(r), verdict::Subject{model.name, session->sha256()}, control);
}

absl::StatusOr<store::Registration> Auditor::RegisterFingerprints(const RegisterSettings& settings,
                                                                  io::KeySet keys,
                                                                  std::string infip_bytes) {
  const Impl& impl = *impl_;
  // Composite and lambda are S's own; only owner, model name and T are the caller's.
  RegisterSettings own = settings;
  own.composite.clear();
  own.lambda.reset();
  own.lambda_scaling.reset();
  INFIP_ASSIGN_OR_RETURN(ResolvedSettings resolved, ResolveSettings(own, impl.options));
  INFIP_RETURN_IF_ERROR(CheckPrincipal(settings.principal));
  INFIP_RETURN_IF_ERROR(impl.CheckKeys(keys));
  if (static_cast<int64_t>(infip_bytes.size()) > impl.options.limits.max_fingerprint_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint set: ", infip_bytes.size(), " bytes; at most ",
                     impl.options.limits.max_fingerprint_bytes, " are accepted"));
  }
  absl::StatusOr<fingerprint::FingerprintSet> set = fingerprint::ParseFingerprintSet(infip_bytes);
  if (!set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("fingerprint set: ", set.status().message()));
  }
  if (absl::Status valid = fingerprint::Validate(*set); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("fingerprint set: ", valid.message()));
  }
  const fingerprint::FingerprintMetadata& m = set->metadata;
  if (m.key_set_sha256 != keys.sha256) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint set: extracted on key set ", m.key_set_sha256,
                     ", not on the key set sent with it (", keys.sha256, ")"));
  }
  if (set->size() != keys.inputs.size(0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fingerprint set: ", set->size(), " fingerprints for ", keys.inputs.size(0), " keys"));
  }
  const std::vector<int64_t> shape = {keys.inputs.size(1), keys.inputs.size(2),
                                      keys.inputs.size(3)};
  if (m.input_shape != shape) {
    return absl::InvalidArgumentError(absl::StrCat("fingerprint set: made at input shape ",
                                                   absl::StrJoin(m.input_shape, "x"),
                                                   ", the keys are ", absl::StrJoin(shape, "x")));
  }
  if (!dtd::Composite::ByName(m.composite).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint set: composite \"", m.composite,
                     "\" is unknown to this server, so no suspect could be verified against it"));
  }
  if (!(std::isfinite(m.lambda) && m.lambda > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fingerprint set: lambda ", m.lambda, " is not a positive number"));
  }

  store::NewRegistration info;
  info.owner = resolved.owner;
  info.principal = settings.principal;
  info.model_name = resolved.model_name;
  info.threshold = resolved.threshold;
  info.created = absl::Now();
  INFIP_ASSIGN_OR_RETURN(store::Registration r,
                         store::MakeRegistration(info, keys, std::move(infip_bytes)));
  const verdict::Subject subject{absl::StrCat(resolved.model_name, ".infip"),
                                 r.fingerprints_sha256};
  return impl.Store(std::move(r), subject, Control{});
}

absl::StatusOr<VerdictRecord> Auditor::Verify(std::string_view registration_id,
                                              const SuspectModel& suspect, const Control& control,
                                              std::string_view principal) {
  const Impl& impl = *impl_;
  INFIP_RETURN_IF_ERROR(CheckPrincipal(principal));
  INFIP_RETURN_IF_ERROR(CheckSuspect(suspect));
  INFIP_RETURN_IF_ERROR(CheckControl(control, "reading the registration"));
  INFIP_ASSIGN_OR_RETURN(RegisteredSet reg, impl.LoadRegistration(registration_id));
  const std::string& id = reg.registration.id;
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<ModelSession> session,
                         impl.backend->Open(suspect, control));
  INFIP_ASSIGN_OR_RETURN(fingerprint::FingerprintSet suspect_set,
                         ExtractSuspect(reg, *session, impl.options.chunk_size, control));

  INFIP_RETURN_IF_ERROR(CheckControl(control, "comparing"));
  Report(control, Stage::kComparing, 0, 1, id);
  INFIP_ASSIGN_OR_RETURN(similarity::Comparison comparison,
                         CompareWithRegistration(reg, suspect_set, impl.options.compare));
  Report(control, Stage::kComparing, 1, 1, id);

  INFIP_RETURN_IF_ERROR(CheckControl(control, "signing the verdict"));
  Report(control, Stage::kSigning, 0, 1, id);
  INFIP_ASSIGN_OR_RETURN(
      PendingVerdict verdict,
      MakeVerdict(reg.registration, suspect_set, std::move(comparison),
                  impl.options.compare.confidence, suspect.name, session->sha256(),
                  *impl.signer));
  verdict.stored.principal = std::string(principal);
  INFIP_RETURN_IF_ERROR(CheckControl(control, "storing the verdict"));
  INFIP_RETURN_IF_ERROR(impl.store->PutVerdict(verdict.stored));
  Report(control, Stage::kSigning, 1, 1, id);
  const similarity::Comparison& c = verdict.record.comparison;
  spdlog::info("verdict {}: {} ({}) against {}: ASSIM {:.4f} [{:.4f}, {:.4f}], T {}, {}",
               verdict.record.id, suspect.name, session->sha256(), id, c.assim, c.ci_low, c.ci_high,
               c.threshold, c.pirated ? "pirated" : "independent");
  return std::move(verdict.record);
}

absl::StatusOr<ScreenOutcome> Auditor::Screen(const SuspectModel& suspect,
                                              const std::optional<std::string>& owner,
                                              const Control& control, std::string_view principal) {
  const Impl& impl = *impl_;
  INFIP_RETURN_IF_ERROR(CheckPrincipal(principal));
  INFIP_RETURN_IF_ERROR(CheckSuspect(suspect));
  if (owner.has_value()) {
    INFIP_RETURN_IF_ERROR(CheckPrintable(*owner, kMaxOwnerCharacters, "owner"));
  }
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<ModelSession> session,
                         impl.backend->Open(suspect, control));
  INFIP_ASSIGN_OR_RETURN(std::vector<store::RegistrationSummary> all, ListAll(*impl.store, owner));

  ScreenOutcome outcome;
  outcome.candidates = static_cast<int64_t>(all.size());
  // One probe per shape decides for every registration of that shape.
  std::vector<store::RegistrationSummary> accepted;
  for (auto& [shape, group] : ByShape(std::move(all))) {
    INFIP_RETURN_IF_ERROR(CheckControl(control, "checking input shapes"));
    const absl::Status fits = session->CheckAccepts(
        std::vector<int64_t>{1, shape.channels, shape.height, shape.width}, control);
    // Only "does not take this shape" is a reason to skip; anything else ends the screening.
    if (!fits.ok() && !absl::IsFailedPrecondition(fits)) return fits;
    for (store::RegistrationSummary& s : group) {
      if (fits.ok()) {
        accepted.push_back(std::move(s));
      } else {
        outcome.skipped.push_back({s.id, shape,
                                   absl::StrCat("the suspect does not take ", ShapeText(shape),
                                                " keys: ", fits.message())});
      }
    }
  }

  const int64_t total = static_cast<int64_t>(accepted.size());
  Report(control, Stage::kComparing, 0, total);
  std::map<std::string, fingerprint::FingerprintSet> extracted;
  std::vector<Compared> compared;
  int64_t done = 0;
  for (const store::RegistrationSummary& summary : accepted) {
    INFIP_RETURN_IF_ERROR(CheckControl(control, "screening"));
    const Control sub = ForRegistration(control, summary.id);
    absl::StatusOr<RegisteredSet> reg = impl.LoadRegistration(summary.id);
    if (absl::IsNotFound(reg.status()) || absl::IsDataLoss(reg.status())) {
      // Deleted since the listing, or damaged: the rest of the screening still stands.
      outcome.skipped.push_back(
          {summary.id, summary.input_shape, std::string(reg.status().message())});
      continue;
    }
    if (!reg.ok()) return reg.status();
    const std::string key = ExtractionKey(reg->registration);
    auto cached = extracted.find(key);
    if (cached == extracted.end()) {
      absl::StatusOr<fingerprint::FingerprintSet> suspect_set =
          ExtractSuspect(*reg, *session, impl.options.chunk_size, sub);
      if (absl::IsFailedPrecondition(suspect_set.status())) {
        outcome.skipped.push_back(
            {summary.id, summary.input_shape, std::string(suspect_set.status().message())});
        continue;
      }
      if (!suspect_set.ok()) return suspect_set.status();
      cached = extracted.emplace(key, *std::move(suspect_set)).first;
    }
    INFIP_ASSIGN_OR_RETURN(similarity::Comparison comparison,
                           CompareWithRegistration(*reg, cached->second, impl.options.compare));
    store::Registration light = std::move(reg->registration);
    light.key_set.npy.clear();
    light.fingerprints.clear();
    compared.push_back({std::move(light), std::move(comparison), &cached->second});
    Report(sub, Stage::kComparing, ++done, total);
  }

  // Everything is signed and stored only once every comparison is done, so that a screening
  // cancelled halfway leaves no verdicts behind.
  INFIP_RETURN_IF_ERROR(CheckControl(control, "signing the verdicts"));
  const int64_t to_sign = static_cast<int64_t>(compared.size());
  Report(control, Stage::kSigning, 0, to_sign);
  std::vector<PendingVerdict> pending;
  for (Compared& c : compared) {
    INFIP_ASSIGN_OR_RETURN(
        PendingVerdict v,
        MakeVerdict(c.registration, *c.suspect_set, std::move(c.comparison),
                    impl.options.compare.confidence, suspect.name, session->sha256(),
                    *impl.signer));
    v.stored.principal = std::string(principal);
    pending.push_back(std::move(v));
  }
  INFIP_RETURN_IF_ERROR(CheckControl(control, "storing the verdicts"));
  int64_t stored = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    PendingVerdict& v = pending[i];
    absl::Status put = impl.store->PutVerdict(v.stored);
    if (absl::IsNotFound(put)) {  // the registration went while the suspect was compared
      outcome.skipped.push_back({v.record.registration_id, compared[i].registration.input_shape,
                                 std::string(put.message())});
      continue;
    }
    INFIP_RETURN_IF_ERROR(put);
    outcome.verdicts.push_back(std::move(v.record));
    Report(control, Stage::kSigning, ++stored, to_sign);
  }
  std::stable_sort(outcome.verdicts.begin(), outcome.verdicts.end(),
                   [](const VerdictRecord& a, const VerdictRecord& b) {
                     return a.comparison.assim > b.comparison.assim;
                   });
  spdlog::info("screened {} ({}): {} candidates, {} compared, {} skipped", suspect.name,
               session->sha256(), outcome.candidates, outcome.verdicts.size(), outcome.skipped.size());
  return outcome;
}

absl::StatusOr<std::vector<EvidenceImage>> Auditor::VerdictEvidence(std::string_view verdict_id,
                                                                    int max_keys,
                                                                    EvidenceView view) {
  const Impl& impl = *impl_;
  if (max_keys < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_keys must be 0 (every key) or positive, not ", max_keys));
  }
  INFIP_RETURN_IF_ERROR(store::ValidateVerdictId(verdict_id));
  INFIP_ASSIGN_OR_RETURN(store::StoredVerdict v, impl.store->GetVerdict(verdict_id));
  INFIP_ASSIGN_OR_RETURN(RegisteredSet reg, impl.LoadRegistration(v.registration_id));
  absl::StatusOr<fingerprint::FingerprintSet> suspect_set =
      fingerprint::ParseFingerprintSet(v.suspect_fingerprints);
  if (!suspect_set.ok()) {
    return absl::DataLossError(
        absl::StrCat("verdict ", View(verdict_id),
                     ": stored suspect fingerprints: ", suspect_set.status().message()));
  }
  if (view == EvidenceView::kComparison) {
    return ComparisonImages(reg.fingerprints, *suspect_set, v.per_key_ssim, max_keys,
                            impl.options.compare.ssim);
  }
  return VerdictImages(reg.keys, reg.fingerprints, *suspect_set, v.per_key_ssim, max_keys,
                       impl.options.compare.ssim);
}

absl::StatusOr<std::vector<EvidenceImage>> Auditor::RegistrationEvidence(
    std::string_view registration_id, int max_keys) {
  if (max_keys < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_keys must be 0 (every key) or positive, not ", max_keys));
  }
  INFIP_ASSIGN_OR_RETURN(RegisteredSet reg, impl_->LoadRegistration(registration_id));
  return RegistrationImages(reg.keys, reg.fingerprints, max_keys);
}

}  // namespace infip::audit
