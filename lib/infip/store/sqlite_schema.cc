#include "infip/store/sqlite_schema.h"

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"

namespace infip::store::sqlite {
namespace {

// Version 1. STRICT tables: SQLite refuses a value of the wrong type instead of storing it.
// The blobs live in their own tables, one row per registration, so that listings never page
// through megabytes of tensors; ON DELETE CASCADE removes them with their registration.
constexpr std::string_view kCreateSchemaVersion = R"sql(CREATE TABLE schema_version (
  version     INTEGER PRIMARY KEY,
  applied_utc TEXT NOT NULL,
  summary     TEXT NOT NULL
) STRICT)sql";

constexpr std::string_view kCreateRegistrations = R"sql(CREATE TABLE registrations (
  id                  TEXT PRIMARY KEY,
  owner               TEXT NOT NULL CHECK (length(owner) > 0),
  model_name          TEXT NOT NULL,
  created_micros      INTEGER NOT NULL,
  threshold           REAL NOT NULL,
  composite           TEXT NOT NULL,
  lambda              REAL NOT NULL,
  lambda_scaling      TEXT NOT NULL CHECK (lambda_scaling IN ('resolution', 'literal')),
  channels            INTEGER NOT NULL CHECK (channels > 0),
  height              INTEGER NOT NULL CHECK (height > 0),
  width               INTEGER NOT NULL CHECK (width > 0),
  key_count           INTEGER NOT NULL CHECK (key_count > 0),
  key_set_sha256      TEXT NOT NULL,
  fingerprints_sha256 TEXT NOT NULL,
  receipt             BLOB NOT NULL
) STRICT)sql";

constexpr std::string_view kCreateKeySets = R"sql(CREATE TABLE key_sets (
  registration_id TEXT PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
  tensor_npy      BLOB NOT NULL,
  box_low         BLOB NOT NULL,
  box_high        BLOB NOT NULL,
  preprocessing   TEXT NOT NULL,
  CHECK (length(box_low) = length(box_high) AND length(box_low) % 8 = 0)
) STRICT)sql";

constexpr std::string_view kCreateFingerprintSets = R"sql(CREATE TABLE fingerprint_sets (
  registration_id TEXT PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
  infip           BLOB NOT NULL
) STRICT)sql";

// One index per listing order: all, by owner, by input shape (List and ListCompatible); each
// ends in the sort key so that pages are index range scans.
constexpr std::string_view kIndexCreated =
    "CREATE INDEX registrations_by_created ON registrations (created_micros, id)";
constexpr std::string_view kIndexOwner =
    "CREATE INDEX registrations_by_owner ON registrations (owner, created_micros, id)";
constexpr std::string_view kIndexShape =
    "CREATE INDEX registrations_by_shape ON registrations "
    "(channels, height, width, created_micros, id)";

// Version 2: signed verdicts. One row each, with the copies of what its envelope signs that
// VerdictRecord needs, and the suspect's fingerprint set S' as evidence. A verdict cannot
// outlive its registration (ON DELETE CASCADE: deleting the registration deletes its verdicts
// in the same statement, hence the same transaction). The per-key SSIM is a BLOB of float64
// values, like the box, for the same bit-exactness.
constexpr std::string_view kCreateVerdicts = R"sql(CREATE TABLE verdicts (
  id                          TEXT PRIMARY KEY,
  registration_id             TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
  created_micros              INTEGER NOT NULL,
  suspect_name                TEXT NOT NULL CHECK (length(suspect_name) > 0),
  suspect_sha256              TEXT NOT NULL,
  assim                       REAL NOT NULL,
  ci_low                      REAL NOT NULL,
  ci_high                     REAL NOT NULL,
  confidence                  REAL NOT NULL,
  threshold                   REAL NOT NULL,
  pirated                     INTEGER NOT NULL CHECK (pirated IN (0, 1)),
  key_count                   INTEGER NOT NULL CHECK (key_count > 0),
  per_key_ssim                BLOB NOT NULL CHECK (length(per_key_ssim) = 8 * key_count),
  composite                   TEXT NOT NULL,
  lambda                      REAL NOT NULL,
  lambda_scaling              TEXT NOT NULL CHECK (lambda_scaling IN ('resolution', 'literal')),
  engine_version              TEXT NOT NULL,
  envelope                    TEXT NOT NULL,
  suspect_fingerprints        BLOB NOT NULL,
  suspect_fingerprints_sha256 TEXT NOT NULL
) STRICT)sql";

