// SqliteStore's operations: round trips, listings and their pages, screening candidates,
// deletion, and the status of every refusal.
#include "infip/store/sqlite_store.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>
#include <map>
#include <memory>

#include "infip/fingerprint/fingerprint_set.h"
#include "infip/store/make_registration.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::ExpectSameRegistration;
using testing::ExpectSameSummary;
using testing::Filter;
using testing::MakeTestRegistration;
using testing::RawDb;
using testing::RegistrationSpec;
using testing::ScratchDir;
using testing::Spec;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Path("registrations.db");
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  Registration PutNew(const RegistrationSpec& spec) {
    Registration r = MakeTestRegistration(spec);
    const absl::Status put = store_->Put(r);
    EXPECT_TRUE(put.ok()) << put;
    return r;
  }

  // Every id of a listing, following its pages.
  std::vector<std::string> AllPages(ListFilter filter, int* pages) {
    std::vector<std::string> ids;
    *pages = 0;
    do {
      absl::StatusOr<ListPage> page = store_->List(filter);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++*pages;
      EXPECT_LE(page->registrations.size(), static_cast<size_t>(filter.page_size));
      for (const RegistrationSummary& s : page->registrations) ids.push_back(s.id);
      filter.page_token = page->next_page_token;
    } while (!filter.page_token.empty() && *pages < 100);
    return ids;
  }

  ScratchDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, FullRegistrationRoundTrip) {
  const Registration r = MakeTestRegistration(Spec().Shape({3, 12, 10}).Keys(6));
  ASSERT_TRUE(store_->Put(r).ok());
  absl::StatusOr<Registration> got = store_->Get(r.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameRegistration(r, *got);

  // The blobs parse back to what was registered.
  absl::StatusOr<fingerprint::FingerprintSet> want_set = StoredFingerprints(r);
  absl::StatusOr<fingerprint::FingerprintSet> got_set = StoredFingerprints(*got);
  ASSERT_TRUE(want_set.ok() && got_set.ok());
  EXPECT_TRUE(torch::equal(want_set->images, got_set->images));
  EXPECT_TRUE(torch::equal(want_set->key_preview, got_set->key_preview));
  EXPECT_EQ(want_set->metadata.predicted, got_set->metadata.predicted);
  EXPECT_EQ(want_set->metadata.model_sha256, got_set->metadata.model_sha256);
  EXPECT_TRUE(fingerprint::CheckComparable(*want_set, *got_set).ok());
  absl::StatusOr<io::KeySet> keys = StoredKeys(*got);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(io::KeySetSha256(keys->inputs), r.key_set.sha256);

  // And the store holds no more than one row per table for it.
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM registrations"), 1);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM key_sets"), 1);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM fingerprint_sets"), 1);
}

TEST_F(SqliteStoreTest, BoxValuesSurviveBitForBit) {
  Registration r = MakeTestRegistration(Spec().Shape({3, 4, 4}));
  // Values a text round trip could bend; the registration stays consistent because S records
  // no box (composites without a box rule may leave it empty).
  absl::StatusOr<fingerprint::FingerprintSet> set = StoredFingerprints(r);
  ASSERT_TRUE(set.ok());
  set->metadata.box_low.clear();
  set->metadata.box_high.clear();
  io::KeySet keys = testing::MakeKeys({3, 4, 4}, 4, 1);  // the keys r was made on
  keys.box_low = {-2.1179039301310043, -0.0, 5e-324};
  keys.box_high = {1.0 / 3.0, 2.6399999999999997, std::numeric_limits<double>::infinity()};
  absl::StatusOr<Registration> odd = MakeRegistration(testing::Info("alice"), keys, *set);
  ASSERT_TRUE(odd.ok()) << odd.status();
  odd->receipt = "r";
  ASSERT_TRUE(store_->Put(*odd).ok());
  absl::StatusOr<Registration> got = store_->Get(odd->id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->key_set.box_low.size(), 3u);
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(std::bit_cast<uint64_t>(got->key_set.box_low[c]),
              std::bit_cast<uint64_t>(keys.box_low[c]));
    EXPECT_EQ(std::bit_cast<uint64_t>(got->key_set.box_high[c]),
              std::bit_cast<uint64_t>(keys.box_high[c]));
  }
}

