// Many threads on one store, and two stores (two connections) on one file: every call
// succeeds and the counts add up.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "infip/store/sqlite_schema.h"
#include "infip/store/sqlite_store.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::MakeTestRegistration;
using testing::RawDb;
using testing::ScratchDir;
using testing::Spec;

constexpr int kThreads = 4;
constexpr int kPutsPerThread = 20;

// Registrations made up front, so that the threads spend their time in the store.
std::vector<std::vector<Registration>> MakeWork() {
  std::vector<std::vector<Registration>> work(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPutsPerThread; ++i) {
      work[t].push_back(
          MakeTestRegistration(Spec()
                                   .Owner("owner" + std::to_string(t))
                                   .Shape(i % 2 == 0 ? InputShape{1, 8, 8} : InputShape{3, 8, 8})
                                   .Keys(2)
                                   .Created(absl::FromUnixSeconds(1000 + i))
                                   .Seed(static_cast<uint64_t>(t * 100 + i))));
    }
  }
  return work;
}

// Each thread puts its registrations and, after each Put, reads one back, lists its own and
// counts; failures are counted rather than asserted, so that every thread runs to the end.
void RunWorkers(const std::vector<RegistrationStore*>& stores,
                const std::vector<std::vector<Registration>>& work, std::atomic<int>* failures) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RegistrationStore* store = stores[static_cast<size_t>(t) % stores.size()];
      for (int i = 0; i < kPutsPerThread; ++i) {
        const Registration& r = work[t][i];
        if (!store->Put(r).ok()) ++*failures;
        absl::StatusOr<Registration> got = store->Get(work[t][i / 2].id);
        if (!got.ok() || got->fingerprints != work[t][i / 2].fingerprints) ++*failures;
        absl::StatusOr<ListPage> mine = store->List(testing::Filter(100, r.owner));
        if (!mine.ok() || mine->registrations.size() != static_cast<size_t>(i + 1)) ++*failures;
        if (!store->ListCompatible(r.input_shape).ok()) ++*failures;
        if (!store->Count().ok()) ++*failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

TEST(SqliteConcurrencyTest, ThreadsSharingOneStore) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.Path("s.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  const std::vector<std::vector<Registration>> work = MakeWork();
  std::atomic<int> failures{0};
  RunWorkers({store->get()}, work, &failures);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*store)->Count(), kThreads * kPutsPerThread);
  absl::StatusOr<std::vector<RegistrationSummary>> gray = (*store)->ListCompatible({1, 8, 8});
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->size(), static_cast<size_t>(kThreads * kPutsPerThread / 2));
}

TEST(SqliteConcurrencyTest, TwoConnectionsOnOneFile) {
  // As two server processes (or the server and an admin tool) would: each write waits for the
  // other's lock within the busy timeout instead of failing.
  ScratchDir dir;
  const std::string path = dir.Path("s.db");
  absl::StatusOr<std::unique_ptr<SqliteStore>> a = SqliteStore::Open(path);
  absl::StatusOr<std::unique_ptr<SqliteStore>> b = SqliteStore::Open(path);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::vector<std::vector<Registration>> work = MakeWork();
  std::atomic<int> failures{0};
  RunWorkers({a->get(), b->get()}, work, &failures);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*a)->Count(), kThreads * kPutsPerThread);
  EXPECT_EQ(*(*b)->Count(), kThreads * kPutsPerThread);
  EXPECT_EQ(RawDb(path).RowsInAllTables(), 3 * kThreads * kPutsPerThread);
}

TEST(SqliteConcurrencyTest, StoresOpeningANewFileAtOnceCreateItOnce) {
  ScratchDir dir;
  const std::string path = dir.Path("s.db");
  std::vector<absl::Status> opened(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { opened[t] = SqliteStore::Open(path).status(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& s : opened) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(RawDb(path).QueryInt("SELECT count(*) FROM schema_version"), sqlite::kSchemaVersion);
}

}  // namespace
}  // namespace infip::store
