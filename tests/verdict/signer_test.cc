#include "infip/verdict/signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "infip/verdict/signed_statement.h"
#include "infip/verdict/verifier.h"
#include "verdict/verdict_test_util.h"

namespace infip::verdict {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;
using testing::ValidStatement;

std::unique_ptr<Signer> NewSigner(const ScratchDir& dir, const std::string& name = "signing.pem") {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(dir.Path(name));
  EXPECT_TRUE(signer.ok()) << signer.status();
  return signer.ok() ? *std::move(signer) : nullptr;
}

std::unique_ptr<Verifier> VerifierFor(const Signer& signer) {
  absl::StatusOr<std::unique_ptr<Verifier>> verifier = Verifier::Create(signer.PublicKeyPem());
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? *std::move(verifier) : nullptr;
}

TEST(SignerTest, CreatesAKeyFileWithMode0600AndReloadsTheSameKey) {
  ScratchDir dir;
  const std::string path = dir.Path("signing.pem");
  std::unique_ptr<Signer> first = NewSigner(dir);
  ASSERT_NE(first, nullptr);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_THAT(testing::ReadFile(path), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  // No temporary file is left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);

  std::unique_ptr<Signer> second = NewSigner(dir);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->PublicKeyPem(), first->PublicKeyPem());
  EXPECT_EQ(second->KeyId(), first->KeyId());
  EXPECT_THAT(first->PublicKeyPem(), HasSubstr("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(first->KeyId().size(), 64u);

  ScratchDir other;
  std::unique_ptr<Signer> third = NewSigner(other);
  ASSERT_NE(third, nullptr);
  EXPECT_NE(third->KeyId(), first->KeyId());
}

TEST(SignerTest, ReplicasStartingTogetherAgreeOnOneKey) {
  // Each thread plays a replica creating the key on a shared volume at the same moment: the
  // first link wins and every other one loads the winner's key instead of replacing it.
  ScratchDir dir;
  constexpr int kReplicas = 8;
  std::vector<std::string> key_ids(kReplicas);
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<Signer>> s = Signer::LoadOrCreate(dir.Path("shared.pem"));
      if (s.ok()) key_ids[i] = (*s)->KeyId();
    });
  }
  for (std::thread& t : replicas) t.join();
  for (const std::string& id : key_ids) EXPECT_EQ(id, key_ids[0]);
  EXPECT_FALSE(key_ids[0].empty());
  absl::StatusOr<std::unique_ptr<Signer>> later = Signer::LoadOrCreate(dir.Path("shared.pem"));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ((*later)->KeyId(), key_ids[0]);
}

TEST(SignerTest, LoadsAGroupReadableKeyFile) {
  // Kubernetes mounts secrets 0644 unless told otherwise: warned about, not refused.
  ScratchDir dir;
  std::unique_ptr<Signer> first = NewSigner(dir);
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(chmod(dir.Path("signing.pem").c_str(), 0644), 0);
  std::unique_ptr<Signer> second = NewSigner(dir);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->KeyId(), first->KeyId());
}

TEST(SignerTest, CorruptKeyFileIsInvalidArgument) {
  ScratchDir dir;
  for (const std::string& content :
       {std::string(""), std::string("not a key\n"),
        std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}) {
    const std::string path = dir.Path("corrupt.pem");
    testing::WriteFile(path, content);
    absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(path);
    EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << content;
    EXPECT_THAT(std::string(signer.status().message()), HasSubstr(path));
    // The corrupt file is left as it was, never replaced by a new key.
    EXPECT_EQ(testing::ReadFile(path), content);
  }
}

TEST(SignerTest, RefusesKeysOfOtherAlgorithmsAndEncryptedKeys) {
  ScratchDir dir;
  const std::string ec = dir.Path("ec.pem");
  ASSERT_EQ(testing::RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                "-out " +
                                ec)
                .exit_code,
            0);
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(ec);
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(signer.status().message()), HasSubstr("not an Ed25519"));

  const std::string encrypted = dir.Path("encrypted.pem");
  ASSERT_EQ(testing::RunCommand("openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:x "
                                "-out " +
                                encrypted)
                .exit_code,
            0);
  signer = Signer::LoadOrCreate(encrypted);
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SignerTest, MissingDirectoryIsNotFound) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<Signer>> signer =
      Signer::LoadOrCreate(dir.Path("no/such/dir/key.pem"));
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(signer.status().message()), HasSubstr("does not exist"));
}

