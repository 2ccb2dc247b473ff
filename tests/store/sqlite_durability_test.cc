// What SqliteStore promises about the file: a failed or interrupted Put leaves nothing in any
// table, committed registrations survive reopening, WAL is on, the schema version guards
// against newer and foreign databases, and damaged files give statuses rather than crashes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>

#include "infip/store/sqlite_schema.h"
#include "infip/store/sqlite_store.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::ExpectSameRegistration;
using testing::MakeTestRegistration;
using testing::RawDb;
using testing::ReadBytes;
using testing::ScratchDir;
using testing::Spec;
using testing::WriteBytes;

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

// --- a Put that fails midway --------------------------------------------------------------------

class FailedPutTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FailedPutTest, LeavesNoRowInAnyTable) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const Registration before = MakeTestRegistration(Spec().Seed(1));
  ASSERT_TRUE(store->Put(before).ok());

  // Inject the failure from outside: a trigger, added by another connection, that aborts the
  // insert into one of the three tables.
  const std::string table = GetParam();
  RawDb raw(path);
  raw.Exec("CREATE TRIGGER injected_failure BEFORE INSERT ON " + table +
           " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  const Registration r = MakeTestRegistration(Spec().Seed(2).Keys(64));
  const absl::Status put = store->Put(r);
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.message().find("injected failure"), absl::string_view::npos) << put;

  // Nothing of r in any table, seen from another connection ...
  EXPECT_EQ(raw.RowsInAllTables(), 3);
  for (const char* t : {"registrations", "key_sets", "fingerprint_sets"}) {
    const std::string column = std::string(t) == "registrations" ? "id" : "registration_id";
    EXPECT_EQ(raw.QueryInt(std::string("SELECT count(*) FROM ") + t + " WHERE " + column + " = '" +
                           r.id + "'"),
              0)
        << t;
  }
  EXPECT_EQ(store->Get(r.id).status().code(), absl::StatusCode::kNotFound);
  // ... and the store is not left inside a transaction: once the trigger goes, Put works.
  raw.Exec("DROP TRIGGER injected_failure");
  ASSERT_TRUE(store->Put(r).ok());
  EXPECT_EQ(*store->Count(), 2);
}

INSTANTIATE_TEST_SUITE_P(EachInsert, FailedPutTest,
                         ::testing::Values("registrations", "key_sets", "fingerprint_sets"));

// --- a process that dies in the middle of a Put -------------------------------------------------

constexpr int kCrashExitCode = 42;
constexpr char kCrashDbEnv[] = "INFIP_STORE_TEST_CRASH_DB";

void CrashNow(sqlite3_context*, int, sqlite3_value**) { std::_Exit(kCrashExitCode); }
void DoNothing(sqlite3_context* context, int, sqlite3_value**) { sqlite3_result_null(context); }

int RegisterCrash(sqlite3* db, const char**, const sqlite3_api_routines*) {
  return sqlite3_create_function_v2(db, "infip_test_crash", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS,
                                    nullptr, CrashNow, nullptr, nullptr, nullptr);
}

// Runs in the death-test child: every connection it opens gets a crashing infip_test_crash(),
// which the trigger calls once the registration and key-set rows are written but before the
// transaction commits. The key set is large enough (3 MiB) to spill into the WAL uncommitted.
void PutUntilTheProcessDies(const std::string& path) {
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(RegisterCrash));
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  if (store == nullptr) std::_Exit(1);
  const absl::Status put =
      store->Put(MakeTestRegistration(Spec().Shape({3, 64, 64}).Keys(64).Seed(5)));
  std::fprintf(stderr, "Put returned %s\n", put.ToString().c_str());
  std::_Exit(2);
}

