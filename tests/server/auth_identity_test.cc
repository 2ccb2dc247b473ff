// Who a client certificate is (server/auth/peer_identity.h: SPIFFE ID, else first SAN, else
// CN) and whether it is trusted (server/auth/client_certificates.h), on certificates made by
// openssl at test time.
#include <gtest/gtest.h>

#include "auth_pki.h"
#include "server/auth/bearer_token.h"
#include "server/auth/client_certificates.h"
#include "server/auth/peer_identity.h"

namespace infip::server::auth {
namespace {

using testing::TestPki;

TEST(CertificateIdentityTest, SpiffeIdThenFirstAltNameThenCommonName) {
  PeerCertificate cert;
  cert.spiffe_ids = {"spiffe://infip.test/admin"};
  cert.alt_names = {"admin.clients.infip.test", "spiffe://infip.test/admin"};
  cert.common_names = {"admin"};
  EXPECT_EQ(*CertificateIdentity(cert), "spiffe://infip.test/admin");

  cert.spiffe_ids.clear();
  cert.alt_names = {"owner-b.clients.infip.test", "10.0.0.1"};
  EXPECT_EQ(*CertificateIdentity(cert), "owner-b.clients.infip.test");

  cert.alt_names.clear();
  cert.common_names = {"verifier"};
  EXPECT_EQ(*CertificateIdentity(cert), "verifier");

  cert.common_names.clear();
  absl::StatusOr<std::string> none = CertificateIdentity(cert);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(CertificateIdentityTest, SpiffeUrisWithoutASpiffeIdNameNobody) {
  // What gRPC reports for a certificate with two spiffe:// URIs: no peer_spiffe_id.
  PeerCertificate cert;
  cert.alt_names = {"spiffe://infip.test/x", "spiffe://infip.test/y"};
  cert.common_names = {"two-spiffe"};
  absl::StatusOr<std::string> identity = CertificateIdentity(cert);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(identity.status().message().find("2 spiffe://"), std::string_view::npos);
  cert.alt_names = {"dns.example", "SPIFFE://infip.test/x"};
  EXPECT_FALSE(CertificateIdentity(cert).ok());
}

class ClientCertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(TestPki::Get().ok());
    absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> v =
        ClientCertificateVerifier::Load(TestPki::Get().Path("ca.pem"));
    ASSERT_TRUE(v.ok()) << v.status();
    verifier_ = *std::move(v);
  }
  absl::Status Verify(const std::string& name) const {
    return verifier_->Verify(TestPki::Get().Read(name + ".pem"), "");
  }
  std::unique_ptr<ClientCertificateVerifier> verifier_;
};

TEST_F(ClientCertificateTest, CertificatesOfTheCaAreAccepted) {
  EXPECT_EQ(verifier_->ca_count(), 1);
  for (const char* name : {"owner-a", "owner-b", "verifier", "admin", "two-spiffe"}) {
    EXPECT_TRUE(Verify(name).ok()) << name << ": " << Verify(name);
  }
}

TEST_F(ClientCertificateTest, ExpiredWrongCaAndWrongPurposeAreRefusedSayingWhy) {
  const absl::Status expired = Verify("expired");
  EXPECT_EQ(expired.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(expired.message().find("expired"), std::string_view::npos) << expired;
  const absl::Status stranger = Verify("stranger");
  EXPECT_EQ(stranger.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(stranger.message().find("issuer"), std::string_view::npos) << stranger;
  // A server certificate (serverAuth only) is no client certificate.
  const absl::Status server = Verify("server");
  EXPECT_EQ(server.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(server.message().find("purpose"), std::string_view::npos) << server;
  // Garbage is refused, without a crash.
  EXPECT_EQ(verifier_->Verify("not a certificate", "").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(verifier_->Verify("", "").code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ClientCertificateTest, BothCasAndBadCaFiles) {
  const TestPki& pki = TestPki::Get();
  absl::StatusOr<std::unique_ptr<ClientCertificateVerifier>> both =
      ClientCertificateVerifier::Create(pki.Read("ca.pem") + pki.Read("other-ca.pem"), "both");
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ((*both)->ca_count(), 2);
  EXPECT_TRUE((*both)->Verify(pki.Read("stranger.pem"), "").ok());
  EXPECT_FALSE((*both)->Verify(pki.Read("expired.pem"), "").ok());

  EXPECT_EQ(ClientCertificateVerifier::Create("", "empty").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClientCertificateVerifier::Create("-----BEGIN CERTIFICATE-----\nAAAA\n", "broken")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ClientCertificateVerifier::Load(pki.Path("absent.pem")).status().code(),
            absl::StatusCode::kNotFound);
}

std::multimap<grpc::string_ref, grpc::string_ref> Metadata(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::multimap<grpc::string_ref, grpc::string_ref> out;
  for (const auto& [k, v] : pairs) out.emplace(k, v);
  return out;
}

TEST(BearerTokenTest, ParsesTheHeader) {
  const std::vector<std::pair<std::string, std::string>> one = {
      {"authorization", "Bearer abc.DEF-1"}};
  absl::StatusOr<std::optional<std::string>> token = BearerToken(Metadata(one));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(**token, "abc.DEF-1");
  const std::vector<std::pair<std::string, std::string>> lower = {{"authorization", "bearer t"}};
  EXPECT_EQ(**BearerToken(Metadata(lower)), "t");
  EXPECT_FALSE(BearerToken(Metadata({}))->has_value());
  const std::vector<std::pair<std::string, std::string>> other = {{"x-other", "Bearer t"}};
  EXPECT_FALSE(BearerToken(Metadata(other))->has_value());
}

TEST(BearerTokenTest, RefusesWhatIsNotOneBearerToken) {
  for (const std::vector<std::pair<std::string, std::string>>& bad :
       std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"authorization", "Basic dXNlcjpwYXNz"}},
           {{"authorization", "Bearer "}},
           {{"authorization", "Bearer"}},
           {{"authorization", "Bearer a b"}},
           {{"authorization", "Bearer a"}, {"authorization", "Bearer b"}},
       }) {
    absl::StatusOr<std::optional<std::string>> token = BearerToken(Metadata(bad));
    EXPECT_EQ(token.status().code(), absl::StatusCode::kUnauthenticated) << bad[0].second;
  }
}

TEST(BearerTokenTest, HashIsSha256sum) {
  // printf %s hello | sha256sum
  EXPECT_EQ(TokenSha256("hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

}  // namespace
}  // namespace infip::server::auth
