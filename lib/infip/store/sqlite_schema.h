// The SQLite store's schema and its migrations (docs/store.md has the tables).
//
// The schema is versioned by the `schema_version` table: one row per migration applied, the
// current version being the largest. A build knows versions 1..kSchemaVersion, listed in
// Migrations(); opening a database at a lower version applies the missing steps in one
// transaction, and one at a higher version — written by a newer build — is refused rather than
// misread. To change the schema, append a Migration and raise kSchemaVersion; never edit a
// published one.
//
//   INFIP_RETURN_IF_ERROR(CheckSchemaReadable(db));  // before touching the file
//   INFIP_RETURN_IF_ERROR(MigrateSchema(db));        // creates or upgrades it
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/store/sqlite_db.h"

namespace infip::store::sqlite {

inline constexpr int kSchemaVersion = 3;

struct Migration {
  int version;                               // the version this step produces
  std::string_view summary;                  // recorded in schema_version
  std::vector<std::string_view> statements;  // run in order, in one transaction with the rest
};

// Versions 1..kSchemaVersion, in order.
[[nodiscard]] const std::vector<Migration>& Migrations();

// The version this database is at: 0 for an empty database.
// FAILED_PRECONDITION for a database that holds tables but no schema_version (not a store);
// DATA_LOSS for a file that is not a SQLite database.
[[nodiscard]] absl::StatusOr<int> ReadSchemaVersion(Connection& db);

// OK when this build can use the database as it is or after migrating; FAILED_PRECONDITION
// naming both versions when the database is newer than kSchemaVersion.
[[nodiscard]] absl::Status CheckSchemaReadable(Connection& db);

// Brings the database to kSchemaVersion inside one write transaction, re-reading the version
// under the write lock so that two processes opening a new file at once create it once.
[[nodiscard]] absl::Status MigrateSchema(Connection& db);

}  // namespace infip::store::sqlite