TEST_F(SqliteStoreTest, GetUnknownIdIsNotFoundNamingIt) {
  absl::StatusOr<Registration> got = store_->Get("reg_0000000000000000");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("reg_0000000000000000"), absl::string_view::npos);
}

TEST_F(SqliteStoreTest, MalformedIdsAreInvalidArguments) {
  EXPECT_EQ(store_->Get("x' OR '1'='1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Delete("").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, DuplicateIdIsAlreadyExistsAndKeepsTheFirst) {
  const Registration first = PutNew(Spec().Owner("alice").Id("reg_00000000000000aa"));
  const Registration second =
      MakeTestRegistration(Spec().Owner("mallory").Seed(7).Id("reg_00000000000000aa"));
  const absl::Status put = store_->Put(second);
  EXPECT_EQ(put.code(), absl::StatusCode::kAlreadyExists) << put;
  EXPECT_NE(put.message().find("reg_00000000000000aa"), absl::string_view::npos);
  absl::StatusOr<Registration> got = store_->Get(first.id);
  ASSERT_TRUE(got.ok());
  ExpectSameRegistration(first, *got);
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_F(SqliteStoreTest, InconsistentRegistrationIsRefusedAndNotStored) {
  Registration r = MakeTestRegistration();
  r.owner.clear();
  EXPECT_EQ(store_->Put(r).code(), absl::StatusCode::kInvalidArgument);
  r = MakeTestRegistration();
  r.key_count = 5;
  EXPECT_EQ(store_->Put(r).code(), absl::StatusCode::kInvalidArgument);
  r = MakeTestRegistration();
  r.id = "reg;1";
  EXPECT_EQ(store_->Put(r).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->Count(), 0);
  EXPECT_EQ(RawDb(path_).RowsInAllTables(), 0);
}

TEST_F(SqliteStoreTest, ListFiltersAndPages) {
  // Eleven registrations: two owners, two shapes, some sharing a created time (the id breaks
  // the tie).
  std::map<std::string, Registration> all;
  for (int i = 0; i < 11; ++i) {
    const Registration r = PutNew(Spec()
                                      .Owner(i % 3 == 0 ? "bob" : "alice")
                                      .Shape(i % 2 == 0 ? InputShape{1, 8, 8} : InputShape{3, 8, 8})
                                      .Keys(2)
                                      .Created(absl::FromUnixSeconds(1717000000 + i / 2))
                                      .Seed(static_cast<uint64_t>(i)));
    all.emplace(r.id, r);
  }
  ASSERT_EQ(*store_->Count(), 11);

  int pages = 0;
  const std::vector<std::string> ids = AllPages(Filter(3), &pages);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(ids.size(), 11u);
  for (size_t i = 1; i < ids.size(); ++i) {
    const Registration& a = all.at(ids[i - 1]);
    const Registration& b = all.at(ids[i]);
    EXPECT_TRUE(a.created < b.created || (a.created == b.created && a.id < b.id))
        << "not ordered by (created, id) at " << i;
  }

  const std::vector<std::string> bobs = AllPages(Filter(2, "bob"), &pages);
  EXPECT_EQ(bobs.size(), 4u);  // i = 0, 3, 6, 9
  for (const std::string& id : bobs) EXPECT_EQ(all.at(id).owner, "bob");

  const std::vector<std::string> rgb =
      AllPages(Filter(4, std::nullopt, InputShape{3, 8, 8}), &pages);
  EXPECT_EQ(rgb.size(), 5u);  // odd i
  for (const std::string& id : rgb) EXPECT_EQ(all.at(id).input_shape.channels, 3);

  const std::vector<std::string> both = AllPages(Filter(10, "alice", InputShape{1, 8, 8}), &pages);
  EXPECT_EQ(both.size(), 4u);  // i = 2, 4, 8, 10
  EXPECT_EQ(pages, 1);
  for (const std::string& id : both) {
    EXPECT_EQ(all.at(id).owner, "alice");
    EXPECT_EQ(all.at(id).input_shape.channels, 1);
  }

  EXPECT_TRUE(AllPages(Filter(5, "nobody"), &pages).empty());

  // Summaries say what the full records say.
  absl::StatusOr<ListPage> page = store_->List({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->registrations.size(), 11u);  // default page size 50
  EXPECT_TRUE(page->next_page_token.empty());
  for (const RegistrationSummary& s : page->registrations) {
    ExpectSameSummary(Summarize(all.at(s.id)), s);
  }
}

TEST_F(SqliteStoreTest, PageTokensSurviveNewRegistrations) {
  for (int i = 0; i < 4; ++i) PutNew(Spec().Created(absl::FromUnixSeconds(1000 + i)));
  absl::StatusOr<ListPage> first = store_->List(Filter(2));
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token.empty());
  // One older and one newer arrive between the pages: the older is before the position (not
  // repeated, not shifting anything), the newer comes last.
  PutNew(Spec().Created(absl::FromUnixSeconds(10)));
  const Registration newest = PutNew(Spec().Created(absl::FromUnixSeconds(5000)));
  absl::StatusOr<ListPage> second =
      store_->List(Filter(5, std::nullopt, std::nullopt, first->next_page_token));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->registrations.size(), 3u);
  EXPECT_EQ(second->registrations[0].created, absl::FromUnixSeconds(1002));
  EXPECT_EQ(second->registrations[2].id, newest.id);
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(SqliteStoreTest, ListRefusesBadRequests) {
  EXPECT_EQ(store_->List(Filter(-1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List(Filter(0, std::nullopt, std::nullopt, "garbage!")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List(Filter(0, "")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->List(Filter(0, std::nullopt, InputShape{0, 8, 8})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Oversized pages are cut to the maximum, not refused.
  EXPECT_TRUE(store_->List(Filter(1 << 30)).ok());
}

TEST_F(SqliteStoreTest, ListCompatibleReturnsExactlyTheSameShape) {
  const Registration a = PutNew(Spec().Shape({1, 28, 28}).Created(absl::FromUnixSeconds(3)));
  const Registration b = PutNew(Spec().Shape({1, 28, 28}).Created(absl::FromUnixSeconds(1)));
  PutNew(Spec().Shape({3, 28, 28}));
  PutNew(Spec().Shape({1, 28, 27}));
  PutNew(Spec().Shape({1, 27, 28}));
  absl::StatusOr<std::vector<RegistrationSummary>> compatible = store_->ListCompatible({1, 28, 28});
  ASSERT_TRUE(compatible.ok()) << compatible.status();
  ASSERT_EQ(compatible->size(), 2u);
  EXPECT_EQ((*compatible)[0].id, b.id);  // oldest first
  EXPECT_EQ((*compatible)[1].id, a.id);
  ExpectSameSummary(Summarize(a), (*compatible)[1]);
  absl::StatusOr<std::vector<RegistrationSummary>> none = store_->ListCompatible({2, 28, 28});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(store_->ListCompatible({1, -28, 28}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, DeleteRemovesEveryRow) {
  const Registration keep = PutNew(Spec().Seed(1));
  const Registration gone = PutNew(Spec().Seed(2));
  ASSERT_TRUE(store_->Delete(gone.id).ok());
  EXPECT_EQ(store_->Get(gone.id).status().code(), absl::StatusCode::kNotFound);
  const absl::Status again = store_->Delete(gone.id);
  EXPECT_EQ(again.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(again.message().find(gone.id), absl::string_view::npos);
  EXPECT_EQ(*store_->Count(), 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.RowsInAllTables(), 3);  // keep's three rows only
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM key_sets WHERE registration_id = '" + gone.id + "'"),
            0);
  EXPECT_TRUE(store_->Get(keep.id).ok());
}

TEST_F(SqliteStoreTest, CountAndPing) {
  EXPECT_TRUE(store_->Ping().ok());
  EXPECT_EQ(*store_->Count(), 0);
  PutNew(Spec().Seed(1));
  PutNew(Spec().Seed(2));
  EXPECT_EQ(*store_->Count(), 2);
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_F(SqliteStoreTest, WorksThroughTheInterface) {
  std::unique_ptr<RegistrationStore> store = std::move(store_);
  const Registration r = MakeTestRegistration();
  ASSERT_TRUE(store->Put(r).ok());
  absl::StatusOr<Registration> got = store->Get(r.id);
  ASSERT_TRUE(got.ok());
  ExpectSameRegistration(r, *got);
}

}  // namespace
}  // namespace infip::store
