#include "infip/store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"
#include "infip/store/page_token.h"
#include "infip/store/sqlite_schema.h"
#include "infip/store/sqlite_values.h"
#include "infip/store/validate.h"

namespace infip::store {
namespace {

using sqlite::DecodeDoubles;
using sqlite::EncodeDoubles;
using sqlite::Statement;
using sqlite::Transaction;

// The summary columns, in the order ReadSummary reads them.
#define INFIP_SUMMARY_COLUMNS                                                           \
  "r.id, r.owner, r.model_name, r.created_micros, r.threshold, r.composite, r.lambda, " \
  "r.lambda_scaling, r.channels, r.height, r.width, r.key_count, r.key_set_sha256, "    \
  "r.fingerprints_sha256, r.principal"
constexpr int kSummaryColumnCount = 15;

constexpr std::string_view kInsertRegistration =
    "INSERT INTO registrations (id, owner, model_name, created_micros, threshold, composite, "
    "lambda, lambda_scaling, channels, height, width, key_count, key_set_sha256, "
    "fingerprints_sha256, receipt, principal) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
constexpr std::string_view kInsertKeySet =
    "INSERT INTO key_sets (registration_id, tensor_npy, box_low, box_high, preprocessing) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kInsertFingerprintSet =
    "INSERT INTO fingerprint_sets (registration_id, infip) VALUES (?1, ?2)";

// LEFT JOINs, so that a registration missing a blob row reads as damage, not as absent.
constexpr std::string_view kSelectRegistration =
    "SELECT " INFIP_SUMMARY_COLUMNS
    ", r.receipt, k.tensor_npy, k.box_low, k.box_high, k.preprocessing, f.infip "
    "FROM registrations AS r "
    "LEFT JOIN key_sets AS k ON k.registration_id = r.id "
    "LEFT JOIN fingerprint_sets AS f ON f.registration_id = r.id "
    "WHERE r.id = ?1";
constexpr std::string_view kSelectSummary =
    "SELECT " INFIP_SUMMARY_COLUMNS " FROM registrations AS r WHERE r.id = ?1";

// The four List queries (filter by owner, by shape, both, neither), all fixed text; the page
// starts strictly after the position (?1, ?2).
constexpr std::string_view kListAll =
    "SELECT " INFIP_SUMMARY_COLUMNS
    " FROM registrations AS r WHERE (r.created_micros, r.id) > (?1, ?2) "
    "ORDER BY r.created_micros, r.id LIMIT ?3";
constexpr std::string_view kListByOwner =
    "SELECT " INFIP_SUMMARY_COLUMNS
    " FROM registrations AS r WHERE r.owner = ?4 AND (r.created_micros, r.id) > (?1, ?2) "
    "ORDER BY r.created_micros, r.id LIMIT ?3";
constexpr std::string_view kListByShape =
    "SELECT " INFIP_SUMMARY_COLUMNS
    " FROM registrations AS r WHERE r.channels = ?5 AND r.height = ?6 AND r.width = ?7 "
    "AND (r.created_micros, r.id) > (?1, ?2) ORDER BY r.created_micros, r.id LIMIT ?3";
constexpr std::string_view kListByOwnerAndShape =
    "SELECT " INFIP_SUMMARY_COLUMNS
    " FROM registrations AS r WHERE r.owner = ?4 AND r.channels = ?5 AND r.height = ?6 "
    "AND r.width = ?7 AND (r.created_micros, r.id) > (?1, ?2) "
    "ORDER BY r.created_micros, r.id LIMIT ?3";

constexpr std::string_view kListCompatible =
    "SELECT " INFIP_SUMMARY_COLUMNS
    " FROM registrations AS r WHERE r.channels = ?1 AND r.height = ?2 AND r.width = ?3 "
    "ORDER BY r.created_micros, r.id";

#undef INFIP_SUMMARY_COLUMNS

absl::Status CheckShape(const InputShape& s) {
  if (s.channels < 1 || s.height < 1 || s.width < 1) {
    return absl::InvalidArgumentError(absl::StrCat("input shape must be positive, got ", s.channels,
                                                   "x", s.height, "x", s.width));
  }
  return absl::OkStatus();
}

absl::Status NotFound(std::string_view id) {
  return absl::NotFoundError(
      absl::StrCat("registration ", absl::string_view(id.data(), id.size()), " not found"));
}

// Reads the summary columns of the current row; DATA_LOSS for values no Put could write.
absl::StatusOr<RegistrationSummary> ReadSummary(const Statement& row) {
  RegistrationSummary s;
  s.id = row.ColumnText(0);
  s.owner = row.ColumnText(1);
  s.model_name = row.ColumnText(2);
  s.created = absl::FromUnixMicros(row.ColumnInt64(3));
  s.threshold = row.ColumnDouble(4);
  s.composite = row.ColumnText(5);
  s.lambda = row.ColumnDouble(6);
  const std::string scaling = row.ColumnText(7);
  absl::StatusOr<fingerprint::LambdaScaling> parsed = fingerprint::ParseLambdaScaling(scaling);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat("registration ", s.id, ": stored lambda scaling \"",
                                            scaling, "\" is unknown"));
  }
  s.lambda_scaling = *parsed;
  s.input_shape = {row.ColumnInt64(8), row.ColumnInt64(9), row.ColumnInt64(10)};
  s.key_count = row.ColumnInt64(11);
  s.key_set_sha256 = row.ColumnText(12);
  s.fingerprints_sha256 = row.ColumnText(13);
  s.principal = row.ColumnText(14);
  return s;
}

