// Signatures checked by an independent implementation: the `openssl` command line verifies
// what Signer signs, Verifier accepts what `openssl pkeyutl -sign` signs, and the openssl
// route documented in README.md ("Checking a signed verdict") is run as written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "infip/verdict/signed_statement.h"
#include "test_env.h"
#include "verdict/verdict_test_util.h"

namespace infip::verdict {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::RunCommand;
using testing::ShellQuote;
using testing::ScratchDir;
using testing::ValidStatement;
using testing::WriteFile;

std::unique_ptr<Signer> NewSigner(const ScratchDir& dir) {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(dir.Path("signing.pem"));
  EXPECT_TRUE(signer.ok()) << signer.status();
  return signer.ok() ? *std::move(signer) : nullptr;
}

std::string OpensslVerify(const ScratchDir& dir) {
  return "openssl pkeyutl -verify -pubin -inkey " + ShellQuote(dir.Path("key.pem")) +
         " -rawin -in " + ShellQuote(dir.Path("pae.bin")) + " -sigfile " +
         ShellQuote(dir.Path("sig.bin"));
}

TEST(OpensslInteropTest, OpensslVerifiesOurSignatures) {
  ScratchDir dir;
  std::unique_ptr<Signer> signer = NewSigner(dir);
  ASSERT_NE(signer, nullptr);
  absl::StatusOr<Envelope> envelope = SignStatement(ValidStatement(), *signer);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  const std::string pae = PreAuthEncoding(envelope->payload_type, envelope->payload);
  WriteFile(dir.Path("pae.bin"), pae);
  WriteFile(dir.Path("sig.bin"), envelope->signatures[0].sig);
  WriteFile(dir.Path("key.pem"), signer->PublicKeyPem());

  testing::CommandResult good = RunCommand(OpensslVerify(dir));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, HasSubstr("Signature Verified Successfully"));

  // The same signature over altered bytes fails with openssl too.
  WriteFile(dir.Path("pae.bin"), pae + " ");
  testing::CommandResult bad = RunCommand(OpensslVerify(dir));
  EXPECT_NE(bad.exit_code, 0) << bad.output;
}

TEST(OpensslInteropTest, WeVerifyOpensslSignatures) {
  ScratchDir dir;
  ASSERT_EQ(
      RunCommand("openssl genpkey -algorithm ed25519 -out " + ShellQuote(dir.Path("private.pem")))
          .exit_code,
      0);
  ASSERT_EQ(RunCommand("openssl pkey -in " + ShellQuote(dir.Path("private.pem")) +
                       " -pubout -out " + ShellQuote(dir.Path("key.pem")))
                .exit_code,
            0);
  const std::string payload = *SerializeStatement(ValidStatement());
  WriteFile(dir.Path("pae.bin"), PreAuthEncoding(kInTotoPayloadType, payload));
  testing::CommandResult sign = RunCommand(
      "openssl pkeyutl -sign -inkey " + ShellQuote(dir.Path("private.pem")) + " -rawin -in " +
      ShellQuote(dir.Path("pae.bin")) + " -out " + ShellQuote(dir.Path("sig.bin")));
  ASSERT_EQ(sign.exit_code, 0) << sign.output;

  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      Verifier::Create(ReadFile(dir.Path("key.pem")));
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  Envelope envelope{
      kInTotoPayloadType, payload, {{(*verifier)->KeyId(), ReadFile(dir.Path("sig.bin"))}}};
  absl::StatusOr<Statement> statement = VerifyStatement(envelope, **verifier);
  ASSERT_TRUE(statement.ok()) << statement.status();

  // And the key it was made with loads as a Signer (openssl writes PKCS#8 PEM as we do).
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(dir.Path("private.pem"));
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ((*signer)->KeyId(), (*verifier)->KeyId());

  envelope.payload[envelope.payload.size() / 2] ^= 1;
  EXPECT_EQ((*verifier)->Verify(envelope).code(), absl::StatusCode::kPermissionDenied);
}

// The key id as signer.h and docs/verdicts.md document it.
TEST(OpensslInteropTest, KeyIdIsTheSha256OfTheRawPublicKey) {
  ScratchDir dir;
  std::unique_ptr<Signer> signer = NewSigner(dir);
  ASSERT_NE(signer, nullptr);
  WriteFile(dir.Path("key.pem"), signer->PublicKeyPem());
  testing::CommandResult id =
      RunCommand("openssl pkey -pubin -in " + ShellQuote(dir.Path("key.pem")) +
                 " -outform DER | tail -c 32 | sha256sum");
  ASSERT_EQ(id.exit_code, 0) << id.output;
  EXPECT_EQ(id.output.substr(0, 64), signer->KeyId());
}

// The bash block that follows the marker comment in README.md.
std::string ReadmeOpensslRoute() {
  const std::string readme = ReadFile(infip::testing::SourceDir() + "/README.md");
  const size_t marker = readme.find("<!-- verdict-openssl-route");
  if (marker == std::string::npos) return "";
  const size_t start = readme.find("```bash\n", marker);
  if (start == std::string::npos) return "";
  const size_t body = start + 8;
  const size_t end = readme.find("```", body);
  return end == std::string::npos ? "" : readme.substr(body, end - body);
}

TEST(OpensslInteropTest, ReadmeOpensslRouteWorksAsDocumented) {
  const std::string route = ReadmeOpensslRoute();
  ASSERT_FALSE(route.empty()) << "README.md has no verdict-openssl-route block";
  ScratchDir dir;
  std::unique_ptr<Signer> signer = NewSigner(dir);
  ASSERT_NE(signer, nullptr);
  absl::StatusOr<Envelope> envelope = SignStatement(ValidStatement(), *signer);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  WriteFile(dir.Path("route.sh"), route);
  WriteFile(dir.Path("key.pem"), signer->PublicKeyPem());
  const std::string run = "cd " + ShellQuote(dir.path()) + " && bash -eu -o pipefail route.sh";

  WriteFile(dir.Path("verdict.json"), SerializeEnvelope(*envelope) + "\n");
  testing::CommandResult good = RunCommand(run);
  EXPECT_EQ(good.exit_code, 0) << route << "\n" << good.output;
  EXPECT_THAT(good.output, HasSubstr("Signature Verified Successfully"));
  EXPECT_EQ(ReadFile(dir.Path("payload.json")), envelope->payload);

  Envelope tampered = *envelope;
  tampered.payload.replace(tampered.payload.find("\"assim\":0.9125"), 14, "\"assim\":0.1125");
  WriteFile(dir.Path("verdict.json"), SerializeEnvelope(tampered) + "\n");
  testing::CommandResult bad = RunCommand(run);
  EXPECT_NE(bad.exit_code, 0) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("Signature Verification Failure"));
}

}  // namespace
}  // namespace infip::verdict