TEST(InterruptedPutTest, ProcessDeathMidPutLeavesNoTrace) {
  // "threadsafe" re-runs this test in a fresh process; the environment variable sends that
  // process to the same database file instead of a new scratch directory.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::optional<ScratchDir> dir;
  std::string path;
  if (const char* child_path = std::getenv(kCrashDbEnv); child_path != nullptr) {
    path = child_path;
  } else {
    dir.emplace();
    path = dir->Path("store.db");
    std::unique_ptr<SqliteStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put(MakeTestRegistration(Spec().Seed(1))).ok());
    store.reset();
    RawDb raw(path);
    ASSERT_EQ(sqlite3_create_function_v2(raw.handle(), "infip_test_crash", 0, SQLITE_UTF8, nullptr,
                                         DoNothing, nullptr, nullptr, nullptr),
              SQLITE_OK);
    raw.Exec(
        "CREATE TRIGGER crash_mid_put AFTER INSERT ON key_sets "
        "BEGIN SELECT infip_test_crash(); END");
    ASSERT_EQ(::setenv(kCrashDbEnv, path.c_str(), 1), 0);
  }
  EXPECT_EXIT(PutUntilTheProcessDies(path), ::testing::ExitedWithCode(kCrashExitCode), "");
  ASSERT_EQ(::unsetenv(kCrashDbEnv), 0);

  // The dead process left uncommitted frames behind; recovery must discard them.
  std::error_code ec;
  EXPECT_GT(std::filesystem::file_size(path + "-wal", ec), 1u << 20)
      << "the crash came before anything reached the WAL";
  {
    RawDb raw(path);
    raw.Exec("DROP TRIGGER crash_mid_put");
    EXPECT_EQ(raw.RowsInAllTables(), 3);  // the first registration only
  }
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Count(), 1);
  EXPECT_TRUE(store->Ping().ok());
  EXPECT_TRUE(store->Put(MakeTestRegistration(Spec().Seed(6))).ok());
}

// --- durability, WAL, schema --------------------------------------------------------------------

TEST(SqliteFileTest, ReopenedStoreHoldsWhatWasCommitted) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  std::vector<Registration> put;
  std::vector<StoredVerdict> verdicts;
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      put.push_back(MakeTestRegistration(Spec().Shape({3, 8, 8}).Seed(seed)));
      ASSERT_TRUE(store->Put(put.back()).ok());
    }
    ASSERT_TRUE(store->Delete(put[1].id).ok());
  }
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Count(), 2);
  for (const size_t i : {size_t{0}, size_t{2}}) {
    absl::StatusOr<Registration> got = store->Get(put[i].id);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectSameRegistration(put[i], *got);
  }
  EXPECT_EQ(store->Get(put[1].id).status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteFileTest, JournalModeIsWal) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put(MakeTestRegistration()).ok());
  RawDb raw(path);
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  // WAL mode is a property of the file: it stays after the store closes.
  store.reset();
  EXPECT_EQ(RawDb(path).QueryText("PRAGMA journal_mode"), "wal");
}

TEST(SqliteFileTest, SchemaIsVersioned) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM schema_version"), sqlite::kSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM schema_version"), sqlite::kSchemaVersion);
  const std::vector<sqlite::Migration>& steps = sqlite::Migrations();
  ASSERT_EQ(steps.size(), static_cast<size_t>(sqlite::kSchemaVersion));
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].version, static_cast<int>(i + 1));
  // Opening again migrates nothing.
  ASSERT_NE(OpenOrDie(path), nullptr);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM schema_version"), sqlite::kSchemaVersion);
}

TEST(SqliteFileTest, NewerSchemaIsRefusedAndLeftUntouched) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  RawDb(path).Exec("INSERT INTO schema_version VALUES (" +
                   std::to_string(sqlite::kSchemaVersion + 1) + ", '2099-01-01', 'future')");
  const std::string bytes_before = ReadBytes(path);
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), absl::string_view::npos) << store.status();
  EXPECT_NE(store.status().message().find(path), absl::string_view::npos) << store.status();
  EXPECT_TRUE(ReadBytes(path) == bytes_before);
}

TEST(SqliteFileTest, ForeignDatabaseIsRefused) {
  ScratchDir dir;
  const std::string path = dir.Path("other.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE photos (name TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not an infip registration store"),
            absl::string_view::npos)
      << store.status();
  EXPECT_EQ(RawDb(path).QueryText("PRAGMA journal_mode"), "delete");  // untouched
}

TEST(SqliteFileTest, EmptyFileBecomesAStore) {
  ScratchDir dir;
  const std::string path = dir.Path("empty.db");
  WriteBytes(path, "");
  std::unique_ptr<SqliteStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Put(MakeTestRegistration()).ok());
}

