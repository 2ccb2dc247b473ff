#include "infip/verdict/dsse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "infip/verdict/base64.h"

namespace infip::verdict {
namespace {

using ::testing::HasSubstr;

// The worked example of the DSSE protocol (protocol.md, "Test Vectors").
TEST(DsseTest, PaeMatchesTheSpecExample) {
  EXPECT_EQ(PreAuthEncoding("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(DsseTest, PaeCountsBytesAndKeepsBinaryBodies) {
  EXPECT_EQ(PreAuthEncoding("", ""), std::string("DSSEv1 0  0 "));
  const std::string body("a\0b\n\xff", 5);
  EXPECT_EQ(PreAuthEncoding("t", body), std::string("DSSEv1 1 t 5 ") + body);
  // UTF-8: LEN counts bytes, not characters.
  EXPECT_EQ(PreAuthEncoding("\xc3\xa9", "x"), "DSSEv1 2 \xc3\xa9 1 x");
}

// The spec's example envelope parses into its parts.
TEST(DsseTest, ParsesTheSpecExampleEnvelope) {
  absl::StatusOr<Envelope> envelope = ParseEnvelope(
      R"({"payload": "aGVsbG8gd29ybGQ=",
          "payloadType": "http://example.com/HelloWorld",
          "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]})");
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  EXPECT_EQ(envelope->payload, "hello world");
  EXPECT_EQ(envelope->payload_type, "http://example.com/HelloWorld");
  ASSERT_EQ(envelope->signatures.size(), 1u);
  EXPECT_EQ(envelope->signatures[0].keyid, "");
  EXPECT_EQ(envelope->signatures[0].sig.size(), 64u);
}

TEST(DsseTest, SerializesCanonicallyAndRoundTrips) {
  Envelope envelope{
      kInTotoPayloadType, "{\"a\":1}", {{"abc", std::string("\x01\x02\xff", 3)}, {"", "s"}}};
  const std::string json = SerializeEnvelope(envelope);
  EXPECT_EQ(json,
            "{\"payload\":\"eyJhIjoxfQ==\",\"payloadType\":\"application/vnd.in-toto+json\","
            "\"signatures\":[{\"keyid\":\"abc\",\"sig\":\"AQL/\"},{\"sig\":\"cw==\"}]}");
  absl::StatusOr<Envelope> back = ParseEnvelope(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->payload_type, envelope.payload_type);
  EXPECT_EQ(back->payload, envelope.payload);
  ASSERT_EQ(back->signatures.size(), 2u);
  EXPECT_EQ(back->signatures[0].keyid, "abc");
  EXPECT_EQ(back->signatures[0].sig, envelope.signatures[0].sig);
  EXPECT_EQ(back->signatures[1].keyid, "");
}

TEST(DsseTest, MalformedEnvelopesNameTheProblem) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {R"({"payloadType":"t","signatures":[{"sig":"cw=="}]})", "payload: missing"},
      {R"({"payload":"cw==","signatures":[{"sig":"cw=="}]})", "payloadType: missing"},
      {R"({"payload":"cw==","payloadType":"","signatures":[{"sig":"cw=="}]})",
       "payloadType: must not be empty"},
      {R"({"payload":"c w==","payloadType":"t","signatures":[{"sig":"cw=="}]})", "payload: base64"},
      {R"({"payload":"cw==","payloadType":"t"})", "signatures: missing"},
      {R"({"payload":"cw==","payloadType":"t","signatures":[]})", "signatures: none"},
      {R"({"payload":"cw==","payloadType":"t","signatures":[7]})",
       "signatures[0]: expected an object"},
      {R"({"payload":"cw==","payloadType":"t","signatures":[{"keyid":"k"}]})",
       "signatures[0].sig: missing"},
      {R"({"payload":"cw==","payloadType":"t","signatures":[{"sig":""}]})",
       "signatures[0].sig: empty"},
      {R"({"payload":"cw==","payloadType":"t","signatures":[{"sig":"cw==","keyid":3}]})",
       "signatures[0].keyid: expected a string"},
      {R"({"payload":"cw==","payload":"dA==","payloadType":"t","signatures":[{"sig":"cw=="}]})",
       "\"payload\" appears twice"},
  };
  for (const auto& [json, message] : cases) {
    absl::StatusOr<Envelope> envelope = ParseEnvelope(json);
    EXPECT_EQ(envelope.status().code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(std::string(envelope.status().message()), HasSubstr(message)) << json;
    EXPECT_THAT(std::string(envelope.status().message()), HasSubstr("envelope")) << json;
  }
}

TEST(DsseTest, UnknownFieldsAreIgnored) {
  absl::StatusOr<Envelope> envelope = ParseEnvelope(
      R"({"payload":"cw==","payloadType":"t","signatures":[{"sig":"cw==","x":1}],"extra":[]})");
  ASSERT_TRUE(envelope.ok()) << envelope.status();
}

}  // namespace
}  // namespace infip::verdict
