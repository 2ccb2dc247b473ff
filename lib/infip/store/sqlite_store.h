// SqliteStore: the embedded RegistrationStore, one SQLite database file in the server's data
// directory (schema and guarantees in docs/store.md).
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
//                          SqliteStore::Open("/var/lib/infip/registrations.db"));
//   INFIP_RETURN_IF_ERROR(store->Put(registration));
//
// How it is opened:
//   - the file and the schema are created when absent, and an older schema is migrated
//     (store/sqlite_schema.h); a newer one, or a database that is not a store, is refused
//     with FAILED_PRECONDITION; a file that is not a SQLite database gives DATA_LOSS;
//   - journal_mode=WAL: readers in other processes (a backup, the sqlite3 shell) never block
//     a registration, and a crash mid-write leaves the last committed state;
//   - synchronous=FULL: each commit is synced to disk before Put returns. NORMAL would be
//     safe against corruption in WAL mode but may lose the last commits on power loss, and a
//     registration whose signed receipt has gone back to its owner must not vanish; writes
//     are rare next to extraction, so the extra fsync costs nothing that matters;
//   - foreign_keys=ON, so a blob row cannot outlive or precede its registration;
//   - a busy timeout, so another process's short write waits rather than failing.
//
// Every write is one BEGIN IMMEDIATE ... COMMIT transaction, rolled back on any failure.
// Get re-hashes both blobs (VerifyStoredBlobs) and answers DATA_LOSS when the file was damaged
// under them, rather than hand back bytes that no longer match the signed receipt; GetVerdict
// does the same for a verdict's fingerprints. Verdicts live in their own table
// (sqlite_verdicts.cc), removed with their registration by ON DELETE CASCADE.
//
// Threads: one connection, guarded by one mutex; every call holds it for its statements.
// Calls are short (a registration is a handful of rows), and validation — the expensive
// part of Put, which parses both blobs — runs before the lock is taken. A connection per call
// would let reads run side by side under WAL, at the price of re-opening and re-preparing;
// the server's reads are a few per verification, each far cheaper than the extraction it
// feeds.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "infip/store/sqlite_db.h"
#include "infip/store/store.h"

namespace infip::store {

struct SqliteStoreOptions {
  // How long a statement waits for another process's lock before UNAVAILABLE.
  int busy_timeout_ms = 5000;
};

class SqliteStore final : public RegistrationStore {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, const SqliteStoreOptions& options = {});

  absl::Status Put(const Registration& registration) override;
  absl::StatusOr<Registration> Get(std::string_view id) override;
  absl::StatusOr<RegistrationSummary> GetSummary(std::string_view id) override;
  absl::StatusOr<ListPage> List(const ListFilter& filter) override;
  absl::StatusOr<std::vector<RegistrationSummary>> ListCompatible(const InputShape& shape) override;
  absl::Status Delete(std::string_view id) override;
  absl::StatusOr<int64_t> Count() override;
  absl::Status Ping() override;

  // Verdicts (sqlite_verdicts.cc).
  absl::Status PutVerdict(const StoredVerdict& verdict) override;
  absl::StatusOr<StoredVerdict> GetVerdict(std::string_view id) override;
  absl::StatusOr<VerdictSummary> GetVerdictSummary(std::string_view id) override;
  absl::StatusOr<int64_t> CountVerdicts() override;

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  SqliteStore(std::string path, std::unique_ptr<sqlite::Connection> db)
      : path_(std::move(path)), db_(std::move(db)) {}

  absl::Status InsertLocked(const Registration& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Get without the integrity check.
  absl::StatusOr<Registration> ReadRegistration(std::string_view id) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status InsertVerdictLocked(const StoredVerdict& v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // GetVerdict without the integrity check.
  absl::StatusOr<StoredVerdict> ReadVerdict(std::string_view id) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string path_;
  absl::Mutex mu_;
  std::unique_ptr<sqlite::Connection> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace infip::store
