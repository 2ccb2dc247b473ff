// The transport rules (server/auth/transport.h): what counts as local, the combinations of
// flags a server refuses to start with, and the checks of the TLS files.
#include <gtest/gtest.h>

#include "auth_pki.h"
#include "server/auth/transport.h"

namespace infip::server::auth {
namespace {

using testing::TestPki;

TEST(TransportTest, LocalAddresses) {
  for (const char* local :
       {"127.0.0.1:50051", "127.8.9.10:0", "localhost:1", "LOCALHOST:1", "[::1]:50051",
        "[::ffff:127.0.0.1]:5", "unix:/run/infip.sock", "unix:relative.sock"}) {
    EXPECT_TRUE(IsLocalAddress(local)) << local;
  }
  for (const char* remote :
       {"0.0.0.0:50051", "[::]:50051", "10.0.0.7:1", "192.168.1.1:2", "infip.internal:50051",
        "[2001:db8::1]:1", "128.0.0.1:1", "localhost.example.org:1"}) {
    EXPECT_FALSE(IsLocalAddress(remote)) << remote;
  }
}

TEST(TransportTest, PlainTextStaysLocalUnlessInsecure) {
  AuthConfig plain;
  EXPECT_TRUE(CheckTransport(plain, "127.0.0.1:50051").ok());
  EXPECT_TRUE(CheckTransport(plain, "unix:/tmp/s").ok());
  const absl::Status refused = CheckTransport(plain, "0.0.0.0:50051");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  for (const char* word : {"0.0.0.0:50051", "--tls-cert", "--insecure"}) {
    EXPECT_NE(refused.message().find(word), std::string_view::npos) << refused;
  }
  AuthConfig insecure;
  insecure.insecure = true;
  EXPECT_TRUE(CheckTransport(insecure, "0.0.0.0:50051").ok());
  insecure.access_file = "/etc/infip/access";
  EXPECT_TRUE(CheckTransport(insecure, "0.0.0.0:50051").ok());
}

TEST(TransportTest, TlsFlagsGoTogether) {
  AuthConfig c;
  c.tls_cert = "s.pem";
  EXPECT_NE(CheckTransport(c, "0.0.0.0:1").message().find("--tls-key"), std::string_view::npos);
  c.tls_cert.clear();
  c.tls_key = "s.key";
  EXPECT_FALSE(CheckTransport(c, "127.0.0.1:1").ok());
  c.tls_key.clear();
  c.tls_client_ca = "ca.pem";
  EXPECT_NE(CheckTransport(c, "127.0.0.1:1").message().find("--tls-client-ca"),
            std::string_view::npos);
  c.tls_cert = "s.pem";
  c.tls_key = "s.key";
  // TLS without an access file would let nobody in.
  EXPECT_NE(CheckTransport(c, "0.0.0.0:1").message().find("--access-file"), std::string_view::npos);
  c.access_file = "access";
  EXPECT_TRUE(CheckTransport(c, "0.0.0.0:1").ok());
  c.insecure = true;
  EXPECT_NE(CheckTransport(c, "0.0.0.0:1").message().find("--insecure"), std::string_view::npos);
}

TEST(TransportTest, TlsFilesAreCheckedBeforeUse) {
  ASSERT_TRUE(TestPki::Get().ok());
  const TestPki& pki = TestPki::Get();
  AuthConfig c;
  c.tls_cert = pki.Path("server.pem");
  c.tls_key = pki.Path("server.key");
  absl::StatusOr<ServerTransport> good = MakeServerTransport(c);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE(good->tls);
  EXPECT_NE(good->credentials, nullptr);
  EXPECT_NE(good->provider, nullptr);

  c.tls_key = pki.Path("owner-a.key");  // another certificate's key
  absl::StatusOr<ServerTransport> mismatch = MakeServerTransport(c);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(mismatch.status().message().find("is not the key of"), std::string_view::npos)
      << mismatch.status();

  c.tls_key = pki.Path("absent.key");
  EXPECT_NE(MakeServerTransport(c).status().message().find("absent.key"), std::string_view::npos);
  c.tls_key = pki.Path("server.key");
  c.tls_cert = pki.Path("server.key");  // a key where the certificate should be
  EXPECT_EQ(MakeServerTransport(c).status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<ServerTransport> plain = MakeServerTransport(AuthConfig{});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->provider, nullptr);
}

}  // namespace
}  // namespace infip::server::auth
