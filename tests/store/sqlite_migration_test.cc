// SqliteStore's schema migrations: files exactly as builds of schema versions 1 and 2 left
// them (their published steps run by hand, rows copied in without the columns those versions
// did not have) open in this build, keep every row, and gain principals as docs/store.md says:
// a registration's owner becomes its principal, an old verdict records nobody. And the
// principals of new rows, with the light lookups that tenant checks use.
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "infip/store/sqlite_schema.h"
#include "infip/store/sqlite_store.h"
#include "store_test_util.h"

namespace infip::store {
namespace {

using testing::MakeTestRegistration;
using testing::MakeTestVerdict;
using testing::RawDb;
using testing::ScratchDir;
using testing::Spec;

// The columns each table had up to schema version 2.
constexpr char kV2RegistrationColumns[] =
    "id, owner, model_name, created_micros, threshold, composite, lambda, lambda_scaling, "
    "channels, height, width, key_count, key_set_sha256, fingerprints_sha256, receipt";
constexpr char kV2VerdictColumns[] =
    "id, registration_id, created_micros, suspect_name, suspect_sha256, assim, ci_low, ci_high, "
    "confidence, threshold, pirated, key_count, per_key_ssim, composite, lambda, lambda_scaling, "
    "engine_version, envelope, suspect_fingerprints, suspect_fingerprints_sha256";

// Writes `path` as a build of schema `version` (1 or 2) would have: the published migration
// steps up to it, then the rows, copied from a store of this build in `scratch`.
void MakeOldStore(const std::string& path, int version, const ScratchDir& scratch,
                  const std::vector<Registration>& registrations,
                  const std::vector<StoredVerdict>& verdicts) {
  const std::string source = scratch.Path(absl::StrCat("source-v", version, ".db"));
  {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(source);
    ASSERT_TRUE(store.ok()) << store.status();
    for (const Registration& r : registrations) ASSERT_TRUE((*store)->Put(r).ok());
    for (const StoredVerdict& v : verdicts) ASSERT_TRUE((*store)->PutVerdict(v).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_close(db);
  }
  RawDb raw(path);
  raw.Exec("BEGIN");
  for (const sqlite::Migration& step : sqlite::Migrations()) {
    if (step.version > version) break;
    for (std::string_view sql : step.statements) raw.Exec(std::string(sql));
    raw.Exec(absl::StrCat("INSERT INTO schema_version VALUES (", step.version,
                          ", '2024-06-01T00:00:00Z', '",
                          absl::string_view(step.summary.data(), step.summary.size()), "')"));
  }
  raw.Exec(absl::StrCat("ATTACH DATABASE '", source, "' AS source"));
  raw.Exec(absl::StrCat("INSERT INTO registrations SELECT ", kV2RegistrationColumns,
                        " FROM source.registrations"));
  raw.Exec("INSERT INTO key_sets SELECT * FROM source.key_sets");
  raw.Exec("INSERT INTO fingerprint_sets SELECT * FROM source.fingerprint_sets");
  if (version >= 2) {
    raw.Exec(
        absl::StrCat("INSERT INTO verdicts SELECT ", kV2VerdictColumns, " FROM source.verdicts"));
  }
  raw.Exec("COMMIT");
  raw.Exec("DETACH DATABASE source");
  ASSERT_EQ(raw.QueryInt("SELECT max(version) FROM schema_version"), version);
  ASSERT_EQ(raw.QueryInt("SELECT count(*) FROM pragma_table_info('registrations') "
                         "WHERE name = 'principal'"),
            0);
}

TEST(SqliteMigrationTest, TheChainIsVersionsOneToThree) {
  ASSERT_EQ(sqlite::kSchemaVersion, 3);
  ASSERT_EQ(sqlite::Migrations().size(), 3u);
  for (size_t i = 0; i < sqlite::Migrations().size(); ++i) {
    EXPECT_EQ(sqlite::Migrations()[i].version, static_cast<int>(i + 1));
  }
}

TEST(SqliteMigrationTest, VersionOneFileMigratesAndItsOwnersBecomePrincipals) {
  ScratchDir dir;
  const std::string path = dir.Path("v1.db");
  // Made by builds that trusted a free-text owner: this row's "owner" is all there is.
  const Registration alices = MakeTestRegistration(Spec().Owner("alice").Seed(5));
  const Registration bobs = MakeTestRegistration(Spec().Owner("bob").Seed(6));
  MakeOldStore(path, 1, dir, {alices, bobs}, {});

  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  {
    RawDb raw(path);
    EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM schema_version"), 3);
    EXPECT_EQ(raw.QueryText("SELECT summary FROM schema_version WHERE version = 2"), "verdicts");
    EXPECT_EQ(raw.QueryText("SELECT summary FROM schema_version WHERE version = 3"),
              "principals of registrations and verdicts");
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = "
                           "'verdicts_by_registration'"),
              1);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM registrations WHERE principal = owner"), 2);
  }
  for (const Registration& want : {alices, bobs}) {
    absl::StatusOr<Registration> got = (*store)->Get(want.id);
    ASSERT_TRUE(got.ok()) << got.status();
    testing::ExpectSameRegistration(want, *got);  // principal == owner, as MakeRegistration
    EXPECT_EQ(got->principal, want.owner);
    absl::StatusOr<RegistrationSummary> summary = (*store)->GetSummary(want.id);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->principal, want.owner);
  }
  // A verdict made now records who asked.
  StoredVerdict v = MakeTestVerdict(alices, 1);
  v.principal = "shop";
  ASSERT_TRUE((*store)->PutVerdict(v).ok());
  EXPECT_EQ((*store)->GetVerdict(v.id)->principal, "shop");
  EXPECT_TRUE((*store)->Ping().ok());
}

