// The one line each request logs, in text and as JSON (checked by an independent JSON parser).
#include "server/request_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/logging.h"

namespace infip::server {
namespace {

RequestRecord Sample() {
  RequestRecord r;
  r.method = "Verify";
  r.peer = "ipv4:127.0.0.1:50522";
  r.code = grpc::StatusCode::OK;
  r.duration_ms = 812.44;
  r.bytes_in = 171683;
  r.registration_id = "reg_0123456789abcdef";
  r.verdict_id = "vrd_0123456789abcdef";
  return r;
}

TEST(RequestLogTest, TextLine) {
  EXPECT_EQ(FormatRequestLine(Sample(), LogFormat::kText),
            "method=Verify peer=ipv4:127.0.0.1:50522 code=OK duration_ms=812.4 bytes_in=171683 "
            "registration_id=reg_0123456789abcdef verdict_id=vrd_0123456789abcdef");
  RequestRecord failed = Sample();
  failed.code = grpc::StatusCode::INVALID_ARGUMENT;
  failed.error = "truncated model: 1 of 2 bytes received";
  failed.verdict_id.clear();
  EXPECT_EQ(FormatRequestLine(failed, LogFormat::kText),
            "method=Verify peer=ipv4:127.0.0.1:50522 code=INVALID_ARGUMENT duration_ms=812.4 "
            "bytes_in=171683 registration_id=reg_0123456789abcdef "
            "error=\"truncated model: 1 of 2 bytes received\"");
}

TEST(RequestLogTest, JsonLineIsValidJson) {
  RequestRecord r = Sample();
  r.code = grpc::StatusCode::NOT_FOUND;
  r.error = "no registration \"reg_x\"\n\tnext line \x01 and bad utf-8 \xff\xfe, good \xc3\xa9";
  const std::string line = FormatRequestLine(r, LogFormat::kJson);
  // logging.h wraps the members with the time and level; parse them as an object here.
  const nlohmann::json j = nlohmann::json::parse("{" + line + "}");
  EXPECT_EQ(j["method"], "Verify");
  EXPECT_EQ(j["peer"], "ipv4:127.0.0.1:50522");
  EXPECT_EQ(j["code"], "NOT_FOUND");
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 812.4);
  EXPECT_EQ(j["bytes_in"], 171683);
  EXPECT_EQ(j["registration_id"], "reg_0123456789abcdef");
  EXPECT_EQ(j["verdict_id"], "vrd_0123456789abcdef");
  EXPECT_EQ(j["error"],
            "no registration \"reg_x\"\n\tnext line \x01 and bad utf-8 \xef\xbf\xbd\xef\xbf\xbd, "
            "good \xc3\xa9");
}

TEST(RequestLogTest, JsonEscape) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(JsonEscape(std::string("\0\x1f\x7f", 3)), "\\u0000\\u001f\\u007f");
  // Overlong encodings and surrogates are not UTF-8 either.
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd");
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");
  EXPECT_EQ(JsonEscape("\xf0\x9f\x94\x91"), "\xf0\x9f\x94\x91");
  EXPECT_EQ(JsonEscape("\xe2\x82"), "\\ufffd\\ufffd");  // cut short
}

TEST(RequestLogTest, CallLogCountsTheRequestAndReturnsItsStatus) {
  absl::StatusOr<std::unique_ptr<ServerMetrics>> metrics = ServerMetrics::Create({});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  CallLog call("GetRegistration", nullptr, metrics->get());
  call.AddBytesIn(10);
  const grpc::Status status = call.Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no reg_1"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no reg_1");
  const std::string text = (*metrics)->Serialize();
  EXPECT_NE(text.find("infip_requests_total{code=\"NOT_FOUND\",method=\"GetRegistration\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("infip_request_duration_seconds_count{method=\"GetRegistration\"} 1"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace infip::server
