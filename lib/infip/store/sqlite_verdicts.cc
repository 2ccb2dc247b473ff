// SqliteStore's verdict table (schema version 2; its principal since version 3; docs/store.md).
#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/store/sqlite_store.h"
#include "infip/store/sqlite_values.h"

namespace infip::store {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

// What a verdict must agree with; read inside the write transaction, so that the registration
// cannot change or go between the check and the insert.
constexpr std::string_view kSelectRegistrationSettings =
    "SELECT key_count, composite, lambda, lambda_scaling, threshold FROM registrations "
    "WHERE id = ?1";

constexpr std::string_view kInsertVerdict =
    "INSERT INTO verdicts (id, registration_id, created_micros, suspect_name, suspect_sha256, "
    "assim, ci_low, ci_high, confidence, threshold, pirated, key_count, per_key_ssim, composite, "
    "lambda, lambda_scaling, engine_version, envelope, suspect_fingerprints, "
    "suspect_fingerprints_sha256, principal) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21)";

// The columns in the order ReadVerdict reads them.
constexpr std::string_view kSelectVerdict =
    "SELECT id, registration_id, created_micros, suspect_name, suspect_sha256, assim, ci_low, "
    "ci_high, confidence, threshold, pirated, key_count, per_key_ssim, composite, lambda, "
    "lambda_scaling, engine_version, envelope, suspect_fingerprints, "
    "suspect_fingerprints_sha256, principal FROM verdicts WHERE id = ?1";

constexpr std::string_view kSelectVerdictSummary =
    "SELECT id, registration_id, created_micros, principal FROM verdicts WHERE id = ?1";

absl::Status VerdictNotFound(std::string_view id) {
  return absl::NotFoundError(
      absl::StrCat("verdict ", absl::string_view(id.data(), id.size()), " not found"));
}

absl::Status RegistrationNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("registration ", id, " not found"));
}

absl::Status Disagrees(const StoredVerdict& v, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "verdict ", v.id, ": ", what, " differs from registration ", v.registration_id, "'s"));
}

}  // namespace

absl::Status SqliteStore::PutVerdict(const StoredVerdict& verdict) {
  // Outside the lock: parsing and hashing S' is the slow part.
  INFIP_RETURN_IF_ERROR(ValidateVerdict(verdict));
  absl::MutexLock lock(&mu_);
  return InsertVerdictLocked(verdict);
}

absl::Status SqliteStore::InsertVerdictLocked(const StoredVerdict& v) {
  Transaction txn(*db_);
  INFIP_RETURN_IF_ERROR(txn.Begin());
  {
    INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kSelectRegistrationSettings));
    query.BindText(1, v.registration_id);
    INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return RegistrationNotFound(v.registration_id);
    if (query.ColumnInt64(0) != v.key_count) {
      return Disagrees(v, absl::StrCat("key count ", v.key_count));
    }
    if (query.ColumnText(1) != v.composite) {
      return Disagrees(v, absl::StrCat("composite \"", v.composite, "\""));
    }
    if (query.ColumnDouble(2) != v.lambda) return Disagrees(v, absl::StrCat("lambda ", v.lambda));
    if (query.ColumnText(3) != fingerprint::LambdaScalingName(v.lambda_scaling)) {
      return Disagrees(v,
                       absl::StrCat("lambda scaling ",
                                    std::string(fingerprint::LambdaScalingName(v.lambda_scaling))));
    }
    if (query.ColumnDouble(4) != v.threshold) {
      return Disagrees(v, absl::StrCat("threshold ", v.threshold));
    }
  }
  {
    const std::string per_key = sqlite::EncodeDoubles(v.per_key_ssim);
    INFIP_ASSIGN_OR_RETURN(Statement insert, db_->Prepare(kInsertVerdict));
    insert.BindText(1, v.id);
    insert.BindText(2, v.registration_id);
    insert.BindInt64(3, absl::ToUnixMicros(v.created));
    insert.BindText(4, v.suspect_name);
    insert.BindText(5, v.suspect_sha256);
    insert.BindDouble(6, v.assim);
    insert.BindDouble(7, v.ci_low);
    insert.BindDouble(8, v.ci_high);
    insert.BindDouble(9, v.confidence);
    insert.BindDouble(10, v.threshold);
    insert.BindInt64(11, v.pirated ? 1 : 0);
    insert.BindInt64(12, v.key_count);
    insert.BindBlob(13, per_key);
    insert.BindText(14, v.composite);
    insert.BindDouble(15, v.lambda);
    insert.BindText(16, fingerprint::LambdaScalingName(v.lambda_scaling));
    insert.BindText(17, v.engine_version);
    insert.BindText(18, v.envelope);
    insert.BindBlob(19, v.suspect_fingerprints);
    insert.BindText(20, v.suspect_fingerprints_sha256);
    // NULL, not "": a verdict nobody is recorded as having asked for (docs/store.md).
    if (v.principal.empty()) {
      insert.BindNull(21);
    } else {
      insert.BindText(21, v.principal);
    }
    if (absl::Status inserted = insert.Run(); !inserted.ok()) {
      if (insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(absl::StrCat("verdict ", v.id, " already exists"));
      }
      return inserted;
    }
  }
  return txn.Commit();
}

