// infip-server in-process over real TLS, called through the generated C++ stub with client
// certificates and bearer tokens (certificates made by openssl at test time): who each
// certificate is (SPIFFE ID, SAN, CN), what each caller may do and see, refusals marked for
// clients, tokens checked on every call of a connection, revocation by reloading the access
// file. tests/e2e/test_auth.py runs the whole RPC x caller matrix through an independent
// Python client.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>
#include <iterator>
#include <set>

#include "auth_pki.h"
#include "grpc_test_client.h"
#include "infip/io/npy.h"
#include "infip/io/sha256.h"
#include "server/infip_server.h"
#include "server/logging.h"
#include "test_env.h"

namespace infip::server {
namespace {

using testing::RegisterUpload;
using testing::RunStream;
using testing::TestPki;
using testing::VerifyUpload;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

constexpr char kOwnerAToken[] = "owner-a-token-0f3c9b";
constexpr char kShopToken[] = "shop-token-77e2d1";
constexpr char kRevokedToken[] = "revoked-token-5a5a5a";

std::string AccessFile(bool with_revoked) {
  std::string text =
      "# the test's principals\n"
      "cert spiffe://infip.test/owner-a owner-a owner\n"
      "cert owner-b.clients.infip.test owner-b owner\n"
      "cert verifier shop verifier\n"
      "cert spiffe://infip.test/admin ops admin\n"
      "cert spiffe://infip.test/x two owner\n"
      "token " +
      io::Sha256Hex(kOwnerAToken) +
      " owner-a owner\n"
      "token " +
      io::Sha256Hex(kShopToken) + " shop verifier\n";
  if (with_revoked) text += "token " + io::Sha256Hex(kRevokedToken) + " gone owner\n";
  return text;
}

// A caller: a client certificate of the test PKI (or none), and a bearer token (or none).
struct Who {
  std::string cert;  // base name in the PKI directory; "" for none
  std::string token;
};

class ServerAuthTest : public ::testing::Test {
 protected:
  // What the tests share is set up once; a failure here is recorded rather than asserted,
  // so that every test fails on it (a fatal failure in SetUpTestSuite would only skip them).
  static void SetUpTestSuite() {
    ConfigureLogging(spdlog::level::warn, LogFormat::kText);
    setup_error_ = new std::string(Prepare());
  }
  static std::string Prepare() {
    if (!TestPki::Get().ok()) return "the test PKI could not be made";
    const TestPki& pki = TestPki::Get();
    dir_ = new infip::testing::ScratchDir();
    access_path_ = new std::string(dir_->Path("access"));
    std::ofstream(*access_path_) << AccessFile(/*with_revoked=*/true);

    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics_listen = "";
    config.data_dir = dir_->Path("data");
    config.device = "cpu";
    config.grace_period = absl::Seconds(10);
    config.auth.tls_cert = pki.Path("server.pem");
    config.auth.tls_key = pki.Path("server.key");
    config.auth.tls_client_ca = pki.Path("ca.pem");
    config.auth.access_file = *access_path_;
    absl::StatusOr<std::unique_ptr<InfipServer>> server = InfipServer::Start(config);
    if (!server.ok()) return server.status().ToString();
    server_ = server->release();
    if (!server_->health().WaitUntilServing(absl::Seconds(60))) return "not SERVING in 60 s";

    torch::manual_seed(11);
    absl::StatusOr<std::string> npy = io::SerializeNpy(torch::rand({4, 1, 32, 32}));
    if (!npy.ok()) return npy.status().ToString();
    npy_ = new std::string(*npy);
    model_ = new std::string(ReadFile(infip::testing::TestDataDir() + "/vgg_like.pt"));
    if (model_->size() < 1000) return "no test model vgg_like.pt";

    reg_a_ = new std::string(Register({"owner-a", ""}));
    reg_b_ = new std::string(Register({"owner-b", ""}));
    verdict_shop_ = new std::string(reg_a_->empty() ? "" : VerifyAs({"verifier", ""}, *reg_a_));
    if (reg_a_->empty() || reg_b_->empty() || verdict_shop_->empty()) {
      return "the registrations or the verdict every test uses could not be made";
    }
    return "";
  }
  void SetUp() override { ASSERT_TRUE(setup_error_->empty()) << *setup_error_; }

  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(10));
    delete server_;
    delete npy_;
    delete model_;
    delete reg_a_;
    delete reg_b_;
    delete verdict_shop_;
    delete access_path_;
    delete dir_;
    delete setup_error_;
  }

