#include "infip/store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace infip::store::sqlite {
namespace {

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_CONSTRAINT:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_FULL:
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::StatusCode::kPermissionDenied;
    case SQLITE_CANTOPEN:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_INTERRUPT:
      return absl::StatusCode::kCancelled;
    default:
      return absl::StatusCode::kInternal;
  }
}

// The statement's SQL up to its first line break: enough to say which step failed.
std::string Describe(sqlite3_stmt* stmt) {
  std::string_view sql = sqlite3_sql(stmt);
  sql = sql.substr(0, sql.find('\n'));
  return absl::StrCat("running \"", absl::string_view(sql.data(), sql.size()), "\"");
}

}  // namespace

// --- Statement --------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(other.bind_error_),
      last_error_(other.last_error_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::BindText(int index, std::string_view text) {
  // A null pointer would bind SQL NULL rather than an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  NoteBind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindBlob(int index, std::string_view bytes) {
  if (bytes.empty()) {
    NoteBind(sqlite3_bind_zeroblob(stmt_, index, 0));
    return;
  }
  NoteBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC));
}

void Statement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
}

void Statement::BindDouble(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_, index, value));
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_, index)); }

absl::StatusOr<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    last_error_ = bind_error_;
    return absl::Status(CodeFor(bind_error_),
                        absl::StrCat("sqlite store ", connection_->path(), ": binding for ",
                                     Describe(stmt_), ": ", sqlite3_errstr(bind_error_)));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_error_ = rc;
  return connection_->Error(rc, Describe(stmt_));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const {
  return static_cast<int64_t>(sqlite3_column_int64(stmt_, index));
}

double Statement::ColumnDouble(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);  // after the pointer, as SQLite advises
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

std::string Statement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);
  if (blob == nullptr) return std::string();
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(n));
}

// --- Connection -------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serialises access, so SQLite's own per-connection mutex is redundant.
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::Status(CodeFor(rc), absl::StrCat("sqlite store ", path, ": opening: ", message));
  }
  std::unique_ptr<Connection> connection(new Connection(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // Defensive mode: no statement on this connection can corrupt the file on purpose
  // (writable_schema and the like).
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  // The last connection to close checkpoints the WAL into the main file and removes it.
  if (const int rc = sqlite3_close_v2(db_); rc != SQLITE_OK) {
    spdlog::warn("sqlite store {}: closing: {}", path_, sqlite3_errstr(rc));
  }
}

absl::Status Connection::Exec(std::string_view sql, std::string_view doing) {
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, doing);
  return absl::OkStatus();
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = statements_.find(key); it != statements_.end()) {
    return Statement(this, it->second);
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    std::string_view first_line = std::string_view(key).substr(0, key.find('\n'));
    return Error(rc, absl::StrCat("preparing \"",
                                  absl::string_view(first_line.data(), first_line.size()), "\""));
  }
  statements_.emplace(std::move(key), stmt);
  return Statement(this, stmt);
}

absl::Status Connection::Error(int rc, std::string_view doing) const {
  // sqlite3_errmsg describes the connection's latest failure, which is rc's when the caller
  // reports it straight away; sqlite3_errstr names the code itself.
  const std::string_view message = sqlite3_errmsg(db_);
  const std::string_view code = sqlite3_errstr(rc);
  return absl::Status(
      CodeFor(rc),
      absl::StrCat("sqlite store ", path_, ": ", absl::string_view(doing.data(), doing.size()),
                   ": ", absl::string_view(message.data(), message.size()),
                   message == code
                       ? ""
                       : absl::StrCat(" (", absl::string_view(code.data(), code.size()), ")")));
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Connection::changes() const { return static_cast<int64_t>(sqlite3_changes64(db_)); }

// --- Transaction ------------------------------------------------------------------------------

absl::Status Transaction::Begin() {
  absl::Status begun = connection_.Exec("BEGIN IMMEDIATE", "starting a write transaction");
  open_ = begun.ok();
  return begun;
}

absl::Status Transaction::Commit() {
  absl::Status committed = connection_.Exec("COMMIT", "committing");
  // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or have rolled it back
  // already (I/O errors); the destructor rolls back in the first case.
  open_ = !committed.ok() && connection_.in_transaction();
  return committed;
}

Transaction::~Transaction() {
  if (!open_ || !connection_.in_transaction()) return;
  if (absl::Status rolled_back = connection_.Exec("ROLLBACK", "rolling back"); !rolled_back.ok()) {
    spdlog::error("{}", std::string(rolled_back.message()));
  }
}

}  // namespace infip::store::sqlite
