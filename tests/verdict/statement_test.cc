#include "infip/verdict/statement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "verdict/verdict_test_util.h"

namespace infip::verdict {
namespace {

using ::testing::HasSubstr;
using testing::ValidReceipt;
using testing::ValidStatement;
using testing::ValidVerdict;

void ExpectInvalid(const Statement& statement, const std::string& field) {
  const absl::Status status = Validate(statement);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
  EXPECT_THAT(std::string(status.message()), HasSubstr(field + ":")) << status;
  EXPECT_EQ(SerializeStatement(statement).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatementTest, VerdictSerializesToCanonicalInTotoJson) {
  absl::StatusOr<std::string> json = SerializeStatement(ValidStatement());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"_type":"https://in-toto.io/Statement/v1",)"
                   R"("predicate":{"assim":0.9125,"ci_high":0.925,"ci_low":0.9,"composite":"dtd",)"
                   R"("confidence":0.95,"engine_version":"infip-engine/0.1.0","lambda":5000.0,)"
                   R"("lambda_scaling":"resolution","n":3,"per_key_ssim":[0.9,0.925,0.9125],)"
                   R"("pirated":true,"registration_id":"reg-0001","threshold":0.85,)"
                   R"("time":"2026-11-18T11:06:40Z"},)"
                   R"("predicateType":"https://infip.dev/verdict/v1",)"
                   R"("subject":[{"digest":{"sha256":")" +
                       std::string(64, 'c') + R"("},"name":"suspect.pt"}]})");
}

TEST(StatementTest, VerdictRoundTrips) {
  Statement statement = ValidStatement();
  std::get<VerdictPredicate>(statement.predicate).time += absl::Milliseconds(250);
  absl::StatusOr<std::string> json = SerializeStatement(statement);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"time\":\"2026-11-18T11:06:40.25Z\""));
  absl::StatusOr<Statement> back = ParseStatement(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->subject.size(), 1u);
  EXPECT_EQ(back->subject[0].name, "suspect.pt");
  EXPECT_EQ(back->subject[0].sha256, std::string(64, 'c'));
  EXPECT_STREQ(back->predicate_type(), kVerdictPredicateType);
  const auto& a = std::get<VerdictPredicate>(statement.predicate);
  const auto& b = std::get<VerdictPredicate>(back->predicate);
  EXPECT_EQ(b.registration_id, a.registration_id);
  EXPECT_EQ(b.assim, a.assim);
  EXPECT_EQ(b.ci_low, a.ci_low);
  EXPECT_EQ(b.ci_high, a.ci_high);
  EXPECT_EQ(b.confidence, a.confidence);
  EXPECT_EQ(b.threshold, a.threshold);
  EXPECT_EQ(b.n, a.n);
  EXPECT_EQ(b.composite, a.composite);
  EXPECT_EQ(b.lambda, a.lambda);
  EXPECT_EQ(b.lambda_scaling, a.lambda_scaling);
  EXPECT_EQ(b.engine_version, a.engine_version);
  EXPECT_EQ(b.pirated, a.pirated);
  EXPECT_EQ(b.per_key_ssim, a.per_key_ssim);
  EXPECT_EQ(b.time, a.time);
  // Serialising what was parsed gives the same bytes.
  EXPECT_EQ(*SerializeStatement(*back), *json);
}

TEST(StatementTest, PerKeySsimIsOptional) {
  Statement statement = ValidStatement();
  std::get<VerdictPredicate>(statement.predicate).per_key_ssim.clear();
  absl::StatusOr<std::string> json = SerializeStatement(statement);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("per_key_ssim")));
  absl::StatusOr<Statement> back = ParseStatement(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(std::get<VerdictPredicate>(back->predicate).per_key_ssim.empty());
}