  static std::unique_ptr<v1::Fingerprinting::Stub> StubFor(const std::string& cert) {
    const TestPki& pki = TestPki::Get();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pki.Read("ca.pem");
    if (!cert.empty()) {
      ssl.pem_cert_chain = pki.Read(cert + ".pem");
      ssl.pem_private_key = pki.Read(cert + ".key");
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    return v1::Fingerprinting::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::SslCredentials(ssl), args));
  }
  static void Prepare(grpc::ClientContext& context, const Who& who) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    if (!who.token.empty()) context.AddMetadata("authorization", "Bearer " + who.token);
  }

  static std::string Register(const Who& who) {
    grpc::ClientContext context;
    Prepare(context, who);
    auto stub = StubFor(who.cert);
    auto stream = stub->RegisterModel(&context);
    std::vector<v1::RegisterModelEvent> events;
    const grpc::Status status =
        RunStream(stream.get(), RegisterUpload("", *npy_, *model_), &events);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || events.empty() || !events.back().has_registration()) return "";
    return events.back().registration().id();
  }

  static std::string VerifyAs(const Who& who, const std::string& registration) {
    grpc::ClientContext context;
    Prepare(context, who);
    auto stub = StubFor(who.cert);
    auto stream = stub->Verify(&context);
    std::vector<v1::VerifyEvent> events;
    const grpc::Status status = RunStream(
        stream.get(), VerifyUpload(registration, *model_, static_cast<int64_t>(model_->size())),
        &events);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || events.empty() || !events.back().has_verdict()) return "";
    return events.back().verdict().verdict_id();
  }

  static grpc::Status List(const Who& who, const std::string& owner,
                           v1::ListRegistrationsResponse* reply) {
    grpc::ClientContext context;
    Prepare(context, who);
    v1::ListRegistrationsRequest request;
    request.set_owner(owner);
    return StubFor(who.cert)->ListRegistrations(&context, request, reply);
  }

  static grpc::Status Info(const Who& who) {
    grpc::ClientContext context;
    Prepare(context, who);
    v1::ServerInfo info;
    return StubFor(who.cert)->GetServerInfo(&context, {}, &info);
  }

  static grpc::Status Show(const Who& who, const std::string& id) {
    grpc::ClientContext context;
    Prepare(context, who);
    v1::GetRegistrationRequest request;
    request.set_id(id);
    v1::Registration reply;
    return StubFor(who.cert)->GetRegistration(&context, request, &reply);
  }

  static grpc::Status Evidence(const Who& who, bool verdict, const std::string& id,
                               std::vector<v1::EvidenceImage>* images) {
    grpc::ClientContext context;
    Prepare(context, who);
    v1::GetEvidenceRequest request;
    if (verdict) {
      request.set_verdict_id(id);
    } else {
      request.set_registration_id(id);
    }
    auto stub = StubFor(who.cert);
    auto reader = stub->GetEvidence(&context, request);
    v1::EvidenceImage image;
    while (reader->Read(&image)) images->push_back(image);
    return reader->Finish();
  }

  static inline std::string* setup_error_ = nullptr;
  static inline infip::testing::ScratchDir* dir_ = nullptr;
  static inline std::string* access_path_ = nullptr;
  static inline InfipServer* server_ = nullptr;
  static inline std::string* npy_ = nullptr;
  static inline std::string* model_ = nullptr;
  static inline std::string* reg_a_ = nullptr;
  static inline std::string* reg_b_ = nullptr;
  static inline std::string* verdict_shop_ = nullptr;
};

