// The access policy (server/auth/policy.h): the RPC -> roles table, and the tenant rules for
// each kind of caller, with the refusals marked as the policy's.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>

#include "infip/v1/infip.grpc.pb.h"
#include "server/auth/policy.h"

namespace infip::server::auth {
namespace {

const Caller kAlice{"alice", {Role::kOwner}};
const Caller kBob{"bob", {Role::kOwner}};
const Caller kShop{"shop", {Role::kVerifier}};
const Caller kOps{"ops", {Role::kAdmin}};
const Caller kBoth{"carol", {Role::kOwner, Role::kVerifier}};
const Caller kNobody{"ghost", {}};

store::RegistrationSummary RegistrationOf(const std::string& owner) {
  store::RegistrationSummary r;
  r.id = "reg_00000000000000a1";
  r.owner = owner;
  r.principal = owner;
  return r;
}

store::VerdictSummary VerdictBy(const std::string& principal) {
  store::VerdictSummary v;
  v.id = "vrd_00000000000000b2";
  v.registration_id = "reg_00000000000000a1";
  v.principal = principal;
  return v;
}

void ExpectDenied(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_TRUE(IsAccessRefusal(status)) << status;
}

TEST(RpcTableTest, EveryRpcOfTheServiceOnceInProtoOrder) {
  // The proto file's own description of the service (through one of its messages, which
  // loads the file into the generated pool).
  const google::protobuf::ServiceDescriptor* service =
      v1::GetServerInfoRequest::descriptor()->file()->FindServiceByName("Fingerprinting");
  ASSERT_NE(service, nullptr);
  ASSERT_EQ(RpcTable().size(), static_cast<size_t>(service->method_count()));
  for (int i = 0; i < service->method_count(); ++i) {
    EXPECT_EQ(RpcTable()[static_cast<size_t>(i)].method, service->method(i)->name());
    EXPECT_EQ(&RuleFor(RpcTable()[static_cast<size_t>(i)].rpc),
              &RpcTable()[static_cast<size_t>(i)]);
  }
}

TEST(RpcTableTest, RolesAndAuditAsDocumented) {
  const RoleSet owners = {Role::kOwner, Role::kAdmin};
  const RoleSet everyone = RoleSet::All();
  EXPECT_EQ(RuleFor(Rpc::kRegisterModel).roles, owners);
  EXPECT_EQ(RuleFor(Rpc::kRegisterFingerprints).roles, owners);
  EXPECT_EQ(RuleFor(Rpc::kGetRegistration).roles, owners);
  EXPECT_EQ(RuleFor(Rpc::kListRegistrations).roles, owners);
  EXPECT_EQ(RuleFor(Rpc::kDeleteRegistration).roles, owners);
  EXPECT_EQ(RuleFor(Rpc::kVerify).roles, everyone);
  EXPECT_EQ(RuleFor(Rpc::kScreen).roles, everyone);
  EXPECT_EQ(RuleFor(Rpc::kGetEvidence).roles, everyone);
  EXPECT_EQ(RuleFor(Rpc::kGetServerInfo).roles, everyone);
  std::set<std::string_view> audited;
  for (const RpcRule& rule : RpcTable()) {
    if (rule.audited) audited.insert(rule.method);
    // Admin is in every rule: nothing is closed to it.
    EXPECT_TRUE(rule.roles.Has(Role::kAdmin)) << rule.method;
  }
  EXPECT_EQ(audited, (std::set<std::string_view>{"RegisterModel", "RegisterFingerprints",
                                                 "DeleteRegistration", "GetEvidence"}));
}

TEST(RpcTableTest, CheckRole) {
  EXPECT_TRUE(CheckRole(kAlice, Rpc::kDeleteRegistration).ok());
  EXPECT_TRUE(CheckRole(kShop, Rpc::kVerify).ok());
  EXPECT_TRUE(CheckRole(kOps, Rpc::kRegisterModel).ok());
  const absl::Status shop_deletes = CheckRole(kShop, Rpc::kDeleteRegistration);
  ExpectDenied(shop_deletes);
  EXPECT_NE(shop_deletes.message().find("principal 'shop' (verifier)"), std::string_view::npos);
  EXPECT_NE(shop_deletes.message().find("DeleteRegistration"), std::string_view::npos);
  ExpectDenied(CheckRole(kShop, Rpc::kRegisterFingerprints));
  ExpectDenied(CheckRole(kShop, Rpc::kListRegistrations));
  ExpectDenied(CheckRole(kShop, Rpc::kGetRegistration));
  for (const RpcRule& rule : RpcTable()) ExpectDenied(CheckRole(kNobody, rule.rpc));
}

TEST(TenantTest, OwnerOfANewRegistrationIsTheCaller) {
  EXPECT_EQ(*OwnerOfNewRegistration(kAlice, ""), "alice");
  EXPECT_EQ(*OwnerOfNewRegistration(kAlice, "alice"), "alice");
  ExpectDenied(OwnerOfNewRegistration(kAlice, "bob").status());
  EXPECT_EQ(*OwnerOfNewRegistration(kOps, ""), "ops");
  EXPECT_EQ(*OwnerOfNewRegistration(kOps, "bob"), "bob");
}

TEST(TenantTest, ListingsAreScopedToTheOwner) {
  EXPECT_EQ(*ListScope(kAlice, ""), std::optional<std::string>("alice"));
  EXPECT_EQ(*ListScope(kAlice, "alice"), std::optional<std::string>("alice"));
  ExpectDenied(ListScope(kAlice, "bob").status());
  EXPECT_FALSE(ListScope(kOps, "")->has_value());
  EXPECT_EQ(*ListScope(kOps, "bob"), std::optional<std::string>("bob"));
  // The verifier role does not widen a listing: listing is an owner's act.
  EXPECT_EQ(*ListScope(kBoth, ""), std::optional<std::string>("carol"));
}

TEST(TenantTest, ScreeningsAreScopedForOwnersOnly) {
  EXPECT_EQ(*ScreenScope(kAlice, ""), std::optional<std::string>("alice"));
  ExpectDenied(ScreenScope(kAlice, "bob").status());
  EXPECT_FALSE(ScreenScope(kShop, "")->has_value());
  EXPECT_EQ(*ScreenScope(kShop, "bob"), std::optional<std::string>("bob"));
  EXPECT_FALSE(ScreenScope(kOps, "")->has_value());
  EXPECT_EQ(*ScreenScope(kBoth, "bob"), std::optional<std::string>("bob"));
}

TEST(TenantTest, RegistrationsAreTheirOwners) {
  const store::RegistrationSummary alices = RegistrationOf("alice");
  EXPECT_TRUE(CheckOwnRegistration(kAlice, alices, "delete").ok());
  EXPECT_TRUE(CheckOwnRegistration(kOps, alices, "delete").ok());
  const absl::Status bob = CheckOwnRegistration(kBob, alices, "delete");
  ExpectDenied(bob);
  EXPECT_NE(bob.message().find("reg_00000000000000a1"), std::string_view::npos);
  ExpectDenied(CheckOwnRegistration(kShop, alices, "show"));
  // A principal named like the owner but without the owner role owns nothing.
  ExpectDenied(CheckOwnRegistration(Caller{"alice", {Role::kVerifier}}, alices, "show"));
}

TEST(TenantTest, VerifyTargets) {
  const store::RegistrationSummary alices = RegistrationOf("alice");
  EXPECT_TRUE(CheckVerifyTarget(kAlice, alices).ok());
  ExpectDenied(CheckVerifyTarget(kBob, alices));
  EXPECT_TRUE(CheckVerifyTarget(kShop, alices).ok());
  EXPECT_TRUE(CheckVerifyTarget(kBoth, alices).ok());
  EXPECT_TRUE(CheckVerifyTarget(kOps, alices).ok());
}

TEST(TenantTest, VerdictEvidenceViews) {
  const store::RegistrationSummary alices = RegistrationOf("alice");
  // The registration's owner and admins see everything, whoever asked.
  EXPECT_EQ(*VerdictEvidenceView(kAlice, alices, VerdictBy("shop")), audit::EvidenceView::kFull);
  EXPECT_EQ(*VerdictEvidenceView(kOps, alices, VerdictBy("shop")), audit::EvidenceView::kFull);
  // Whoever asked sees the comparison only.
  EXPECT_EQ(*VerdictEvidenceView(kShop, alices, VerdictBy("shop")),
            audit::EvidenceView::kComparison);
  EXPECT_EQ(*VerdictEvidenceView(kBoth, alices, VerdictBy("carol")),
            audit::EvidenceView::kComparison);
  // Anyone else nothing: another verifier, another owner.
  ExpectDenied(
      VerdictEvidenceView(Caller{"shop-2", {Role::kVerifier}}, alices, VerdictBy("shop")).status());
  ExpectDenied(VerdictEvidenceView(kBob, alices, VerdictBy("shop")).status());
  // A verdict from before principals were recorded: its owner's and the admins' only.
  EXPECT_EQ(*VerdictEvidenceView(kAlice, alices, VerdictBy("")), audit::EvidenceView::kFull);
  EXPECT_EQ(*VerdictEvidenceView(kOps, alices, VerdictBy("")), audit::EvidenceView::kFull);
  ExpectDenied(VerdictEvidenceView(Caller{"", {Role::kVerifier}}, alices, VerdictBy("")).status());
  ExpectDenied(VerdictEvidenceView(kShop, alices, VerdictBy("")).status());
}

TEST(RefusalTest, MarkedAndTellable) {
  EXPECT_TRUE(IsAccessRefusal(Unauthenticated("no")));
  EXPECT_EQ(Unauthenticated("no").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(IsAccessRefusal(PermissionDenied("no")));
  EXPECT_FALSE(IsAccessRefusal(absl::PermissionDeniedError("a handle outside the roots")));
  EXPECT_FALSE(IsAccessRefusal(absl::OkStatus()));
}

}  // namespace
}  // namespace infip::server::auth
