// infip-server in-process on a free loopback port with a fresh data directory, called through
// the generated C++ stub: server info, a registration of vgg_like.pt on a tiny key set, a
// verification of the same model, listing and deleting, bad streams, health and metrics.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "infip/common/version.h"
#include "infip/io/npy.h"
#include "server/infip_server.h"
#include "server/logging.h"
#include "grpc_test_client.h"
#include "server_test_util.h"
#include "test_env.h"

namespace infip::server {
namespace {

using testing::Connect;
using testing::HealthStatus;
using testing::RegisterUpload;
using testing::RunStream;
using testing::Sample;
using testing::ScratchDir;
using testing::VerifyUpload;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// coreutils' digest of some bytes, independent of infip's own hashing.
std::string Sha256Sum(const std::string& bytes) {
  ScratchDir dir;
  std::ofstream(dir / "in", std::ios::binary) << bytes;
  const std::string command = "sha256sum '" + (dir / "in") + "' > '" + (dir / "out") + "'";
  if (std::system(command.c_str()) != 0) return "";
  return ReadFile(dir / "out").substr(0, 64);
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  return files;
}

class ServerSmokeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ConfigureLogging(spdlog::level::warn, LogFormat::kText);
    dir_ = new ScratchDir();
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics_listen = "127.0.0.1:0";
    config.data_dir = dir_->Path("data");
    config.device = "cpu";
    config.allowed_roots = {dir_->MakeDir("models")};
    config.grace_period = absl::Seconds(10);
    absl::StatusOr<std::unique_ptr<InfipServer>> server = InfipServer::Start(config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    ASSERT_TRUE(server_->health().WaitUntilServing(absl::Seconds(60)));
    stub_ = v1::Fingerprinting::NewStub(Connect(server_->port())).release();

    torch::manual_seed(7);
    keys_ = new torch::Tensor(torch::rand({4, 1, 32, 32}));
    absl::StatusOr<std::string> npy = io::SerializeNpy(*keys_);
    ASSERT_TRUE(npy.ok()) << npy.status();
    npy_ = new std::string(*npy);
    model_ = new std::string(ReadFile(infip::testing::TestDataDir() + "/vgg_like.pt"));
    ASSERT_GT(model_->size(), 1000u);
  }
  static void TearDownTestSuite() {
    delete stub_;
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(10));
    delete server_;
    delete keys_;
    delete npy_;
    delete model_;
    delete dir_;
  }

  static grpc::Status Register(const std::string& owner,
                               std::vector<v1::RegisterModelEvent>* events) {
    grpc::ClientContext context;
    auto stream = stub_->RegisterModel(&context);
    return RunStream(stream.get(), RegisterUpload(owner, *npy_, *model_), events);
  }

