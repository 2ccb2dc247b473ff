// The CLI's reading of a failed server call: which exit code each gRPC status gives
// (docs/cli.md's table, written out here independently) and what the message says.
#include "client/remote_status.h"

#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <map>

#include "client/exit_codes.h"

namespace infip::cli {
namespace {

const CallSite kSite{"infip.example:50051", std::nullopt};

TEST(RemoteStatusTest, EveryGrpcCodeMapsToItsDocumentedExitCode) {
  const std::map<grpc::StatusCode, int> expected = {
      {grpc::StatusCode::CANCELLED, 1},
      {grpc::StatusCode::UNKNOWN, 1},
      {grpc::StatusCode::INVALID_ARGUMENT, 3},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 4},
      {grpc::StatusCode::NOT_FOUND, 3},
      {grpc::StatusCode::ALREADY_EXISTS, 1},
      {grpc::StatusCode::PERMISSION_DENIED, 3},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 3},
      {grpc::StatusCode::FAILED_PRECONDITION, 3},
      {grpc::StatusCode::ABORTED, 1},
      {grpc::StatusCode::OUT_OF_RANGE, 3},
      {grpc::StatusCode::UNIMPLEMENTED, 3},
      {grpc::StatusCode::INTERNAL, 1},
      {grpc::StatusCode::UNAVAILABLE, 4},
      {grpc::StatusCode::DATA_LOSS, 1},
      {grpc::StatusCode::UNAUTHENTICATED, 6},
  };
  for (const auto& [code, exit_code] : expected) {
    const absl::Status status = FromGrpcStatus(grpc::Status(code, "why"), kSite);
    EXPECT_EQ(static_cast<int>(status.code()), static_cast<int>(code)) << "code kept: " << code;
    EXPECT_EQ(ExitCodeFor(status), exit_code) << "gRPC code " << code;
  }
}

TEST(RemoteStatusTest, OkStaysOk) {
  const absl::Status status = FromGrpcStatus(grpc::Status::OK, kSite);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(ExitCodeFor(status), kExitOk);
}

TEST(RemoteStatusTest, ServerMessagesAreKeptAndNameTheServer) {
  const absl::Status status = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "registration reg_00 not found"), kSite);
  EXPECT_EQ(status.message(), "infip.example:50051: registration reg_00 not found");
}

TEST(RemoteStatusTest, UnreachableServerSaysWhereItLookedAndHowToPointElsewhere) {
  const absl::Status status = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), kSite);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  const std::string message(status.message());
  EXPECT_NE(message.find("cannot reach the infip server at infip.example:50051"), std::string::npos)
      << message;
  EXPECT_NE(message.find("failed to connect to all addresses"), std::string::npos) << message;
  EXPECT_NE(message.find("--server"), std::string::npos) << message;
  EXPECT_NE(message.find("INFIP_SERVER"), std::string::npos) << message;
}

TEST(RemoteStatusTest, DeadlineNamesTheTimeoutWhenOneWasSet) {
  const CallSite site{"h:1", 2.5};
  const absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"), site);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.message(), "the infip server at h:1 did not finish within --timeout 2.5 s");
}

TEST(RemoteStatusTest, RefusalsOfTheAccessPolicyAreNotAllowed) {
  // PERMISSION_DENIED is "not allowed" when the server's access policy says so (its
  // infip-refusal trailer), and bad input otherwise (a handle outside the server's roots).
  const absl::Status refused = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "principal 'shop' (verifier) may not"),
      kSite, "permission-denied");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ExitCodeFor(refused), kExitNotAllowed);
  EXPECT_EQ(refused.message(),
            "infip.example:50051: not allowed: principal 'shop' (verifier) may not");
  const absl::Status handle = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "outside the allowed roots"), kSite);
  EXPECT_EQ(ExitCodeFor(handle), kExitBadInput);

  const absl::Status unauthenticated = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the bearer token is not granted"), kSite);
  EXPECT_EQ(ExitCodeFor(unauthenticated), kExitNotAllowed);
  const std::string message(unauthenticated.message());
  EXPECT_NE(message.find("refused the credentials: the bearer token is not granted"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("--token-file"), std::string::npos) << message;
}

TEST(RemoteStatusTest, FailedTlsHandshakeSaysWhatToCheck) {
  const CallSite tls{"h:1", std::nullopt, /*tls=*/true};
  const absl::Status status = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: "
                   "Ssl handshake failed: SSL_ERROR_SSL: certificate verify failed"),
      tls);
  EXPECT_EQ(ExitCodeFor(status), kExitUnavailable);
  const std::string message(status.message());
  EXPECT_NE(message.find("TLS handshake"), std::string::npos) << message;
  EXPECT_NE(message.find("--tls-ca"), std::string::npos) << message;
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
  // Without TLS, a hint that the server may want it.
  const absl::Status plain =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed"), kSite);
  EXPECT_NE(plain.message().find("if it serves TLS, give --tls-ca"), std::string::npos)
      << plain.message();
}

TEST(RemoteStatusTest, LocalStatusesKeepTheirExitCodes) {
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), kExitBadInput);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), kExitInternal);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(MarkNotAllowed(absl::PermissionDeniedError("x"))), kExitNotAllowed);
}

}  // namespace
}  // namespace infip::cli
