// infip verdict verify: checks a signed verdict or registration receipt (a DSSE envelope) with
// the server's public key, offline, and prints what it says.
#include <iostream>
#include <memory>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/commands.h"
#include "client/json_writer.h"
#include "infip/common/status_macros.h"
#include "infip/io/file_util.h"
#include "infip/verdict/signed_statement.h"

namespace infip::cli {
namespace {

// Envelopes carry one statement, a few kilobytes; keys are a few hundred bytes.
constexpr int64_t kMaxEnvelopeBytes = 16 << 20;
constexpr int64_t kMaxKeyBytes = 64 << 10;

struct VerifyFlags {
  std::string envelope;
  std::string public_key;
  bool json = false;
};

void PrintSubjects(const verdict::Statement& statement) {
  for (const verdict::Subject& s : statement.subject) {
    std::cout << absl::StrFormat("subject       %s  sha256:%s\n", s.name, s.sha256);
  }
}

void PrintVerdict(const verdict::VerdictPredicate& p) {
  std::cout << absl::StrFormat("registration  %s\n", p.registration_id)
            << absl::StrFormat(
                   "ASSIM         %.4f  (%g%% bootstrap interval %.4f .. %.4f, %d keys)\n", p.assim,
                   100 * p.confidence, p.ci_low, p.ci_high, p.n)
            << absl::StrFormat("decision      %s: ASSIM %.4f %s threshold %.4f\n",
                               p.pirated ? "PIRATED" : "NOT PIRATED", p.assim,
                               p.pirated ? ">=" : "<", p.threshold)
            << absl::StrFormat("settings      composite %s, lambda %g %s, %s\n", p.composite,
                               p.lambda, p.lambda_scaling, p.engine_version)
            << absl::StrFormat("time          %s\n", verdict::FormatStatementTime(p.time));
}

void PrintReceipt(const verdict::ReceiptPredicate& p) {
  std::cout << absl::StrFormat("registration  %s  (owner %s, model %s)\n", p.registration_id,
                               p.owner, p.model_name)
            << absl::StrFormat("key set       sha256:%s  (%d keys)\n", p.key_set_sha256, p.n)
            << absl::StrFormat("fingerprints  sha256:%s\n", p.fingerprint_set_sha256)
            << absl::StrFormat("settings      composite %s, lambda %g %s, threshold %.4f, %s\n",
                               p.composite, p.lambda, p.lambda_scaling, p.threshold,
                               p.engine_version)
            << absl::StrFormat("time          %s\n", verdict::FormatStatementTime(p.time));
}

absl::Status RunVerify(const VerifyFlags& flags) {
  INFIP_ASSIGN_OR_RETURN(std::string key_pem, io::ReadWholeFile(flags.public_key, kMaxKeyBytes));
  INFIP_ASSIGN_OR_RETURN(std::unique_ptr<verdict::Verifier> verifier,
                         verdict::Verifier::Create(key_pem, flags.public_key));
  INFIP_ASSIGN_OR_RETURN(std::string json, io::ReadWholeFile(flags.envelope, kMaxEnvelopeBytes));
  absl::StatusOr<verdict::Envelope> envelope = verdict::ParseEnvelope(json);
  if (!envelope.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flags.envelope, ": ", envelope.status().message()));
  }
  absl::StatusOr<verdict::Statement> statement = verdict::VerifyStatement(*envelope, *verifier);
  if (!statement.ok()) {
    // A signature that does not hold is bad input to this command (exit code 3), like a
    // malformed envelope, not an internal error.
    return absl::InvalidArgumentError(
        absl::StrCat(flags.envelope, ": ", statement.status().message()));
  }

  if (flags.json) {
    INFIP_ASSIGN_OR_RETURN(std::string statement_json, verdict::SerializeStatement(*statement));
    std::cout << JsonObject()
                     .Add("signature_ok", true)
                     .Add("key_id", verifier->KeyId())
                     .Add("payload_type", envelope->payload_type)
                     .Add("predicate_type", statement->predicate_type())
                     .AddRaw("statement", statement_json)
                     .ToString()
              << std::endl;
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("envelope      %s\n", flags.envelope)
            << absl::StrFormat("statement     %s\n", statement->predicate_type());
  PrintSubjects(*statement);
  if (const auto* v = std::get_if<verdict::VerdictPredicate>(&statement->predicate)) {
    PrintVerdict(*v);
  } else {
    PrintReceipt(std::get<verdict::ReceiptPredicate>(statement->predicate));
  }
  std::cout << absl::StrFormat("key id        %s\n", verifier->KeyId()) << "signature OK"
            << std::endl;
  return absl::OkStatus();
}

}  // namespace

Command AddVerdictCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "verdict", "Check signed verdicts and registration receipts (DSSE envelopes) offline");
  app->require_subcommand(1);

  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* verify = app->add_subcommand(
      "verify",
      "Verify an envelope's Ed25519 signature with the server's public key and print the "
      "statement it carries (exit code 3 when the signature does not hold)");
  verify->add_option("envelope", flags->envelope, "the envelope (JSON) to check")->required();
  verify
      ->add_option("--public-key", flags->public_key,
                   "the server's public key, PEM (from server info)")
      ->required();
  verify->add_flag("--json", flags->json, "print one JSON object instead of text");
  return {app,
          [flags, verify]() -> absl::Status {
            if (!verify->parsed()) return absl::InvalidArgumentError("no verdict subcommand");
            return RunVerify(*flags);
          },
          {}};
}

}  // namespace infip::cli