absl::StatusOr<std::vector<RegistrationSummary>> ReadSummaries(Statement& query) {
  std::vector<RegistrationSummary> out;
  while (true) {
    INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return out;
    INFIP_ASSIGN_OR_RETURN(RegistrationSummary s, ReadSummary(query));
    out.push_back(std::move(s));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               const SqliteStoreOptions& options) {
  INFIP_ASSIGN_OR_RETURN(
      std::unique_ptr<sqlite::Connection> db,
      sqlite::Connection::Open(path, {.busy_timeout_ms = options.busy_timeout_ms}));
  // Read the schema before changing anything, so that a foreign or newer database is refused
  // untouched (switching to WAL rewrites the header).
  INFIP_RETURN_IF_ERROR(sqlite::CheckSchemaReadable(*db));
  {
    INFIP_ASSIGN_OR_RETURN(Statement wal, db->Prepare("PRAGMA journal_mode = WAL"));
    INFIP_ASSIGN_OR_RETURN(bool row, wal.Step());
    const std::string mode = row ? wal.ColumnText(0) : std::string();
    if (mode != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat("sqlite store ", path, ": could not switch to WAL journaling (mode is \"",
                       mode, "\"); the store needs a file on a local file system"));
    }
  }
  INFIP_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL", "setting synchronous = FULL"));
  INFIP_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"));
  INFIP_RETURN_IF_ERROR(sqlite::MigrateSchema(*db));
  return std::unique_ptr<SqliteStore>(new SqliteStore(path, std::move(db)));
}

absl::Status SqliteStore::Put(const Registration& registration) {
  // Outside the lock: parsing and hashing both blobs is the slow part.
  INFIP_RETURN_IF_ERROR(ValidateRegistration(registration));
  absl::MutexLock lock(&mu_);
  return InsertLocked(registration);
}

