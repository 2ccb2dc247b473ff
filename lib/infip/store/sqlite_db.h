// A thin, Status-returning layer over the SQLite C API for SqliteStore: one connection with
// its prepared statements, statement handles that reset themselves, and transactions that roll
// back unless committed. Internal to the store; nothing here is thread-safe — the owner
// serialises every call (SqliteStore holds its Connection under a mutex).
//
//   INFIP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::Open(path, options));
//   Transaction txn(*db);
//   INFIP_RETURN_IF_ERROR(txn.Begin());
//   INFIP_ASSIGN_OR_RETURN(Statement insert, db->Prepare("INSERT INTO t (a) VALUES (?1)"));
//   insert.BindText(1, "x");
//   INFIP_RETURN_IF_ERROR(insert.Run());
//   INFIP_RETURN_IF_ERROR(txn.Commit());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace infip::store::sqlite {

// A prepared statement borrowed from its Connection's cache. Binding errors are remembered and
// returned by the next Step; the handle resets the statement and clears its bindings when it
// goes, so the cached statement is ready for the next user and holds no read lock.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based. Text is copied; a blob is NOT copied: its bytes must stay alive
  // and unchanged until the statement is stepped to the end or the handle goes (blobs are
  // the registration's tensors, too large to copy).
  void BindText(int index, std::string_view text);
  void BindBlob(int index, std::string_view bytes);
  void BindInt64(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindNull(int index);

  // True when a row is ready, false when the statement is done.
  [[nodiscard]] absl::StatusOr<bool> Step();
  // Steps to the end, for statements that return no rows.
  [[nodiscard]] absl::Status Run();

  [[nodiscard]] bool ColumnIsNull(int index) const;
  [[nodiscard]] int64_t ColumnInt64(int index) const;
  [[nodiscard]] double ColumnDouble(int index) const;
  [[nodiscard]] std::string ColumnText(int index) const;
  [[nodiscard]] std::string ColumnBlob(int index) const;

  // The extended result code of the last failed Step (0 if none): lets a caller tell a
  // primary-key violation from other constraint failures.
  [[nodiscard]] int last_error() const { return last_error_; }

 private:
  friend class Connection;
  Statement(class Connection* connection, sqlite3_stmt* stmt)
      : connection_(connection), stmt_(stmt) {}
  void NoteBind(int rc);

  class Connection* connection_;
  sqlite3_stmt* stmt_;  // owned by connection_'s cache
  int bind_error_ = 0;
  int last_error_ = 0;
};

struct ConnectionOptions {
  int busy_timeout_ms = 5000;
};

class Connection {
 public:
  // Opens (creating if absent) the database file at `path` in read-write mode with extended
  // result codes, the busy timeout and defensive mode on. Reads nothing yet: a corrupt file
  // shows up at the first statement.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const std::string& path, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs fixed SQL without parameters (pragmas, DDL, transaction control). `doing` names the
  // step in the error.
  [[nodiscard]] absl::Status Exec(std::string_view sql, std::string_view doing);

  // A statement for this SQL text, prepared once and then reused. Only ever pass constant
  // SQL: values go in through the Bind calls.
  [[nodiscard]] absl::StatusOr<Statement> Prepare(std::string_view sql);

  // The status for a failed SQLite call on this connection, carrying SQLite's message:
  //   BUSY / LOCKED -> UNAVAILABLE, CORRUPT / NOTADB -> DATA_LOSS, CONSTRAINT ->
  //   INVALID_ARGUMENT, FULL / TOOBIG / NOMEM -> RESOURCE_EXHAUSTED, READONLY / PERM / AUTH
  //   -> PERMISSION_DENIED, CANTOPEN -> FAILED_PRECONDITION, INTERRUPT -> CANCELLED, else
  //   INTERNAL.
  [[nodiscard]] absl::Status Error(int rc, std::string_view doing) const;

  [[nodiscard]] bool in_transaction() const;
  // Rows changed by the latest INSERT, UPDATE or DELETE on this connection.
  [[nodiscard]] int64_t changes() const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE on Begin: the write lock is taken up front, so a transaction never fails
// halfway for want of it (the busy timeout applies to Begin alone). Rolls back when it goes
// uncommitted, so every early return inside it undoes what it wrote. Declare it before the
// statements it uses, so that they are reset before the rollback runs.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  [[nodiscard]] absl::Status Begin();
  [[nodiscard]] absl::Status Commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

}  // namespace infip::store::sqlite