TEST(StatementTest, ReceiptRoundTrips) {
  Statement statement;
  statement.subject.push_back({"model.pt", std::string(64, 'd')});
  statement.predicate = ValidReceipt();
  absl::StatusOr<std::string> json = SerializeStatement(statement);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr(R"("predicateType":"https://infip.dev/registration-receipt/v1")"));
  absl::StatusOr<Statement> back = ParseStatement(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  const auto& a = std::get<ReceiptPredicate>(statement.predicate);
  const auto& b = std::get<ReceiptPredicate>(back->predicate);
  EXPECT_EQ(b.registration_id, a.registration_id);
  EXPECT_EQ(b.owner, a.owner);
  EXPECT_EQ(b.model_name, a.model_name);
  EXPECT_EQ(b.key_set_sha256, a.key_set_sha256);
  EXPECT_EQ(b.fingerprint_set_sha256, a.fingerprint_set_sha256);
  EXPECT_EQ(b.n, a.n);
  EXPECT_EQ(b.composite, a.composite);
  EXPECT_EQ(b.lambda, a.lambda);
  EXPECT_EQ(b.lambda_scaling, a.lambda_scaling);
  EXPECT_EQ(b.threshold, a.threshold);
  EXPECT_EQ(b.engine_version, a.engine_version);
  EXPECT_EQ(b.time, a.time);
  EXPECT_EQ(*SerializeStatement(*back), *json);
}

TEST(StatementTest, ValidationNamesTheBadVerdictField) {
  auto with = [](auto change) {
    Statement s = ValidStatement();
    change(std::get<VerdictPredicate>(s.predicate));
    return s;
  };
  ExpectInvalid(with([](VerdictPredicate& p) { p.registration_id.clear(); }),
                "predicate.registration_id");
  ExpectInvalid(with([](VerdictPredicate& p) { p.assim = 1.5; }), "predicate.assim");
  ExpectInvalid(with([](VerdictPredicate& p) { p.assim = std::nan(""); }), "predicate.assim");
  ExpectInvalid(with([](VerdictPredicate& p) { p.ci_low = 0.95; }), "predicate.ci_low");
  ExpectInvalid(with([](VerdictPredicate& p) { p.ci_high = 2; }), "predicate.ci_high");
  ExpectInvalid(with([](VerdictPredicate& p) { p.confidence = 1; }), "predicate.confidence");
  ExpectInvalid(with([](VerdictPredicate& p) { p.threshold = -3; }), "predicate.threshold");
  ExpectInvalid(with([](VerdictPredicate& p) { p.n = 0; }), "predicate.n");
  ExpectInvalid(with([](VerdictPredicate& p) { p.composite.clear(); }), "predicate.composite");
  ExpectInvalid(with([](VerdictPredicate& p) { p.lambda = 0; }), "predicate.lambda");
  ExpectInvalid(with([](VerdictPredicate& p) { p.lambda_scaling.clear(); }),
                "predicate.lambda_scaling");
  ExpectInvalid(with([](VerdictPredicate& p) { p.engine_version.clear(); }),
                "predicate.engine_version");
  ExpectInvalid(with([](VerdictPredicate& p) { p.pirated = false; }), "predicate.pirated");
  ExpectInvalid(with([](VerdictPredicate& p) { p.per_key_ssim.pop_back(); }),
                "predicate.per_key_ssim");
  ExpectInvalid(with([](VerdictPredicate& p) { p.per_key_ssim[1] = -2; }),
                "predicate.per_key_ssim[1]");
  ExpectInvalid(with([](VerdictPredicate& p) { p.time = absl::InfinitePast(); }), "predicate.time");
}

TEST(StatementTest, ValidationNamesTheBadSubjectOrReceiptField) {
  Statement s = ValidStatement();
  s.subject.clear();
  ExpectInvalid(s, "subject");
  s = ValidStatement();
  s.subject[0].sha256 = std::string(64, 'C');
  ExpectInvalid(s, "subject[0].digest.sha256");
  s = ValidStatement();
  s.subject.push_back({"", std::string(64, '0')});
  ExpectInvalid(s, "subject[1].name");

  auto with = [](auto change) {
    Statement r;
    r.subject.push_back({"model.pt", std::string(64, 'd')});
    ReceiptPredicate p = ValidReceipt();
    change(p);
    r.predicate = p;
    return r;
  };
  ExpectInvalid(with([](ReceiptPredicate& p) { p.owner.clear(); }), "predicate.owner");
  ExpectInvalid(with([](ReceiptPredicate& p) { p.model_name.clear(); }), "predicate.model_name");
  ExpectInvalid(with([](ReceiptPredicate& p) { p.key_set_sha256 = "abc"; }),
                "predicate.key_set_sha256");
  ExpectInvalid(with([](ReceiptPredicate& p) { p.fingerprint_set_sha256 += "0"; }),
                "predicate.fingerprint_set_sha256");
  ExpectInvalid(with([](ReceiptPredicate& p) { p.threshold = 1.1; }), "predicate.threshold");
}

// Edits a valid statement's JSON and expects ParseStatement to name `field`.
void ExpectParseError(const std::function<void(nlohmann::json&)>& edit, const std::string& field) {
  nlohmann::json doc = nlohmann::json::parse(*SerializeStatement(ValidStatement()));
  edit(doc);
  absl::StatusOr<Statement> parsed = ParseStatement(doc.dump());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << doc.dump();
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(field)) << parsed.status();
}

TEST(StatementTest, ParseErrorsNameTheField) {
  ExpectParseError([](nlohmann::json& d) { d["_type"] = "https://in-toto.io/Statement/v0.1"; },
                   "_type");
  ExpectParseError([](nlohmann::json& d) { d["predicateType"] = "https://example.com/x"; },
                   "predicateType: unknown predicate type");
  ExpectParseError([](nlohmann::json& d) { d.erase("subject"); }, "subject: missing");
  ExpectParseError([](nlohmann::json& d) { d["subject"][0]["digest"].erase("sha256"); },
                   "subject[0].digest.sha256: missing");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["assim"] = "0.9"; },
                   "predicate.assim: expected a number, got a string");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["n"] = 3.5; },
                   "predicate.n: expected an integer");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["pirated"] = 1; },
                   "predicate.pirated: expected a boolean");
  ExpectParseError([](nlohmann::json& d) { d["predicate"].erase("threshold"); },
                   "predicate.threshold: missing");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["per_key_ssim"][2] = "x"; },
                   "predicate.per_key_ssim[2]");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["time"] = "2026-11-18T11:06:40+01:00"; },
                   "predicate.time");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["time"] = "yesterday"; },
                   "predicate.time");
  ExpectParseError([](nlohmann::json& d) { d["predicate"]["assim"] = 0.5; }, "predicate.pirated");
}

TEST(StatementTest, RefusesDuplicateKeysAndNonObjects) {
  const std::string json = *SerializeStatement(ValidStatement());
  // A second "assim" inside the predicate: two parsers could read two different verdicts.
  std::string duplicated = json;
  duplicated.insert(duplicated.find("\"assim\""), "\"assim\":0.1,");
  absl::StatusOr<Statement> parsed = ParseStatement(duplicated);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("\"assim\" appears twice"));
  EXPECT_EQ(ParseStatement("[1]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStatement(json.substr(0, json.size() - 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(StatementTest, IgnoresUnknownFieldsAndOtherDigests) {
  nlohmann::json doc = nlohmann::json::parse(*SerializeStatement(ValidStatement()));
  doc["predicate"]["future_field"] = {1, 2};
  doc["subject"][0]["digest"]["sha512"] = std::string(128, 'e');
  absl::StatusOr<Statement> parsed = ParseStatement(doc.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->subject[0].sha256, std::string(64, 'c'));
}

}  // namespace
}  // namespace infip::verdict
