// SqliteStore's verdicts (schema version 2): round trips, the checks against their
// registration, deletion with it, damage on disk. sqlite_migration_test.cc migrates older
// files.
#include <gtest/gtest.h>

#include <memory>

#include "infip/fingerprint/file_format.h"
#include "infip/io/sha256.h"
#include "infip/store/make_registration.h"
#include "infip/store/sqlite_schema.h"
#include "infip/store/sqlite_store.h"
#include "infip/store/stored_verdict.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::MakeSet;
using testing::MakeTestRegistration;
using testing::MakeTestVerdict;
using testing::RawDb;
using testing::ScratchDir;
using testing::Spec;

void ExpectSameVerdict(const StoredVerdict& want, const StoredVerdict& got) {
  EXPECT_EQ(want.id, got.id);
  EXPECT_EQ(want.registration_id, got.registration_id);
  EXPECT_EQ(want.created, got.created);
  EXPECT_EQ(want.principal, got.principal);
  EXPECT_EQ(want.suspect_name, got.suspect_name);
  EXPECT_EQ(want.suspect_sha256, got.suspect_sha256);
  EXPECT_EQ(want.assim, got.assim);
  EXPECT_EQ(want.ci_low, got.ci_low);
  EXPECT_EQ(want.ci_high, got.ci_high);
  EXPECT_EQ(want.confidence, got.confidence);
  EXPECT_EQ(want.threshold, got.threshold);
  EXPECT_EQ(want.pirated, got.pirated);
  EXPECT_EQ(want.per_key_ssim, got.per_key_ssim);  // bit for bit
  EXPECT_EQ(want.key_count, got.key_count);
  EXPECT_EQ(want.composite, got.composite);
  EXPECT_EQ(want.lambda, got.lambda);
  EXPECT_EQ(want.lambda_scaling, got.lambda_scaling);
  EXPECT_EQ(want.engine_version, got.engine_version);
  EXPECT_EQ(want.envelope, got.envelope);
  EXPECT_TRUE(want.suspect_fingerprints == got.suspect_fingerprints) << ".infip bytes differ";
  EXPECT_EQ(want.suspect_fingerprints_sha256, got.suspect_fingerprints_sha256);
}

class SqliteVerdictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Path("registrations.db");
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    registration_ = MakeTestRegistration(Spec().Keys(6).Seed(7));
    ASSERT_TRUE(store_->Put(registration_).ok());
  }

  ScratchDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  Registration registration_;
};