absl::Status SqliteStore::InsertLocked(const Registration& r) {
  Transaction txn(*db_);
  INFIP_RETURN_IF_ERROR(txn.Begin());
  {
    INFIP_ASSIGN_OR_RETURN(Statement insert, db_->Prepare(kInsertRegistration));
    insert.BindText(1, r.id);
    insert.BindText(2, r.owner);
    insert.BindText(3, r.model_name);
    insert.BindInt64(4, absl::ToUnixMicros(r.created));
    insert.BindDouble(5, r.threshold);
    insert.BindText(6, r.composite);
    insert.BindDouble(7, r.lambda);
    insert.BindText(8, fingerprint::LambdaScalingName(r.lambda_scaling));
    insert.BindInt64(9, r.input_shape.channels);
    insert.BindInt64(10, r.input_shape.height);
    insert.BindInt64(11, r.input_shape.width);
    insert.BindInt64(12, r.key_count);
    insert.BindText(13, r.key_set.sha256);
    insert.BindText(14, r.fingerprints_sha256);
    insert.BindBlob(15, r.receipt);
    insert.BindText(16, r.principal);
    if (absl::Status inserted = insert.Run(); !inserted.ok()) {
      if (insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(absl::StrCat("registration ", r.id, " already exists"));
      }
      return inserted;
    }
  }
  {
    const std::string box_low = EncodeDoubles(r.key_set.box_low);
    const std::string box_high = EncodeDoubles(r.key_set.box_high);
    INFIP_ASSIGN_OR_RETURN(Statement insert, db_->Prepare(kInsertKeySet));
    insert.BindText(1, r.id);
    insert.BindBlob(2, r.key_set.npy);
    insert.BindBlob(3, box_low);
    insert.BindBlob(4, box_high);
    insert.BindText(5, r.key_set.preprocessing);
    INFIP_RETURN_IF_ERROR(insert.Run());
  }
  {
    INFIP_ASSIGN_OR_RETURN(Statement insert, db_->Prepare(kInsertFingerprintSet));
    insert.BindText(1, r.id);
    insert.BindBlob(2, r.fingerprints);
    INFIP_RETURN_IF_ERROR(insert.Run());
  }
  return txn.Commit();
}

absl::StatusOr<Registration> SqliteStore::Get(std::string_view id) {
  INFIP_RETURN_IF_ERROR(ValidateRegistrationId(id));
  INFIP_ASSIGN_OR_RETURN(Registration r, ReadRegistration(id));
  // Outside the lock: hashing the blobs costs about what reading them did.
  if (absl::Status intact = VerifyStoredBlobs(r); !intact.ok()) {
    return absl::DataLossError(absl::StrCat("sqlite store ", path_, ": ", intact.message()));
  }
  return r;
}

absl::StatusOr<Registration> SqliteStore::ReadRegistration(std::string_view id) {
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kSelectRegistration));
  query.BindText(1, id);
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return NotFound(id);
  INFIP_ASSIGN_OR_RETURN(RegistrationSummary s, ReadSummary(query));
  constexpr int kReceipt = kSummaryColumnCount;
  constexpr int kNpy = kReceipt + 1, kBoxLow = kReceipt + 2, kBoxHigh = kReceipt + 3;
  constexpr int kPreprocessing = kReceipt + 4, kInfip = kReceipt + 5;
  if (query.ColumnIsNull(kNpy) || query.ColumnIsNull(kInfip)) {
    return absl::DataLossError(absl::StrCat("sqlite store ", path_, ": registration ", s.id,
                                            " has lost its ",
                                            query.ColumnIsNull(kNpy) ? "key set" : "fingerprints"));
  }
  Registration r;
  r.id = std::move(s.id);
  r.owner = std::move(s.owner);
  r.principal = std::move(s.principal);
  r.model_name = std::move(s.model_name);
  r.created = s.created;
  r.threshold = s.threshold;
  r.composite = std::move(s.composite);
  r.lambda = s.lambda;
  r.lambda_scaling = s.lambda_scaling;
  r.input_shape = s.input_shape;
  r.key_count = s.key_count;
  r.key_set.sha256 = std::move(s.key_set_sha256);
  r.fingerprints_sha256 = std::move(s.fingerprints_sha256);
  r.receipt = query.ColumnBlob(kReceipt);
  r.key_set.npy = query.ColumnBlob(kNpy);
  INFIP_ASSIGN_OR_RETURN(r.key_set.box_low, DecodeDoubles(query.ColumnBlob(kBoxLow), "box_low"));
  INFIP_ASSIGN_OR_RETURN(r.key_set.box_high, DecodeDoubles(query.ColumnBlob(kBoxHigh), "box_high"));
  r.key_set.preprocessing = query.ColumnText(kPreprocessing);
  r.fingerprints = query.ColumnBlob(kInfip);
  return r;
}

absl::StatusOr<RegistrationSummary> SqliteStore::GetSummary(std::string_view id) {
  INFIP_RETURN_IF_ERROR(ValidateRegistrationId(id));
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kSelectSummary));
  query.BindText(1, id);
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return NotFound(id);
  return ReadSummary(query);
}