const Who kOwnerA{"owner-a", ""};
const Who kOwnerB{"owner-b", ""};
const Who kShop{"verifier", ""};
const Who kAdmin{"admin", ""};
const Who kNobody{"", ""};
const Who kStranger{"stranger", ""};
const Who kExpired{"expired", ""};

TEST_F(ServerAuthTest, EachCertificateIsItsSpiffeIdElseItsSanElseItsCn) {
  // Principals are what the access file grants the identity each certificate yields: the
  // SPIFFE ID (owner-a), the DNS SAN (owner-b), the CN (verifier: "shop"), and the SPIFFE ID
  // before the DNS SAN (admin: "ops").
  v1::ListRegistrationsResponse a, b, all;
  ASSERT_TRUE(List(kOwnerA, "", &a).ok());
  ASSERT_EQ(a.registrations_size(), 1);
  EXPECT_EQ(a.registrations(0).owner(), "owner-a");
  EXPECT_EQ(a.registrations(0).id(), *reg_a_);
  ASSERT_TRUE(List(kOwnerB, "", &b).ok());
  ASSERT_EQ(b.registrations_size(), 1);
  EXPECT_EQ(b.registrations(0).owner(), "owner-b");
  ASSERT_TRUE(List(kAdmin, "", &all).ok());
  EXPECT_GE(all.registrations_size(), 2);
  EXPECT_TRUE(Info(kShop).ok());
  // Only the CN, "verifier", is granted: the shop's certificate has no SAN.
  const grpc::Status shop_lists = List(kShop, "", &all);
  EXPECT_EQ(shop_lists.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(shop_lists.error_message().find("principal 'shop' (verifier)"), std::string::npos)
      << shop_lists.error_message();
}

TEST_F(ServerAuthTest, CertificatesThatAreNotGoodEnoughAreUnauthenticated) {
  const std::vector<std::pair<Who, std::string>> cases = {
      {kNobody, "no credentials"},
      {kStranger, "issuer"},
      {kExpired, "expired"},
      {{"two-spiffe", ""}, "spiffe://"},
      {{"", "no-such-token"}, "not granted"},
  };
  for (const auto& [who, word] : cases) {
    const grpc::Status status = Info(who);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << who.cert << "/" << who.token << ": " << status.error_message();
    EXPECT_NE(status.error_message().find(word), std::string::npos) << status.error_message();
  }
  // The stranger's certificate carries owner-a's very identity: the CA is what counts.
  v1::ListRegistrationsResponse reply;
  EXPECT_EQ(List(kStranger, "", &reply).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(reply.registrations_size(), 0);
}

TEST_F(ServerAuthTest, TokensAreCheckedOnEveryCallOfOneConnection) {
  auto stub = StubFor("");  // one channel, one connection: no certificate
  for (int round = 0; round < 2; ++round) {
    grpc::ClientContext with;
    Prepare(with, {"", kShopToken});
    v1::ServerInfo info;
    EXPECT_TRUE(stub->GetServerInfo(&with, {}, &info).ok());
    grpc::ClientContext without;
    Prepare(without, kNobody);
    EXPECT_EQ(stub->GetServerInfo(&without, {}, &info).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext owner;
    Prepare(owner, {"", kOwnerAToken});
    v1::ListRegistrationsRequest request;
    v1::ListRegistrationsResponse list;
    EXPECT_TRUE(stub->ListRegistrations(&owner, request, &list).ok());
    ASSERT_EQ(list.registrations_size(), 1);
    EXPECT_EQ(list.registrations(0).owner(), "owner-a");
  }
}

TEST_F(ServerAuthTest, CertificateAndTokenMustBeOnePrincipal) {
  EXPECT_TRUE(Info({"owner-a", kOwnerAToken}).ok());
  const grpc::Status mixed = Info({"owner-a", kShopToken});
  EXPECT_EQ(mixed.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(mixed.error_message().find("'owner-a'"), std::string::npos) << mixed.error_message();
  // A good certificate does not excuse a bad token.
  EXPECT_EQ(Info({"owner-a", "no-such-token"}).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerAuthTest, TenantsSeeOnlyTheirOwn) {
  EXPECT_TRUE(Show(kOwnerA, *reg_a_).ok());
  EXPECT_TRUE(Show(kAdmin, *reg_a_).ok());
  EXPECT_EQ(Show(kOwnerB, *reg_a_).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Show(kShop, *reg_a_).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListRegistrationsResponse reply;
  EXPECT_EQ(List(kOwnerB, "owner-a", &reply).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(reply.registrations_size(), 0);
  ASSERT_TRUE(List(kAdmin, "owner-b", &reply).ok());
  ASSERT_EQ(reply.registrations_size(), 1);
  EXPECT_EQ(reply.registrations(0).id(), *reg_b_);
}

TEST_F(ServerAuthTest, RefusalsCarryTheTrailerThatMarksThem) {
  grpc::ClientContext context;
  Prepare(context, kOwnerB);
  v1::GetRegistrationRequest request;
  request.set_id(*reg_a_);
  v1::Registration reply;
  ASSERT_EQ(StubFor("owner-b")->GetRegistration(&context, request, &reply).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find("infip-refusal");
  ASSERT_NE(it, trailers.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "permission-denied");

  grpc::ClientContext unknown;
  Prepare(unknown, kOwnerA);
  request.set_id("reg_ffffffffffffffff");
  EXPECT_EQ(StubFor("owner-a")->GetRegistration(&unknown, request, &reply).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.GetServerTrailingMetadata().count("infip-refusal"), 0u);
}

TEST_F(ServerAuthTest, EvidenceShowsEachCallerWhatIsTheirs) {
  // The owner's full view: keys, both fingerprint sets, SSIM maps and the grid.
  std::vector<v1::EvidenceImage> full;
  ASSERT_TRUE(Evidence(kOwnerA, true, *verdict_shop_, &full).ok());
  std::set<int> full_kinds;
  std::set<std::string> secret_pngs;  // keys and fingerprints
  for (const v1::EvidenceImage& image : full) {
    full_kinds.insert(image.kind());
    if (image.kind() != v1::EVIDENCE_KIND_SSIM_MAP) secret_pngs.insert(image.png());
  }
  EXPECT_EQ(full_kinds,
            (std::set<int>{v1::EVIDENCE_KIND_KEY, v1::EVIDENCE_KIND_REGISTERED_FINGERPRINT,
                           v1::EVIDENCE_KIND_SUSPECT_FINGERPRINT, v1::EVIDENCE_KIND_SSIM_MAP,
                           v1::EVIDENCE_KIND_GRID}));
  std::vector<v1::EvidenceImage> admin;
  ASSERT_TRUE(Evidence(kAdmin, true, *verdict_shop_, &admin).ok());
  EXPECT_EQ(admin.size(), full.size());

  // The verifier that asked: SSIM maps (with their SSIMs) and a grid of them, nothing else.
  std::vector<v1::EvidenceImage> shop;
  ASSERT_TRUE(Evidence(kShop, true, *verdict_shop_, &shop).ok());
  ASSERT_EQ(shop.size(), 5u);  // 4 keys' maps and the grid
  for (const v1::EvidenceImage& image : shop) {
    EXPECT_TRUE(image.kind() == v1::EVIDENCE_KIND_SSIM_MAP ||
                image.kind() == v1::EVIDENCE_KIND_GRID)
        << image.name();
    EXPECT_EQ(secret_pngs.count(image.png()), 0u) << image.name();
    if (image.kind() == v1::EVIDENCE_KIND_SSIM_MAP) {
      EXPECT_NE(std::find_if(full.begin(), full.end(),
                             [&](const v1::EvidenceImage& f) {
                               return f.kind() == image.kind() && f.png() == image.png() &&
                                      f.ssim() == image.ssim();
                             }),
                full.end())
          << image.name();
    }
  }
  // Nobody else: another owner, or the verifier for the registration itself.
  std::vector<v1::EvidenceImage> none;
  EXPECT_EQ(Evidence(kOwnerB, true, *verdict_shop_, &none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Evidence(kShop, false, *reg_a_, &none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Evidence(kOwnerB, false, *reg_a_, &none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(none.empty());
  std::vector<v1::EvidenceImage> own;
  ASSERT_TRUE(Evidence(kOwnerA, false, *reg_a_, &own).ok());
  EXPECT_FALSE(own.empty());
}

TEST_F(ServerAuthTest, OwnersVerifyTheirOwnVerifiersAny) {
  EXPECT_FALSE(VerifyAs(kOwnerA, *reg_a_).empty());
  EXPECT_FALSE(VerifyAs(kAdmin, *reg_b_).empty());
  grpc::ClientContext context;
  Prepare(context, kOwnerB);
  auto stub = StubFor("owner-b");
  auto stream = stub->Verify(&context);
  std::vector<v1::VerifyEvent> events;
  const grpc::Status refused = RunStream(
      stream.get(), VerifyUpload(*reg_a_, *model_, static_cast<int64_t>(model_->size())), &events);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << refused.error_message();
  // Refused before the upload was taken: no progress at all.
  EXPECT_TRUE(events.empty());
}

TEST_F(ServerAuthTest, RegisteringForAnotherOwnerTakesAnAdmin) {
  grpc::ClientContext context;
  Prepare(context, kOwnerB);
  auto stub = StubFor("owner-b");
  auto stream = stub->RegisterModel(&context);
  std::vector<v1::RegisterModelEvent> events;
  const grpc::Status refused =
      RunStream(stream.get(), RegisterUpload("owner-a", *npy_, *model_), &events);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << refused.error_message();

  grpc::ClientContext admin_context;
  Prepare(admin_context, kAdmin);
  auto admin_stub = StubFor("admin");
  auto admin_stream = admin_stub->RegisterModel(&admin_context);
  std::vector<v1::RegisterModelEvent> admin_events;
  ASSERT_TRUE(
      RunStream(admin_stream.get(), RegisterUpload("owner-b", *npy_, *model_), &admin_events).ok());
  const std::string id = admin_events.back().registration().id();
  EXPECT_EQ(admin_events.back().registration().owner(), "owner-b");
  EXPECT_TRUE(Show(kOwnerB, id).ok());  // the owner's now, for the owner to see and delete
  grpc::ClientContext del;
  Prepare(del, kOwnerB);
  v1::DeleteRegistrationRequest request;
  request.set_id(id);
  v1::DeleteRegistrationResponse reply;
  EXPECT_TRUE(StubFor("owner-b")->DeleteRegistration(&del, request, &reply).ok());
}

TEST_F(ServerAuthTest, ReloadRevokesAndABrokenFileKeepsTheGrantsInForce) {
  EXPECT_TRUE(Info({"", kRevokedToken}).ok());
  std::ofstream(*access_path_, std::ios::trunc) << AccessFile(/*with_revoked=*/false);
  ASSERT_TRUE(server_->ReloadAccess().ok());
  const grpc::Status revoked = Info({"", kRevokedToken});
  EXPECT_EQ(revoked.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(revoked.error_message().find("not granted"), std::string::npos);

  std::ofstream(*access_path_, std::ios::trunc) << "cert x y superuser\n";
  const absl::Status broken = server_->ReloadAccess();
  EXPECT_EQ(broken.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(broken.message().find("line 1"), std::string_view::npos) << broken;
  EXPECT_TRUE(Info(kOwnerA).ok());  // the previous grants still hold
  EXPECT_EQ(Info({"", kRevokedToken}).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::ofstream(*access_path_, std::ios::trunc) << AccessFile(/*with_revoked=*/false);
  ASSERT_TRUE(server_->ReloadAccess().ok());
}

}  // namespace
}  // namespace infip::server