TEST_F(SqliteVerdictTest, RoundTripKeepsEveryField) {
  const StoredVerdict v = MakeTestVerdict(registration_, 1);
  ASSERT_TRUE(store_->PutVerdict(v).ok());
  absl::StatusOr<StoredVerdict> got = store_->GetVerdict(v.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameVerdict(v, *got);
  EXPECT_EQ(*store_->CountVerdicts(), 1);
  EXPECT_EQ(*store_->Count(), 1);  // registrations only
}

TEST_F(SqliteVerdictTest, NewVerdictIdsAreWellFormedAndDistinct) {
  const std::string a = NewVerdictId();
  const std::string b = NewVerdictId();
  EXPECT_NE(a, b);
  for (const std::string& id : {a, b}) {
    ASSERT_EQ(id.size(), 20u) << id;
    EXPECT_EQ(id.substr(0, 4), "vrd_");
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
    EXPECT_TRUE(ValidateVerdictId(id).ok());
  }
}

TEST_F(SqliteVerdictTest, UnknownRegistrationIsNotFoundAndNothingIsStored) {
  StoredVerdict v = MakeTestVerdict(registration_, 1);
  v.registration_id = "reg_00000000deadbeef";
  const absl::Status put = store_->PutVerdict(v);
  EXPECT_EQ(put.code(), absl::StatusCode::kNotFound) << put;
  EXPECT_NE(put.message().find("reg_00000000deadbeef"), absl::string_view::npos) << put;
  EXPECT_EQ(*store_->CountVerdicts(), 0);
}

TEST_F(SqliteVerdictTest, DuplicateIdIsAlreadyExistsAndKeepsTheFirst) {
  const StoredVerdict first = MakeTestVerdict(registration_, 1);
  ASSERT_TRUE(store_->PutVerdict(first).ok());
  StoredVerdict second = MakeTestVerdict(registration_, 2);
  second.id = first.id;
  EXPECT_EQ(store_->PutVerdict(second).code(), absl::StatusCode::kAlreadyExists);
  absl::StatusOr<StoredVerdict> got = store_->GetVerdict(first.id);
  ASSERT_TRUE(got.ok());
  ExpectSameVerdict(first, *got);
}

TEST_F(SqliteVerdictTest, VerdictDisagreeingWithItsRegistrationIsRefused) {
  // Each differs from the registration in one setting, but is consistent in itself.
  struct Case {
    const char* what;
    void (*change)(StoredVerdict&);
  };
  const Case cases[] = {
      {"threshold",
       [](StoredVerdict& v) {
         v.threshold = v.threshold - 0.25;
         v.pirated = v.assim >= v.threshold;
       }},
      {"composite",
       [](StoredVerdict& v) {
         // S' must agree with the verdict, so make it again with the other composite.
         absl::StatusOr<fingerprint::FingerprintSet> set =
             fingerprint::ParseFingerprintSet(v.suspect_fingerprints);
         set->metadata.composite = "epsilon-plus-flat";
         v.suspect_fingerprints = *fingerprint::SerializeFingerprintSet(*set);
         v.suspect_fingerprints_sha256 = io::Sha256Hex(v.suspect_fingerprints);
         v.composite = "epsilon-plus-flat";
       }},
  };
  for (const Case& c : cases) {
    StoredVerdict v = MakeTestVerdict(registration_, 3);
    c.change(v);
    ASSERT_TRUE(ValidateVerdict(v).ok()) << c.what << ": " << ValidateVerdict(v);
    const absl::Status put = store_->PutVerdict(v);
    EXPECT_EQ(put.code(), absl::StatusCode::kInvalidArgument) << c.what << ": " << put;
    EXPECT_NE(put.message().find(c.what), absl::string_view::npos) << put;
  }
  EXPECT_EQ(*store_->CountVerdicts(), 0);
}

TEST_F(SqliteVerdictTest, InconsistentVerdictsAreInvalidArguments) {
  struct Case {
    const char* expect;  // in the message
    void (*change)(StoredVerdict&);
  };
  const Case cases[] = {
      {"verdict id", [](StoredVerdict& v) { v.id = "vrd 1"; }},
      {"registration id", [](StoredVerdict& v) { v.registration_id = ""; }},
      {"suspect sha256", [](StoredVerdict& v) { v.suspect_sha256 = "ABC"; }},
      {"suspect name", [](StoredVerdict& v) { v.suspect_name.clear(); }},
      {"pirated", [](StoredVerdict& v) { v.pirated = !v.pirated; }},
      {"per-key", [](StoredVerdict& v) { v.per_key_ssim.pop_back(); }},
      {"assim", [](StoredVerdict& v) { v.assim = 1.5; }},
      {"ci_low", [](StoredVerdict& v) { std::swap(v.ci_low, v.ci_high); }},
      {"confidence", [](StoredVerdict& v) { v.confidence = 1.0; }},
      {"lambda", [](StoredVerdict& v) { v.lambda = -1; }},
      {"envelope", [](StoredVerdict& v) { v.envelope.clear(); }},
      {"sha256", [](StoredVerdict& v) { v.suspect_fingerprints.back() ^= 1; }},
      {"created", [](StoredVerdict& v) { v.created = absl::InfinitePast(); }},
  };
  for (const Case& c : cases) {
    StoredVerdict v = MakeTestVerdict(registration_, 4);
    c.change(v);
    const absl::Status put = store_->PutVerdict(v);
    EXPECT_EQ(put.code(), absl::StatusCode::kInvalidArgument) << c.expect << ": " << put;
    EXPECT_NE(put.message().find(c.expect), absl::string_view::npos) << put;
  }
  EXPECT_EQ(*store_->CountVerdicts(), 0);
}

TEST_F(SqliteVerdictTest, GetUnknownOrMalformedId) {
  const absl::StatusOr<StoredVerdict> unknown = store_->GetVerdict("vrd_0000000000000001");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("vrd_0000000000000001"), absl::string_view::npos);
  EXPECT_EQ(store_->GetVerdict("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetVerdict("vrd/../x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteVerdictTest, DeletingTheRegistrationDeletesItsVerdicts) {
  const Registration other = MakeTestRegistration(Spec().Seed(9));
  ASSERT_TRUE(store_->Put(other).ok());
  const StoredVerdict a = MakeTestVerdict(registration_, 1);
  const StoredVerdict b = MakeTestVerdict(registration_, 2);
  const StoredVerdict kept = MakeTestVerdict(other, 3);
  for (const StoredVerdict* v : {&a, &b, &kept}) ASSERT_TRUE(store_->PutVerdict(*v).ok());
  EXPECT_EQ(*store_->CountVerdicts(), 3);

  ASSERT_TRUE(store_->Delete(registration_.id).ok());
  EXPECT_EQ(store_->GetVerdict(a.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetVerdict(b.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetVerdict(kept.id).ok());
  EXPECT_EQ(*store_->CountVerdicts(), 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM verdicts WHERE registration_id = '" +
                         registration_.id + "'"),
            0);
  EXPECT_EQ(raw.RowsInAllTables(), 3 + 1);  // other's three rows and its verdict
}

TEST_F(SqliteVerdictTest, DamagedFingerprintsOnDiskAreDataLoss) {
  const StoredVerdict v = MakeTestVerdict(registration_, 1);
  ASSERT_TRUE(store_->PutVerdict(v).ok());
  RawDb(path_).Exec(
      "UPDATE verdicts SET suspect_fingerprints = zeroblob(length(suspect_fingerprints))");
  const absl::StatusOr<StoredVerdict> got = store_->GetVerdict(v.id);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_NE(got.status().message().find(v.id), absl::string_view::npos) << got.status();
}

TEST_F(SqliteVerdictTest, SchemaRefusesRowsNoPutCouldWrite) {
  const StoredVerdict v = MakeTestVerdict(registration_, 1);
  ASSERT_TRUE(store_->PutVerdict(v).ok());
  RawDb raw(path_);
  // A per-key blob of the wrong length and a verdict without registration, behind the
  // store's back: the table's own constraints refuse both.
  char* error = nullptr;
  EXPECT_NE(sqlite3_exec(raw.handle(), "UPDATE verdicts SET per_key_ssim = x'00'", nullptr, nullptr,
                         &error),
            SQLITE_OK);
  sqlite3_free(error);
  raw.Exec("PRAGMA foreign_keys = ON");
  EXPECT_NE(sqlite3_exec(raw.handle(), "UPDATE verdicts SET registration_id = 'reg_nobody'",
                         nullptr, nullptr, &error),
            SQLITE_OK);
  sqlite3_free(error);
  absl::StatusOr<StoredVerdict> got = store_->GetVerdict(v.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSameVerdict(v, *got);
}

}  // namespace
}  // namespace infip::store