  static grpc::Status Verify(const std::vector<v1::VerifyRequest>& requests,
                             std::vector<v1::VerifyEvent>* events) {
    grpc::ClientContext context;
    auto stream = stub_->Verify(&context);
    return RunStream(stream.get(), requests, events);
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline InfipServer* server_ = nullptr;
  static inline v1::Fingerprinting::Stub* stub_ = nullptr;
  static inline torch::Tensor* keys_ = nullptr;
  static inline std::string* npy_ = nullptr;
  static inline std::string* model_ = nullptr;
};

TEST_F(ServerSmokeTest, ServerInfo) {
  grpc::ClientContext context;
  v1::ServerInfo info;
  const grpc::Status status = stub_->GetServerInfo(&context, {}, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.version(), "0.1.0");
  EXPECT_EQ(info.engine_version(), kEngineVersion);
  EXPECT_EQ(info.device(), "cpu");
  EXPECT_NE(std::find(info.composites().begin(), info.composites().end(), "dtd"),
            info.composites().end());
  EXPECT_EQ(info.default_composite(), "dtd");
  EXPECT_EQ(info.default_lambda(), 5000.0);
  EXPECT_EQ(info.default_threshold(), 0.85);
  EXPECT_EQ(info.public_key_pem().rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
  EXPECT_EQ(info.key_id().size(), 64u);
  EXPECT_EQ(info.max_upload_bytes(), int64_t{2} << 30);
  EXPECT_EQ(info.max_message_bytes(), 8 << 20);
  EXPECT_EQ(info.store(), "sqlite");
  EXPECT_GE(info.registrations(), 0);

  // The signing key was created on first start, private to its owner.
  struct stat st {};
  ASSERT_EQ(::stat((dir_->Path("data") + "/signing-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ServerSmokeTest, RegisterVerifyListDelete) {
  std::vector<v1::RegisterModelEvent> events;
  const grpc::Status status = Register("alice", &events);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(events.back().has_registration());
  // Progress first, in order of stages: receiving, queued, then the Auditor's.
  std::vector<v1::Stage> stages;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    ASSERT_TRUE(events[i].has_progress()) << i;
    if (stages.empty() || stages.back() != events[i].progress().stage()) {
      stages.push_back(events[i].progress().stage());
    }
  }
  ASSERT_GE(stages.size(), 3u);
  EXPECT_EQ(stages[0], v1::STAGE_RECEIVING);
  EXPECT_EQ(stages[1], v1::STAGE_QUEUED);
  EXPECT_NE(std::find(stages.begin(), stages.end(), v1::STAGE_EXTRACTING), stages.end());
  int64_t received = -1, total = -1;
  for (const v1::RegisterModelEvent& e : events) {
    if (e.progress().stage() == v1::STAGE_RECEIVING) {
      received = e.progress().done();
      total = e.progress().total();
    }
  }
  EXPECT_EQ(received, static_cast<int64_t>(npy_->size() + model_->size()));
  EXPECT_EQ(total, received);

  const v1::Registration& r = events.back().registration();
  EXPECT_EQ(r.id().rfind("reg_", 0), 0u) << r.id();
  EXPECT_EQ(r.owner(), "alice");
  EXPECT_EQ(r.model_name(), "vgg-like");
  EXPECT_EQ(r.key_count(), 4);
  EXPECT_EQ(r.input_shape().channels(), 1);
  EXPECT_EQ(r.input_shape().height(), 32);
  EXPECT_EQ(r.input_shape().width(), 32);
  EXPECT_EQ(r.composite(), "dtd");
  EXPECT_EQ(r.threshold(), 0.85);
  EXPECT_EQ(r.lambda_scaling(), v1::LAMBDA_SCALING_RESOLUTION);
  EXPECT_FALSE(r.receipt().empty());
  // The key-set digest as docs/store.md defines it, computed by sha256sum.
  const torch::Tensor k = keys_->contiguous();
  const std::string raw(static_cast<const char*>(k.data_ptr()), k.numel() * sizeof(float));
  EXPECT_EQ(r.key_set_sha256(), Sha256Sum("4,1,32,32\n" + raw));

  {
    grpc::ClientContext context;
    v1::GetRegistrationRequest request;
    request.set_id(r.id());
    v1::Registration got;
    ASSERT_TRUE(stub_->GetRegistration(&context, request, &got).ok());
    EXPECT_EQ(got.SerializeAsString(), r.SerializeAsString());
  }
  {
    grpc::ClientContext context;
    v1::ListRegistrationsRequest request;
    request.set_owner("alice");
    v1::ListRegistrationsResponse list;
    ASSERT_TRUE(stub_->ListRegistrations(&context, request, &list).ok());
    ASSERT_EQ(list.registrations_size(), 1);
    EXPECT_EQ(list.registrations(0).id(), r.id());
    EXPECT_EQ(list.registrations(0).receipt(), "");
  }

  // The same model verified against its own registration is a copy.
  std::vector<v1::VerifyEvent> verify_events;
  const grpc::Status verified = Verify(
      VerifyUpload(r.id(), *model_, static_cast<int64_t>(model_->size())), &verify_events);
  ASSERT_TRUE(verified.ok()) << verified.error_message();
  ASSERT_TRUE(verify_events.back().has_verdict());
  const v1::Verdict& v = verify_events.back().verdict();
  EXPECT_EQ(v.registration_id(), r.id());
  EXPECT_EQ(v.verdict_id().rfind("vrd_", 0), 0u);
  EXPECT_EQ(v.suspect_name(), "suspect.pt");
  EXPECT_EQ(v.suspect_sha256(), Sha256Sum(*model_));
  EXPECT_EQ(v.key_count(), 4);
  EXPECT_EQ(v.per_key_ssim_size(), 4);
  EXPECT_GT(v.assim(), 0.99);
  EXPECT_TRUE(v.pirated());
  EXPECT_FALSE(v.envelope().empty());

  {
    grpc::ClientContext context;
    v1::DeleteRegistrationRequest request;
    request.set_id(r.id());
    v1::DeleteRegistrationResponse reply;
    ASSERT_TRUE(stub_->DeleteRegistration(&context, request, &reply).ok());
  }
  {
    grpc::ClientContext context;
    v1::GetRegistrationRequest request;
    request.set_id(r.id());
    v1::Registration got;
    const grpc::Status gone = stub_->GetRegistration(&context, request, &got);
    EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_NE(gone.error_message().find(r.id()), std::string::npos) << gone.error_message();
  }

  // Every call above was counted by method and code.
  const std::string metrics = server_->metrics()->Serialize();
  EXPECT_GE(Sample(metrics, "infip_requests_total", {{"method", "RegisterModel"}, {"code", "OK"}})
                .value_or(0),
            1.0)
      << metrics;
  EXPECT_GE(Sample(metrics, "infip_extraction_images_total").value_or(0), 8.0) << metrics;
  EXPECT_GE(Sample(metrics, "infip_received_bytes_total", {{"source", "upload"}}).value_or(0),
            static_cast<double>(npy_->size() + 2 * model_->size()));
}

TEST_F(ServerSmokeTest, BadStreamsAreRefusedAndLeaveNothingStaged) {
  const std::string tmp = dir_->Path("data") + "/tmp";
  // A registration to verify against: the server looks it up (and checks that the caller may
  // use it) before it takes the upload, so the stream's own faults show only for one that
  // exists.
  std::vector<v1::RegisterModelEvent> registered;
  ASSERT_TRUE(Register("alice", &registered).ok());
  ASSERT_TRUE(registered.back().has_registration());
  const std::string id = registered.back().registration().id();
  {
    std::vector<v1::VerifyEvent> events;
    const grpc::Status truncated =
        Verify(VerifyUpload(id, *model_, static_cast<int64_t>(model_->size()) + 10), &events);
    EXPECT_EQ(truncated.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(truncated.error_message().find("truncated model"), std::string::npos)
        << truncated.error_message();
  }
  {
    std::vector<v1::VerifyRequest> requests = VerifyUpload(id, *model_, 10);
    std::vector<v1::VerifyEvent> events;
    const grpc::Status too_long = Verify(requests, &events);
    EXPECT_EQ(too_long.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(too_long.error_message().find("more bytes than the 10 declared"), std::string::npos)
        << too_long.error_message();
  }
  {
    std::vector<v1::VerifyRequest> requests(1);
    requests[0].set_model_chunk("no header");
    std::vector<v1::VerifyEvent> events;
    const grpc::Status no_header = Verify(requests, &events);
    EXPECT_EQ(no_header.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(no_header.error_message().find("VerifyHeader"), std::string::npos);
  }
  {
    std::vector<v1::VerifyRequest> requests(1);
    requests[0].mutable_header()->set_registration_id(id);
    requests[0].mutable_header()->mutable_model()->mutable_handle()->set_uri(
        "file://" + infip::testing::TestDataDir() + "/vgg_like.pt");
    std::vector<v1::VerifyEvent> events;
    const grpc::Status outside = Verify(requests, &events);
    EXPECT_EQ(outside.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << outside.error_message();
  }
  {
    std::vector<v1::VerifyEvent> events;
    const grpc::Status unknown = Verify(
        VerifyUpload("reg_0123456789abcdef", *model_, static_cast<int64_t>(model_->size())),
        &events);
    EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND) << unknown.error_message();
    EXPECT_NE(unknown.error_message().find("reg_0123456789abcdef"), std::string::npos);
    // Answered from the header: no byte of the upload was taken.
    EXPECT_TRUE(events.empty());
  }
  EXPECT_TRUE(FilesUnder(tmp).empty()) << FilesUnder(tmp).front();
}

TEST_F(ServerSmokeTest, HealthServingForTheServerAndTheService) {
  auto channel = Connect(server_->port());
  grpc::Status failure;
  EXPECT_EQ(HealthStatus(channel, "", &failure), 1) << failure.error_message();
  EXPECT_EQ(HealthStatus(channel, "infip.v1.Fingerprinting", &failure), 1)
      << failure.error_message();
  EXPECT_EQ(HealthStatus(channel, "no.such.Service", &failure), -1);
  EXPECT_EQ(failure.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerSmokeTest, MetricsEndpointPassesPromtool) {
  ASSERT_GT(server_->metrics_port(), 0);
  const std::string response = testing::HttpGet(server_->metrics_port(), "/metrics");
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_EQ(testing::PromtoolProblems(body), "") << body;
  EXPECT_TRUE(Sample(body, "infip_registrations").has_value()) << body;
}

}  // namespace
}  // namespace infip::server