TEST(SignerTest, KeyFileThatIsADirectoryIsInvalidArgument) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::LoadOrCreate(dir.path());
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SignerTest, SignThenVerifyRoundTrip) {
  ScratchDir dir;
  std::unique_ptr<Signer> signer = NewSigner(dir);
  ASSERT_NE(signer, nullptr);
  absl::StatusOr<Envelope> envelope = SignStatement(ValidStatement(), *signer);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  EXPECT_EQ(envelope->payload_type, kInTotoPayloadType);
  ASSERT_EQ(envelope->signatures.size(), 1u);
  EXPECT_EQ(envelope->signatures[0].keyid, signer->KeyId());
  EXPECT_EQ(envelope->signatures[0].sig.size(), 64u);

  std::unique_ptr<Verifier> verifier = VerifierFor(*signer);
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(verifier->KeyId(), signer->KeyId());
  // Through JSON, as an auditor receives it.
  absl::StatusOr<Envelope> received = ParseEnvelope(SerializeEnvelope(*envelope));
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_TRUE(verifier->Verify(*received).ok());
  absl::StatusOr<Statement> statement = VerifyStatement(*received, *verifier);
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(std::get<VerdictPredicate>(statement->predicate).assim, 0.9125);
}

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = NewSigner(dir_);
    ASSERT_NE(signer_, nullptr);
    verifier_ = VerifierFor(*signer_);
    absl::StatusOr<Envelope> envelope = SignStatement(ValidStatement(), *signer_);
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    envelope_ = *envelope;
    ASSERT_TRUE(verifier_->Verify(envelope_).ok());
  }

  void ExpectDenied(const Envelope& envelope, const std::string& reason) {
    const absl::Status status = verifier_->Verify(envelope);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(reason));
    EXPECT_FALSE(VerifyStatement(envelope, *verifier_).ok());
  }

  ScratchDir dir_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<Verifier> verifier_;
  Envelope envelope_;
};

TEST_F(TamperTest, ChangedPayloadFails) {
  Envelope e = envelope_;
  e.payload.replace(e.payload.find("0.9125"), 6, "0.9126");
  ExpectDenied(e, "bad signature");
  e = envelope_;
  e.payload += " ";
  ExpectDenied(e, "bad signature");
}

TEST_F(TamperTest, ChangedSignatureFails) {
  for (size_t i : {size_t{0}, size_t{31}, size_t{63}}) {
    Envelope e = envelope_;
    e.signatures[0].sig[i] ^= 0x01;
    ExpectDenied(e, "bad signature");
  }
  Envelope truncated = envelope_;
  truncated.signatures[0].sig.pop_back();
  ExpectDenied(truncated, "bad signature");
}

TEST_F(TamperTest, ChangedPayloadTypeFails) {
  Envelope e = envelope_;
  e.payload_type = "application/vnd.in-toto+jsonx";
  ExpectDenied(e, "bad signature");
}

TEST_F(TamperTest, SignatureOfAnotherKeyFails) {
  ScratchDir other_dir;
  std::unique_ptr<Signer> other = NewSigner(other_dir);
  ASSERT_NE(other, nullptr);
  absl::StatusOr<Envelope> theirs = SignStatement(ValidStatement(), *other);
  ASSERT_TRUE(theirs.ok());
  ExpectDenied(*theirs, "unknown keyid");
  // The same signature claiming our key id is a bad signature; without a key id as well.
  theirs->signatures[0].keyid = signer_->KeyId();
  ExpectDenied(*theirs, "bad signature");
  theirs->signatures[0].keyid.clear();
  ExpectDenied(*theirs, "bad signature");
}

TEST_F(TamperTest, KeyIdIsOnlyAHint) {
  // A correct signature under some other key id still verifies: key ids are not authenticated
  // and must not decide anything.
  Envelope e = envelope_;
  e.signatures[0].keyid = "someone-else";
  EXPECT_TRUE(verifier_->Verify(e).ok());
  // One good signature among bad ones is enough.
  Envelope several = envelope_;
  EnvelopeSignature bad = several.signatures[0];
  bad.sig[0] ^= 1;
  several.signatures.insert(several.signatures.begin(), bad);
  EXPECT_TRUE(verifier_->Verify(several).ok());
}

TEST_F(TamperTest, CorrectlySignedPayloadOfAnotherTypeIsInvalidArgument) {
  absl::StatusOr<Envelope> e = signer_->SignEnvelope("application/json", envelope_.payload);
  ASSERT_TRUE(e.ok());
  const absl::Status status = verifier_->Verify(*e);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("wrong payload type"));
}

TEST_F(TamperTest, SignedButInvalidStatementIsInvalidArgument) {
  absl::StatusOr<Envelope> e = signer_->SignEnvelope(kInTotoPayloadType, "{\"_type\":1}");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(verifier_->Verify(*e).ok());
  absl::StatusOr<Statement> statement = VerifyStatement(*e, *verifier_);
  EXPECT_EQ(statement.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(statement.status().message()), HasSubstr("_type"));
}

TEST(VerifierTest, RefusesWhatIsNotAnEd25519PublicKey) {
  ScratchDir dir;
  std::unique_ptr<Signer> signer = NewSigner(dir);
  ASSERT_NE(signer, nullptr);
  // A private key is not a public key.
  const std::string private_pem = testing::ReadFile(dir.Path("signing.pem"));
  EXPECT_EQ(Verifier::Create(private_pem).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Verifier::Create("").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Verifier>> v = Verifier::Create("garbage", "key.pem");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("key.pem"));
}

}  // namespace
}  // namespace infip::verdict
