// Intake: everything a request sends before work can start — the key set, and the model
// (streamed chunks into a capped, hashed temp file, or fetched from a remote handle) or the
// fingerprint set — received under the streaming rules of upload_reader.h, with RECEIVING
// and FETCHING progress for the client and byte counts for the metrics and the request log.
// The staged model belongs to the returned Intake and is deleted with it: a request that
// fails, or a client that goes away, leaves nothing behind.
//
//   INFIP_ASSIGN_OR_RETURN(ModelPlan model, PlanModel(header.model(), "VerifyHeader.model",
//                                                     env.max_upload_bytes));
//   v1::VerifyRequest holder;
//   INFIP_ASSIGN_OR_RETURN(Intake in, ReceiveModel(env, call, std::nullopt, model,
//                                                  PartReader(stream, &holder)));
//   auditor->Verify(id, in.suspect, control);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/audit/audit_types.h"
#include "infip/fetch/fetcher.h"
#include "infip/fetch/staged_file.h"
#include "infip/v1/infip.pb.h"
#include "server/metrics.h"
#include "server/request_log.h"
#include "server/upload_reader.h"

namespace infip::server {

// The server's side: where and how much.
struct IntakeEnv {
  const fetch::Fetcher* fetcher = nullptr;
  std::string temp_dir;
  int64_t max_upload_bytes = 0;
  int64_t max_key_set_bytes = 0;
  int64_t max_fingerprint_bytes = 0;
  ServerMetrics* metrics = nullptr;  // may be null
};

// The call's side.
struct IntakeCall {
  std::function<bool()> cancelled;  // may be empty
  absl::Time deadline = absl::InfiniteFuture();
  std::function<void(const v1::Progress&)> progress;  // may be empty (unary replies)
  CallLog* log = nullptr;                               // may be null
};

// Where a model comes from, checked: exactly one of an upload of upload_bytes > 0 bytes (at
// most the cap) or a handle; the name the verdict gives it.
struct ModelPlan {
  std::optional<int64_t> upload_bytes;
  std::string handle;
  std::string sha256_pin;
  std::string name;
};

// INVALID_ARGUMENT naming `field` for a source with neither an upload nor a handle, or a
// size < 1; RESOURCE_EXHAUSTED for a declared size over max_upload_bytes.
[[nodiscard]] absl::StatusOr<ModelPlan> PlanModel(const v1::ModelSource& source,
                                                  std::string_view field,
                                                  int64_t max_upload_bytes);

// The name a suspect gets without ModelSource.name: the handle's last path segment, or
// "suspect.pt" for an upload (or a handle that ends in '/').
[[nodiscard]] std::string DefaultModelName(std::string_view handle);

struct Intake {
  std::string key_set_npy;   // "" when the stream carries no key set
  std::string fingerprints;  // .infip bytes, for RegisterFingerprints
  std::optional<fetch::StagedFile> model;
  audit::SuspectModel suspect;  // the staged model's path, SHA-256 and name
};

// Key set (when key_set_bytes is set) and model, by upload or handle; the stream is read to
// its end before a handle is fetched.
[[nodiscard]] absl::StatusOr<Intake> ReceiveModel(const IntakeEnv& env, const IntakeCall& call,
                                                  std::optional<int64_t> key_set_bytes,
                                                  const ModelPlan& model,
                                                  const std::function<bool(StreamPart*)>& next);

// Key set and fingerprint set, both held in memory (each checked against its cap first).
[[nodiscard]] absl::StatusOr<Intake> ReceiveFingerprints(
    const IntakeEnv& env, const IntakeCall& call, int64_t key_set_bytes,
    int64_t fingerprints_bytes, const std::function<bool(StreamPart*)>& next);

}  // namespace infip::server