// The cascade looks verdicts up by registration; without an index each Delete would scan them.
constexpr std::string_view kIndexVerdictsByRegistration =
    "CREATE INDEX verdicts_by_registration ON verdicts (registration_id, created_micros, id)";

// Version 3: who did it. A registration records the principal that registered it (its owner,
// or an admin acting for the owner); registrations made before had no authenticated caller,
// so their owner name becomes their principal. A verdict records the principal that asked
// for it; NULL for verdicts made before, which then belong to nobody but the registration's
// owner (and admins). Columns added to STRICT tables keep their type checks; the non-empty
// rule is ValidateRegistration's, since ALTER TABLE cannot add a CHECK the old rows fail.
constexpr std::string_view kAddRegistrationPrincipal =
    "ALTER TABLE registrations ADD COLUMN principal TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kFillRegistrationPrincipal =
    "UPDATE registrations SET principal = owner";
constexpr std::string_view kAddVerdictPrincipal = "ALTER TABLE verdicts ADD COLUMN principal TEXT";

absl::StatusOr<int64_t> QueryInt(Connection& db, std::string_view sql) {
  INFIP_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql));
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row || query.ColumnIsNull(0)) return 0;
  return query.ColumnInt64(0);
}

absl::Status Newer(const Connection& db, int version) {
  return absl::FailedPreconditionError(
      absl::StrCat("sqlite store ", db.path(), ": schema version ", version,
                   " is newer than this build understands (", kSchemaVersion,
                   "); run a newer infip, or restore a backup made by this version"));
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration>* const migrations = new std::vector<Migration>{
      {1,
       "registrations, key_sets, fingerprint_sets",
       {kCreateSchemaVersion, kCreateRegistrations, kCreateKeySets, kCreateFingerprintSets,
        kIndexCreated, kIndexOwner, kIndexShape}},
      {2, "verdicts", {kCreateVerdicts, kIndexVerdictsByRegistration}},
      {3,
       "principals of registrations and verdicts",
       {kAddRegistrationPrincipal, kFillRegistrationPrincipal, kAddVerdictPrincipal}},
  };
  return *migrations;
}

absl::StatusOr<int> ReadSchemaVersion(Connection& db) {
  INFIP_ASSIGN_OR_RETURN(int64_t has_table,
                         QueryInt(db,
                                  "SELECT count(*) FROM sqlite_schema "
                                  "WHERE type = 'table' AND name = 'schema_version'"));
  if (has_table == 0) {
    INFIP_ASSIGN_OR_RETURN(int64_t objects, QueryInt(db, "SELECT count(*) FROM sqlite_schema"));
    if (objects != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("sqlite store ", db.path(),
                       ": the database holds tables but no schema_version table; it is not an "
                       "infip registration store"));
    }
    return 0;
  }
  INFIP_ASSIGN_OR_RETURN(int64_t version, QueryInt(db, "SELECT max(version) FROM schema_version"));
  return static_cast<int>(version);
}

absl::Status CheckSchemaReadable(Connection& db) {
  INFIP_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > kSchemaVersion) return Newer(db, version);
  return absl::OkStatus();
}

absl::Status MigrateSchema(Connection& db) {
  Transaction txn(db);
  INFIP_RETURN_IF_ERROR(txn.Begin());
  INFIP_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > kSchemaVersion) return Newer(db, version);
  if (version == kSchemaVersion) return txn.Commit();
  for (const Migration& step : Migrations()) {
    if (step.version <= version) continue;
    for (std::string_view sql : step.statements) {
      INFIP_RETURN_IF_ERROR(
          db.Exec(sql, absl::StrCat("migrating to schema version ", step.version)));
    }
    INFIP_ASSIGN_OR_RETURN(Statement record,
                           db.Prepare("INSERT INTO schema_version (version, applied_utc, summary) "
                                      "VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2)"));
    record.BindInt64(1, step.version);
    record.BindText(2, step.summary);
    INFIP_RETURN_IF_ERROR(record.Run());
  }
  return txn.Commit();
}

}  // namespace infip::store::sqlite