absl::StatusOr<ListPage> SqliteStore::List(const ListFilter& filter) {
  if (filter.page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page size must not be negative, got ", filter.page_size));
  }
  if (filter.owner.has_value() && filter.owner->empty()) {
    return absl::InvalidArgumentError("owner filter is empty; leave it unset to list all owners");
  }
  if (filter.input_shape.has_value()) INFIP_RETURN_IF_ERROR(CheckShape(*filter.input_shape));
  PagePosition after{.created_micros = std::numeric_limits<int64_t>::min(), .id = ""};
  if (!filter.page_token.empty()) {
    INFIP_ASSIGN_OR_RETURN(after, DecodePageToken(filter.page_token));
  }
  const int page_size =
      filter.page_size == 0 ? kDefaultPageSize : std::min(filter.page_size, kMaxPageSize);
  const bool by_owner = filter.owner.has_value();
  const bool by_shape = filter.input_shape.has_value();
  const std::string_view sql = by_owner ? (by_shape ? kListByOwnerAndShape : kListByOwner)
                                        : (by_shape ? kListByShape : kListAll);

  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(sql));
  query.BindInt64(1, after.created_micros);
  query.BindText(2, after.id);
  query.BindInt64(3, page_size + 1);  // one more than asked: is there a next page?
  if (by_owner) query.BindText(4, *filter.owner);
  if (by_shape) {
    query.BindInt64(5, filter.input_shape->channels);
    query.BindInt64(6, filter.input_shape->height);
    query.BindInt64(7, filter.input_shape->width);
  }
  ListPage page;
  INFIP_ASSIGN_OR_RETURN(page.registrations, ReadSummaries(query));
  if (page.registrations.size() > static_cast<size_t>(page_size)) {
    page.registrations.resize(static_cast<size_t>(page_size));
    const RegistrationSummary& last = page.registrations.back();
    page.next_page_token =
        EncodePageToken({.created_micros = absl::ToUnixMicros(last.created), .id = last.id});
  }
  return page;
}

absl::StatusOr<std::vector<RegistrationSummary>> SqliteStore::ListCompatible(
    const InputShape& shape) {
  INFIP_RETURN_IF_ERROR(CheckShape(shape));
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare(kListCompatible));
  query.BindInt64(1, shape.channels);
  query.BindInt64(2, shape.height);
  query.BindInt64(3, shape.width);
  return ReadSummaries(query);
}

absl::Status SqliteStore::Delete(std::string_view id) {
  INFIP_RETURN_IF_ERROR(ValidateRegistrationId(id));
  absl::MutexLock lock(&mu_);
  Transaction txn(*db_);
  INFIP_RETURN_IF_ERROR(txn.Begin());
  {
    // The blob rows go with it (ON DELETE CASCADE).
    INFIP_ASSIGN_OR_RETURN(Statement remove,
                           db_->Prepare("DELETE FROM registrations WHERE id = ?1"));
    remove.BindText(1, id);
    INFIP_RETURN_IF_ERROR(remove.Run());
  }
  if (db_->changes() == 0) return NotFound(id);  // rolls back the empty transaction
  return txn.Commit();
}

absl::StatusOr<int64_t> SqliteStore::Count() {
  absl::MutexLock lock(&mu_);
  INFIP_ASSIGN_OR_RETURN(Statement query, db_->Prepare("SELECT count(*) FROM registrations"));
  INFIP_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return absl::InternalError("count(*) returned no row");
  return query.ColumnInt64(0);
}

absl::Status SqliteStore::Ping() {
  absl::MutexLock lock(&mu_);
  // Reads the database, not just the connection; also notices a newer build having migrated
  // the file since this one opened it.
  INFIP_ASSIGN_OR_RETURN(int version, sqlite::ReadSchemaVersion(*db_));
  if (version != sqlite::kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("sqlite store ", path_, ": schema version is now ", version,
                     ", this build uses ", sqlite::kSchemaVersion));
  }
  return absl::OkStatus();
}

}  // namespace infip::store