TEST(SqliteMigrationTest, VersionTwoFileKeepsItsVerdictsWhichRecordNobody) {
  ScratchDir dir;
  const std::string path = dir.Path("v2.db");
  const Registration alices = MakeTestRegistration(Spec().Owner("alice").Seed(8));
  const StoredVerdict old_verdict = MakeTestVerdict(alices, 3);
  MakeOldStore(path, 2, dir, {alices}, {old_verdict});

  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  {
    RawDb raw(path);
    EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM schema_version"), 3);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM verdicts WHERE principal IS NULL"), 1);
  }
  absl::StatusOr<StoredVerdict> got = (*store)->GetVerdict(old_verdict.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->principal, "");
  EXPECT_EQ(got->envelope, old_verdict.envelope);
  EXPECT_TRUE(got->suspect_fingerprints == old_verdict.suspect_fingerprints);
  absl::StatusOr<VerdictSummary> summary = (*store)->GetVerdictSummary(old_verdict.id);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->principal, "");
  EXPECT_EQ(summary->registration_id, alices.id);
  EXPECT_EQ(summary->created, old_verdict.created);
  EXPECT_EQ((*store)->GetSummary(alices.id)->principal, "alice");
  // Deleting the registration still takes its (old) verdicts along.
  ASSERT_TRUE((*store)->Delete(alices.id).ok());
  EXPECT_EQ((*store)->GetVerdict(old_verdict.id).status().code(), absl::StatusCode::kNotFound);
}

TEST(SqliteMigrationTest, MigratingTwiceChangesNothing) {
  ScratchDir dir;
  const std::string path = dir.Path("v2.db");
  MakeOldStore(path, 2, dir, {MakeTestRegistration(Spec().Seed(4))}, {});
  ASSERT_TRUE(SqliteStore::Open(path).ok());
  ASSERT_TRUE(SqliteStore::Open(path).ok());
  EXPECT_EQ(RawDb(path).QueryInt("SELECT count(*) FROM schema_version"), 3);
}

TEST(SqlitePrincipalTest, NewRowsKeepTheirPrincipals) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.Path("p.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  Registration r = MakeTestRegistration(Spec().Owner("bob").Seed(2));
  r.principal = "ops";  // an admin registering for bob
  ASSERT_TRUE((*store)->Put(r).ok());
  absl::StatusOr<Registration> got = (*store)->Get(r.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->owner, "bob");
  EXPECT_EQ(got->principal, "ops");
  absl::StatusOr<ListPage> page = (*store)->List(testing::Filter(10, "bob"));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->registrations.size(), 1u);
  EXPECT_EQ(page->registrations[0].principal, "ops");

  StoredVerdict v = MakeTestVerdict(r, 2);
  v.principal = "shop";
  ASSERT_TRUE((*store)->PutVerdict(v).ok());
  EXPECT_EQ((*store)->GetVerdictSummary(v.id)->principal, "shop");
  StoredVerdict nobody = MakeTestVerdict(r, 3);  // a library caller without authentication
  ASSERT_TRUE((*store)->PutVerdict(nobody).ok());
  EXPECT_EQ((*store)->GetVerdict(nobody.id)->principal, "");

  EXPECT_EQ((*store)->GetSummary("reg_ffffffffffffffff").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->GetSummary("bad id!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->GetVerdictSummary("vrd_ffffffffffffffff").status().code(),
            absl::StatusCode::kNotFound);

  Registration nameless = MakeTestRegistration(Spec().Seed(3));
  nameless.principal.clear();
  EXPECT_EQ((*store)->Put(nameless).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace infip::store
