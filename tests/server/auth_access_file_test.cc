// The access file (server/auth/access_file.h): its grammar, the line each refusal names, and
// lookups by token hash and certificate identity.
#include <gtest/gtest.h>

#include <fstream>

#include "infip/io/sha256.h"
#include "scratch_dir.h"
#include "server/auth/access_file.h"

namespace infip::server::auth {
namespace {

const std::string kHashA = io::Sha256Hex("token-of-shop-1");
const std::string kHashB = io::Sha256Hex("token-of-alice");

void ExpectRefused(std::string_view text, std::initializer_list<std::string_view> words) {
  absl::StatusOr<AccessList> list = AccessList::Parse(text, "access");
  ASSERT_FALSE(list.ok()) << "accepted:\n" << text;
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(list.status().message());
  for (std::string_view w : words) {
    EXPECT_NE(message.find(w), std::string::npos)
        << "'" << message << "' does not name '" << w << "'";
  }
}

TEST(AccessFileTest, GrantsCommentsAndBlankLines) {
  const std::string text =
      "# who may call\n"
      "\n"
      "token " +
      kHashA +
      " shop-1 verifier\n"
      "   # an indented comment\n"
      "cert\tspiffe://infip.test/alice\talice\towner   # trailing comment\n"
      "token " +
      kHashB +
      " alice owner\r\n"
      "cert ops.example.org ops admin,owner,verifier\n";
  absl::StatusOr<AccessList> list = AccessList::Parse(text, "access");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->entries().size(), 4u);
  EXPECT_EQ(list->entries()[0].line, 3);
  EXPECT_EQ(list->entries()[1].line, 5);
  EXPECT_EQ(list->entries()[3].line, 7);
  EXPECT_EQ(list->CountOf(CredentialKind::kToken), 2u);
  EXPECT_EQ(list->CountOf(CredentialKind::kCertificate), 2u);

  std::optional<Principal> shop = list->FindToken(kHashA);
  ASSERT_TRUE(shop.has_value());
  EXPECT_EQ(shop->name, "shop-1");
  EXPECT_EQ(shop->roles, RoleSet{Role::kVerifier});
  std::optional<Principal> alice = list->FindCertificate("spiffe://infip.test/alice");
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(list->FindToken(kHashB)->name, "alice");
  EXPECT_EQ(list->FindCertificate("ops.example.org")->roles, RoleSet::All());

  EXPECT_FALSE(list->FindToken(io::Sha256Hex("another token")).has_value());
  EXPECT_FALSE(list->FindToken("short").has_value());
  EXPECT_FALSE(list->FindCertificate("spiffe://infip.test/ALICE").has_value());  // exact
  // A token's hash is not a certificate identity, nor the other way round.
  EXPECT_FALSE(list->FindCertificate(kHashA).has_value());
}

TEST(AccessFileTest, EmptyFileGrantsNothing) {
  absl::StatusOr<AccessList> list = AccessList::Parse("# nobody yet\n\n", "access");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->entries().empty());
  EXPECT_FALSE(list->FindToken(kHashA).has_value());
}

TEST(AccessFileTest, BadLinesNameTheirNumber) {
  ExpectRefused("# ok\ntoken " + kHashA + " shop verifier\ntoken " + kHashB + " alice\n",
                {"access, line 3", "expected 4 fields", "found 3"});
  ExpectRefused("token " + kHashA + " shop verifier extra\n", {"line 1", "found 5"});
  ExpectRefused("\n\npassword " + kHashA + " shop verifier\n",
                {"line 3", "unknown kind 'password'", "token or cert"});
  ExpectRefused("cert x shop\tverifier,\n", {"line 1", "empty role"});
  ExpectRefused("cert x shop reader\n", {"line 1", "unknown role 'reader'"});
  ExpectRefused("cert x shop Owner\n", {"unknown role 'Owner'"});
  ExpectRefused("cert x " + std::string(129, 'p') + " owner\n", {"line 1", "principal"});
  ExpectRefused("cert " + std::string(1025, 'i') + " p owner\n", {"line 1", "identity"});
  ExpectRefused("cert x p owner\ncert y\x01z p owner\n", {"line 2", "control character"});
}

TEST(AccessFileTest, TokenCredentialsAreHashesAndNeverEchoed) {
  const std::string pasted = "s3cr3t-token-pasted-by-mistake";
  absl::StatusOr<AccessList> list = AccessList::Parse("token " + pasted + " shop verifier\n", "f");
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("SHA-256"), std::string_view::npos);
  EXPECT_EQ(list.status().message().find(pasted), std::string_view::npos) << list.status();
  std::string upper = kHashA;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ExpectRefused("token " + upper + " shop verifier\n", {"lowercase"});
  ExpectRefused("token " + kHashA.substr(1) + " shop verifier\n", {"63 characters"});
}

TEST(AccessFileTest, DuplicateCredentialsNameBothLines) {
  ExpectRefused("token " + kHashA + " shop-1 verifier\n# x\ntoken " + kHashA + " shop-2 verifier\n",
                {"line 3", "same token as line 1"});
  ExpectRefused("cert spiffe://t/a alice owner\ncert spiffe://t/a bob owner\n",
                {"line 2", "same certificate identity as line 1"});
  // The same text as a token hash and as a certificate identity are different credentials.
  EXPECT_TRUE(
      AccessList::Parse("token " + kHashA + " a owner\ncert " + kHashA + " a owner\n", "f").ok());
}

TEST(AccessFileTest, RolesArePerPrincipal) {
  ExpectRefused("cert spiffe://t/a alice owner\ntoken " + kHashB + " alice owner,admin\n",
                {"line 2", "principal 'alice'", "owner,admin", "line 1", "per principal"});
  // The same roles in another order or repeated are the same roles.
  EXPECT_TRUE(
      AccessList::Parse(
          "cert a alice owner,verifier\ntoken " + kHashB + " alice verifier,owner,owner\n", "f")
          .ok());
}

TEST(AccessFileTest, LoadReadsAFileAndNamesItsPath) {
  infip::testing::ScratchDir dir;
  const std::string path = dir / "access";
  std::ofstream(path) << "token " << kHashA << " shop verifier\ncert x y boss\n";
  absl::StatusOr<AccessList> bad = AccessList::Load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path + ", line 2"), std::string_view::npos) << bad.status();
  std::ofstream(path, std::ios::trunc) << "token " << kHashA << " shop verifier\n";
  absl::StatusOr<AccessList> good = AccessList::Load(path);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->entries().size(), 1u);
  absl::StatusOr<AccessList> missing = AccessList::Load(dir / "absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_NE(missing.status().message().find("absent"), std::string_view::npos);
}

TEST(RolesTest, ParseAndPrint) {
  EXPECT_EQ(*ParseRoles("admin"), RoleSet{Role::kAdmin});
  EXPECT_EQ(ParseRoles("verifier,owner")->ToString(), "owner,verifier");
  EXPECT_EQ(RoleSet::All().ToString(), "owner,verifier,admin");
  EXPECT_FALSE(ParseRoles("").ok());
  EXPECT_FALSE(ParseRoles("owner,,admin").ok());
  EXPECT_FALSE(ParseRoles(" owner").ok());
  EXPECT_TRUE(RoleSet().empty());
  EXPECT_FALSE(RoleSet{Role::kOwner}.Intersects(RoleSet{Role::kVerifier, Role::kAdmin}));
}

}  // namespace
}  // namespace infip::server::auth