TEST(SqliteFileTest, UnopenablePathIsAStatus) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open("/nonexistent-infip-dir/sub/store.db");
  EXPECT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/nonexistent-infip-dir/sub/store.db"),
            absl::string_view::npos)
      << store.status();
}

// --- damaged files ------------------------------------------------------------------------------

TEST(SqliteCorruptionTest, RandomBytesAreDataLoss) {
  ScratchDir dir;
  for (const std::string& bytes : {RandomBytes(16384, 1), RandomBytes(100, 2),
                                   std::string("this is a text file, not a database\n")}) {
    const std::string path = dir.Path("random.db");
    WriteBytes(path, bytes);
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
    EXPECT_NE(store.status().message().find(path), absl::string_view::npos) << store.status();
    EXPECT_NE(store.status().message().find("not a database"), absl::string_view::npos)
        << store.status();
    EXPECT_TRUE(ReadBytes(path) == bytes);  // not "repaired" into a new store
  }
}

// Each page of a store garbled in turn: the store notices — Open, or some call, answers
// DATA_LOSS (Get and GetVerdict re-hash the blobs, so even a damaged blob page is caught) — and
// nothing crashes.
TEST(SqliteCorruptionTest, EveryGarbledPageIsNoticedWithoutACrash) {
  ScratchDir dir;
  const std::string path = dir.Path("store.db");
  std::vector<Registration> put;
  std::vector<StoredVerdict> verdicts;
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      // 2 KiB blobs and more: some rows spill onto overflow pages.
      put.push_back(MakeTestRegistration(Spec().Shape({2, 16, 16}).Keys(3).Seed(seed)));
      ASSERT_TRUE(store->Put(put.back()).ok());
      verdicts.push_back(testing::MakeTestVerdict(put.back(), seed));
      ASSERT_TRUE(store->PutVerdict(verdicts.back()).ok());
    }
  }
  const std::string bytes = ReadBytes(path);
  const int64_t page_size = RawDb(path).QueryInt("PRAGMA page_size");
  ASSERT_GT(page_size, 0);
  const size_t pages = bytes.size() / static_cast<size_t>(page_size);
  ASSERT_GE(pages, 8u);
  for (size_t page = 0; page < pages; ++page) {
    SCOPED_TRACE("page " + std::to_string(page + 1) + " of " + std::to_string(pages));
    std::string damaged = bytes;
    damaged.replace(page * page_size, page_size, RandomBytes(page_size, page));
    WriteBytes(path, damaged);
    std::vector<absl::Status> statuses;
    {
      absl::StatusOr<std::unique_ptr<SqliteStore>> opened = SqliteStore::Open(path);
      statuses.push_back(opened.status());
      if (opened.ok()) {
        SqliteStore& store = **opened;
        statuses.push_back(store.Ping());
        statuses.push_back(store.Count().status());
        statuses.push_back(store.List({}).status());
        statuses.push_back(store.List(testing::Filter(10, "alice")).status());
        statuses.push_back(store.ListCompatible({2, 16, 16}).status());
        for (const Registration& r : put) statuses.push_back(store.Get(r.id).status());
        statuses.push_back(store.CountVerdicts().status());
        for (const StoredVerdict& v : verdicts) statuses.push_back(store.GetVerdict(v.id).status());
        statuses.push_back(store.Put(MakeTestRegistration(Spec().Seed(9))));
        // Deleting walks the verdicts' index (the cascade).
        statuses.push_back(store.Delete(put.front().id));
      }
    }
    int data_loss = 0;
    for (const absl::Status& s : statuses) {
      if (s.ok()) continue;
      if (s.code() == absl::StatusCode::kDataLoss) ++data_loss;
      // Damage in an index can also make a row look absent.
      EXPECT_TRUE(s.code() == absl::StatusCode::kDataLoss ||
                  s.code() == absl::StatusCode::kNotFound)
          << s;
    }
    EXPECT_GT(data_loss, 0) << "damage went unnoticed";
    std::error_code ec;
    std::filesystem::remove(path + "-wal", ec);
    std::filesystem::remove(path + "-shm", ec);
  }
}

}  // namespace
}  // namespace infip::store
