// The plain types the Auditor (audit/auditor.h) takes and returns: settings, the suspect
// model, progress and cancellation, and the records it produces.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "infip/fingerprint/image.h"
#include "infip/similarity/assim.h"
#include "infip/store/registration.h"

namespace infip::audit {

// Where a long operation is; mirrors infip.v1.Stage.
enum class Stage { kQueued, kLoading, kExtracting, kComparing, kSigning };

struct Progress {
  Stage stage = Stage::kLoading;
  int64_t done = 0;
  int64_t total = 0;
  std::string registration_id;  // during a screening, the one being worked on
};

// How a caller follows and stops a long operation. `cancelled` and `deadline` are checked
// between stages and between extraction chunks: CANCELLED or DEADLINE_EXCEEDED then, with
// nothing stored.
struct Control {
  std::function<void(const Progress&)> progress;  // may be empty; called on the worker thread
  std::function<bool()> cancelled;                // may be empty
  absl::Time deadline = absl::InfiniteFuture();
};

// A model file on local disk (a staged upload or a fetched handle), already hashed.
struct SuspectModel {
  std::string path;
  std::string sha256;  // lowercase hex of the file's bytes
  std::string name;    // for the verdict's subject; not empty
};

struct Limits {
  int64_t max_keys = 4096;                  // N
  int64_t max_key_set_bytes = 256LL << 20;  // .npy bytes
  int64_t max_fingerprint_bytes = 256LL << 20;
};

struct AuditorOptions {
  std::string device = "cpu";  // "cpu" | "cuda" | "cuda:N" (what torch::Device parses)
  std::string default_composite = "dtd";
  double default_lambda = 5000.0;
  fingerprint::LambdaScaling default_lambda_scaling = fingerprint::LambdaScaling::kResolution;
  double default_threshold = 0.85;
  similarity::CompareOptions compare;  // bootstrap and SSIM settings; its threshold is unused
  int64_t chunk_size = 64;             // keys per forward/backward pass
  Limits limits;
};

// What the registering owner chooses. Unset: the AuditorOptions default.
struct RegisterSettings {
  std::string owner;       // required, 1..128 printable characters
  // The authenticated caller registering it (the owner, or an admin acting for them), as the
  // server established it; recorded with the registration. Empty: the owner.
  std::string principal;
  std::string model_name;  // required, 1..256 printable characters
  std::string composite;   // empty: default
  std::optional<double> lambda;
  std::optional<fingerprint::LambdaScaling> lambda_scaling;
  std::optional<double> threshold;
};

// A signed verdict as recorded (and as GetEvidence finds it again).
struct VerdictRecord {
  std::string id;  // "vrd_" + 16 lowercase hex digits
  std::string registration_id;
  std::string suspect_name;
  std::string suspect_sha256;
  similarity::Comparison comparison;  // assim, interval, per-key SSIM, threshold, decision
  double confidence = 0.95;
  int64_t key_count = 0;
  std::string composite;
  double lambda = 0.0;
  fingerprint::LambdaScaling lambda_scaling = fingerprint::LambdaScaling::kResolution;
  std::string engine_version;
  absl::Time time;
  std::string envelope;  // DSSE envelope JSON (verdict/dsse.h), one line
};

struct ScreenSkip {
  std::string registration_id;
  store::InputShape input_shape;
  std::string reason;
};

struct ScreenOutcome {
  std::vector<VerdictRecord> verdicts;  // highest ASSIM first
  std::vector<ScreenSkip> skipped;
  int64_t candidates = 0;
};

enum class EvidenceKind { kKey, kRegisteredFingerprint, kSuspectFingerprint, kSsimMap, kGrid };

// How much of a verdict's evidence a caller may see; the server decides (docs/security.md).
enum class EvidenceView {
  kFull,  // keys, S, S' and the SSIM maps: the registration's owner and admins
  // The SSIM maps with their per-key SSIMs only: whoever asked for the verdict without owning
  // the registration. Neither the keys nor S (which outlines them), nor S' (a suspect can be
  // built whose relevance maps reproduce its input, i.e. the keys).
  kComparison,
};

struct EvidenceImage {
  EvidenceKind kind = EvidenceKind::kGrid;
  int64_t key_index = -1;  // -1 for the grid
  std::string name;        // e.g. "key-007-ssim.png"
  std::string png;         // encoded PNG bytes
  double ssim = 0.0;       // SSIM maps: that key's SSIM
};

}  // namespace infip::audit