absl::StatusOr<StoredVerdict> SqliteStore::GetVerdict(std::string_view id) {
  INFIP_RETURN_IF_ERROR(ValidateVerdictId(id));
  INFIP_ASSIGN_OR_RETURN(StoredVerdict v, ReadVerdict(id));
  if (absl::Status intact = VerifyStoredVerdictBlobs(v); !intact.ok()) {
    return absl::DataLossError(absl::StrCat("sqlite store ", path_, ": ", intact.message()));
  }
  return v;
}

absl::StatusOr<StoredVerdict> SqliteStore::ReadVerdict(std::string_view id) {
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kSelectVerdict));
  query.BindText(1, id);
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return VerdictNotFound(id);
  StoredVerdict v;
  v.id = query.ColumnText(0);
  v.registration_id = query.ColumnText(1);
  v.created = absl::FromUnixMicros(query.ColumnInt64(2));
  v.suspect_name = query.ColumnText(3);
  v.suspect_sha256 = query.ColumnText(4);
  v.assim = query.ColumnDouble(5);
  v.ci_low = query.ColumnDouble(6);
  v.ci_high = query.ColumnDouble(7);
  v.confidence = query.ColumnDouble(8);
  v.threshold = query.ColumnDouble(9);
  v.pirated = query.ColumnInt64(10) != 0;
  v.key_count = query.ColumnInt64(11);
  INFIP_ASSIGN_OR_RETURN(v.per_key_ssim,
                         sqlite::DecodeDoubles(query.ColumnBlob(12), "per_key_ssim"));
  v.composite = query.ColumnText(13);
  v.lambda = query.ColumnDouble(14);
  const std::string scaling = query.ColumnText(15);
  absl::StatusOr<fingerprint::LambdaScaling> parsed = fingerprint::ParseLambdaScaling(scaling);
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("verdict ", v.id, ": stored lambda scaling \"", scaling, "\" is unknown"));
  }
  v.lambda_scaling = *parsed;
  v.engine_version = query.ColumnText(16);
  v.envelope = query.ColumnText(17);
  v.suspect_fingerprints = query.ColumnBlob(18);
  v.suspect_fingerprints_sha256 = query.ColumnText(19);
  if (!query.ColumnIsNull(20)) v.principal = query.ColumnText(20);
  return v;
}

absl::StatusOr<VerdictSummary> SqliteStore::GetVerdictSummary(std::string_view id) {
  INFIP_RETURN_IF_ERROR(ValidateVerdictId(id));
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kSelectVerdictSummary));
  query.BindText(1, id);
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return VerdictNotFound(id);
  VerdictSummary v;
  v.id = query.ColumnText(0);
  v.registration_id = query.ColumnText(1);
  v.created = absl::FromUnixMicros(query.ColumnInt64(2));
  if (!query.ColumnIsNull(3)) v.principal = query.ColumnText(3);
  return v;
}

absl::StatusOr<int64_t> SqliteStore::CountVerdicts() {
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare("SELECT count(*) FROM verdicts"));
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return absl::InternalError("count(*) returned no row");
  return query.ColumnInt64(0);
}

}  // namespace infip::store
