// The streaming rules of every upload: order, 1 MiB chunks, exact byte counts, cancellation.
#include "server/upload_reader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace infip::server {
namespace {

struct Scripted {
  std::vector<std::pair<PartKind, std::string>> messages;
  bool cancelled = false;
  std::string payload;
  std::vector<int64_t> progress;
  absl::Status payload_error = absl::OkStatus();
};

absl::StatusOr<std::string> Receive(const UploadPlan& plan, Scripted& s) {
  size_t next = 0;
  UploadIo io;
  io.next = [&](StreamPart* part) {
    if (next == s.messages.size()) return false;
    part->kind = s.messages[next].first;
    part->bytes = s.messages[next].second;
    ++next;
    return true;
  };
  io.cancelled = [&] { return s.cancelled; };
  io.payload = [&](std::string_view chunk) {
    if (!s.payload_error.ok()) return s.payload_error;
    s.payload.append(chunk);
    return absl::OkStatus();
  };
  io.on_bytes = [&](int64_t n) { s.progress.push_back(n); };
  return ReceiveUpload(plan, io);
}

UploadPlan KeysAndModel(int64_t keys, int64_t model) {
  UploadPlan plan;
  plan.key_set_bytes = keys;
  plan.payload = PartKind::kModel;
  plan.payload_bytes = model;
  return plan;
}

void ExpectInvalid(const absl::StatusOr<std::string>& r, const std::string& words) {
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find(words), std::string_view::npos)
      << "'" << r.status().message() << "' does not say '" << words << "'";
}

TEST(UploadReaderTest, KeysThenModelInChunks) {
  Scripted s;
  s.messages = {{PartKind::kKeySet, "abc"},
                {PartKind::kKeySet, "de"},
                {PartKind::kModel, "0123"},
                {PartKind::kModel, ""},
                {PartKind::kModel, "456789"}};
  absl::StatusOr<std::string> keys = Receive(KeysAndModel(5, 10), s);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(*keys, "abcde");
  EXPECT_EQ(s.payload, "0123456789");
  EXPECT_EQ(s.progress, (std::vector<int64_t>{3, 5, 9, 9, 15}));
}

TEST(UploadReaderTest, ChunksOfExactlyOneMiBPassOneByteMoreDoesNot) {
  Scripted ok;
  ok.messages = {{PartKind::kModel, std::string(kMaxChunkBytes, 'x')}};
  UploadPlan plan;
  plan.payload = PartKind::kModel;
  plan.payload_bytes = kMaxChunkBytes;
  EXPECT_TRUE(Receive(plan, ok).ok());
  EXPECT_EQ(ok.payload.size(), static_cast<size_t>(kMaxChunkBytes));

  Scripted big;
  big.messages = {{PartKind::kModel, std::string(kMaxChunkBytes + 1, 'x')}};
  plan.payload_bytes = kMaxChunkBytes + 1;
  ExpectInvalid(Receive(plan, big), "model_chunk of 1048577 bytes is over the 1048576-byte");
  EXPECT_TRUE(big.payload.empty());
}

TEST(UploadReaderTest, TruncatedStreamsNameWhatIsMissing) {
  Scripted keys_short;
  keys_short.messages = {{PartKind::kKeySet, "abc"}};
  ExpectInvalid(Receive(KeysAndModel(5, 3), keys_short), "truncated key set: 3 of 5 bytes");

  Scripted model_short;
  model_short.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kModel, "01"}};
  ExpectInvalid(Receive(KeysAndModel(5, 3), model_short), "truncated model: 2 of 3 bytes");

  Scripted fingerprints_short;
  fingerprints_short.messages = {{PartKind::kKeySet, "k"}};
  UploadPlan plan;
  plan.key_set_bytes = 1;
  plan.payload = PartKind::kFingerprints;
  plan.payload_bytes = 100;
  ExpectInvalid(Receive(plan, fingerprints_short), "truncated fingerprint set: 0 of 100 bytes");
}

TEST(UploadReaderTest, MoreBytesThanDeclared) {
  Scripted keys_long;
  keys_long.messages = {{PartKind::kKeySet, "abc"}, {PartKind::kKeySet, "def"}};
  ExpectInvalid(Receive(KeysAndModel(5, 3), keys_long), "more bytes than the 5 declared");

  Scripted model_long;
  model_long.messages = {{PartKind::kKeySet, "abcde"},
                         {PartKind::kModel, "012"},
                         {PartKind::kModel, "3"}};
  ExpectInvalid(Receive(KeysAndModel(5, 3), model_long), "more bytes than the 3 declared");
  EXPECT_EQ(model_long.payload, "012");
}

TEST(UploadReaderTest, OrderOfParts) {
  Scripted model_first;
  model_first.messages = {{PartKind::kModel, "0"}, {PartKind::kKeySet, "abcde"}};
  ExpectInvalid(Receive(KeysAndModel(5, 1), model_first), "key set's bytes come first");

  Scripted keys_after_model;
  keys_after_model.messages = {{PartKind::kKeySet, "abcd"},
                               {PartKind::kKeySet, "e"},
                               {PartKind::kModel, "0"},
                               {PartKind::kKeySet, "x"}};
  ExpectInvalid(Receive(KeysAndModel(5, 2), keys_after_model), "key_set_chunk after model_chunk");

  Scripted second_header;
  second_header.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kHeader, ""}};
  ExpectInvalid(Receive(KeysAndModel(5, 1), second_header), "second header");

  Scripted empty_message;
  empty_message.messages = {{PartKind::kNone, ""}};
  ExpectInvalid(Receive(KeysAndModel(5, 1), empty_message), "empty message");

  Scripted keys_where_none;
  keys_where_none.messages = {{PartKind::kKeySet, "a"}};
  UploadPlan verify;
  verify.payload = PartKind::kModel;
  verify.payload_bytes = 1;
  ExpectInvalid(Receive(verify, keys_where_none), "carries no key set");

  Scripted wrong_payload;
  wrong_payload.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kFingerprints, "f"}};
  ExpectInvalid(Receive(KeysAndModel(5, 1), wrong_payload), "fingerprints_chunk in a stream");
}

TEST(UploadReaderTest, ModelChunksWithAHandle) {
  Scripted s;
  s.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kModel, "0"}};
  UploadPlan plan;
  plan.key_set_bytes = 5;
  ExpectInvalid(Receive(plan, s), "model_chunk sent, but the header names a remote handle");

  Scripted keys_only;
  keys_only.messages = {{PartKind::kKeySet, "abcde"}};
  absl::StatusOr<std::string> keys = Receive(plan, keys_only);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(*keys, "abcde");
}

TEST(UploadReaderTest, ClientGoneIsCancelledEvenWithEverythingReceived) {
  Scripted s;
  s.messages = {{PartKind::kKeySet, "ab"}};
  s.cancelled = true;
  EXPECT_EQ(Receive(KeysAndModel(5, 3), s).status().code(), absl::StatusCode::kCancelled);

  Scripted complete;
  complete.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kModel, "012"}};
  complete.cancelled = true;
  EXPECT_EQ(Receive(KeysAndModel(5, 3), complete).status().code(), absl::StatusCode::kCancelled);
}

TEST(UploadReaderTest, PayloadErrorsPassThrough) {
  Scripted s;
  s.messages = {{PartKind::kKeySet, "abcde"}, {PartKind::kModel, "012"}};
  s.payload_error = absl::ResourceExhaustedError("model exceeds the cap of 2 bytes");
  absl::StatusOr<std::string> r = Receive(KeysAndModel(5, 3), s);
  EXPECT_EQ(r.status(), s.payload_error);
}

TEST(UploadReaderTest, DeclaredBytes) {
  EXPECT_TRUE(CheckDeclaredBytes(1, 1, "f", "model").ok());
  const absl::Status zero = CheckDeclaredBytes(0, 10, "ModelSource.upload_bytes", "model");
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(zero.message().find("ModelSource.upload_bytes"), std::string_view::npos);
  EXPECT_EQ(CheckDeclaredBytes(-4, 10, "f", "model").code(), absl::StatusCode::kInvalidArgument);
  const absl::Status over = CheckDeclaredBytes(11, 10, "KeySetInfo.npy_bytes", "key set");
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(over.message().find("cap of 10 bytes"), std::string_view::npos) << over;
}

}  // namespace
}  // namespace infip::server
