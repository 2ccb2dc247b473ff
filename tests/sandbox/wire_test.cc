// The worker messages' encoding (sandbox/wire.h, sandbox/protocol.h): round trips, and
// refusal of every malformed or oversized payload a hostile worker could send.
#include "infip/sandbox/wire.h"

#include <gtest/gtest.h>

#include <cstring>

#include "infip/sandbox/protocol.h"

namespace infip::sandbox {
namespace {

TEST(WireTest, ScalarsStringsListsAndTensorsRoundTrip) {
  WireWriter w;
  w.U8(7);
  w.U32(123456);
  w.I64(-5);
  w.F64(0.25);
  w.Str("cuda:1");
  w.F64s({1.5, -2.5});
  w.I64s({1, 3, 32, 32});
  const torch::Tensor f = torch::arange(24, torch::kFloat).reshape({2, 3, 4});
  const torch::Tensor b = torch::tensor({0, 255, 17}, torch::kByte);
  ASSERT_TRUE(w.Tensor(f).ok());
  ASSERT_TRUE(w.Tensor(b).ok());
  ASSERT_TRUE(w.Tensor(torch::Tensor()).ok());

  WireReader r(w.bytes(), WireLimits{});
  EXPECT_EQ(*r.U8(), 7);
  EXPECT_EQ(*r.U32(), 123456u);
  EXPECT_EQ(*r.I64(), -5);
  EXPECT_EQ(*r.F64(), 0.25);
  EXPECT_EQ(*r.Str(), "cuda:1");
  EXPECT_EQ(*r.F64s(), (std::vector<double>{1.5, -2.5}));
  EXPECT_EQ(*r.I64s(), (std::vector<int64_t>{1, 3, 32, 32}));
  absl::StatusOr<torch::Tensor> f2 = r.Tensor();
  ASSERT_TRUE(f2.ok()) << f2.status();
  EXPECT_TRUE(torch::equal(*f2, f));
  EXPECT_TRUE(torch::equal(*r.Tensor(), b));
  EXPECT_FALSE(r.Tensor()->defined());
  EXPECT_TRUE(r.End().ok());
}

TEST(WireTest, EveryTruncationIsRefusedNotRead) {
  WireWriter w;
  w.Str("hello");
  ASSERT_TRUE(w.Tensor(torch::ones({4, 4})).ok());
  const std::string full = w.bytes();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    WireReader r(std::string_view(full).substr(0, cut), WireLimits{});
    absl::Status s = r.Str().status();
    if (s.ok()) s = r.Tensor().status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "cut at " << cut;
  }
}

TEST(WireTest, OversizedAndMalformedTensorsAreRefusedBeforeAllocating) {
  const auto header = [](uint8_t dtype, std::vector<int64_t> dims) {
    std::string b(1, static_cast<char>(dtype));
    b.push_back(static_cast<char>(dims.size()));
    for (int64_t d : dims) b.append(reinterpret_cast<const char*>(&d), 8);
    return b;
  };
  WireLimits limits;
  limits.max_tensor_bytes = 1 << 20;
  // 2^62 x 2^62 floats would overflow a naive product; 2^20 x 2 floats is over the cap.
  for (const std::string& bytes :
       {header(3, {int64_t{1} << 62, int64_t{1} << 62}), header(3, {1 << 20, 2}),
        header(3, {-1, 4}), header(9, {1}), header(3, {1, 1, 1, 1, 1})}) {
    WireReader r(bytes, limits);
    EXPECT_EQ(r.Tensor().status().code(), absl::StatusCode::kInvalidArgument);
  }
  WireWriter w;
  EXPECT_EQ(w.Tensor(torch::ones({2}, torch::kDouble)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(WireTest, LongTextsAndListsAreRefused) {
  WireWriter w;
  w.Str(std::string(100, 'x'));
  WireLimits limits;
  limits.max_string_bytes = 99;
  WireReader r(w.bytes(), limits);
  EXPECT_EQ(r.Str().status().code(), absl::StatusCode::kInvalidArgument);

  WireWriter list;
  list.U32(1000000);  // claims a million numbers, has none
  WireReader lr(list.bytes(), WireLimits{});
  EXPECT_EQ(lr.F64s().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProtocolTest, MessagesRoundTrip) {
  Job job;
  job.device = "cpu";
  job.model_bytes = 1234;
  job.model_sha256 = std::string(64, 'a');
  job.archive.max_uncompressed_bytes = 99;
  job.archive.scan_source = false;
  job.memory_bytes = int64_t{4} << 30;
  job.cpu_seconds = 60;
  absl::StatusOr<Job> j = DecodeJob(Encode(job));
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->model_bytes, 1234);
  EXPECT_EQ(j->archive.max_uncompressed_bytes, 99);
  EXPECT_FALSE(j->archive.scan_source);
  EXPECT_EQ(j->memory_bytes, int64_t{4} << 30);

  ExtractRequest request;
  request.inputs = torch::rand({3, 1, 8, 8});
  request.box_low = {0.0};
  request.box_high = {1.0};
  request.settings.composite = "dtd";
  request.settings.image.lambda = 42.0;
  request.settings.image.scaling = fingerprint::LambdaScaling::kLiteral;
  request.settings.chunk_size = 2;
  request.settings.keep_relevance = true;
  absl::StatusOr<std::string> bytes = Encode(request);
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<ExtractRequest> e = DecodeExtractRequest(*bytes, WireLimits{});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(torch::equal(e->inputs, request.inputs));
  EXPECT_EQ(e->settings.image.lambda, 42.0);
  EXPECT_EQ(e->settings.image.scaling, fingerprint::LambdaScaling::kLiteral);
  EXPECT_EQ(e->settings.chunk_size, 2);
  EXPECT_TRUE(e->settings.keep_relevance);

  Extracted extracted;
  extracted.raw.images = torch::randint(0, 255, {3, 8, 8}, torch::kByte);
  extracted.raw.predicted = torch::tensor({1, 2, 3}, torch::kLong);
  extracted.raw.explain_seconds = 0.5;
  absl::StatusOr<Extracted> x = DecodeExtracted(*Encode(extracted), WireLimits{});
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_TRUE(torch::equal(x->raw.images, extracted.raw.images));
  EXPECT_FALSE(x->raw.relevance.defined());

  Loaded failed;
  failed.status = absl::UnimplementedError("aten::sigmoid is not supported");
  absl::StatusOr<Loaded> l = DecodeLoaded(Encode(failed));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->status, failed.status);
}

TEST(ProtocolTest, DecodersRefuseTrailingBytesAndBadValues) {
  std::string hello = Encode(Hello{});
  EXPECT_TRUE(DecodeHello(hello).ok());
  EXPECT_EQ(DecodeHello(hello + "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeProgress(Encode(ProgressReport{5, 3})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeCheckShape(Encode(CheckShape{{1, 3, 32}})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeCheckShape(Encode(CheckShape{{1, 0, 32, 32}})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A NaN time from the worker is malformed, not a number to pass on.
  Extracted nan;
  nan.raw.images = torch::zeros({1, 2, 2}, torch::kByte);
  nan.raw.predicted = torch::zeros({1}, torch::kLong);
  nan.raw.explain_seconds = std::nan("");
  EXPECT_EQ(DecodeExtracted(*Encode(nan), WireLimits{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProtocolTest, AWorkerCannotClaimAnyStatusCode) {
  EXPECT_EQ(WorkerStatusFromWire(3, "bad model").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WorkerStatusFromWire(12, "op").code(), absl::StatusCode::kUnimplemented);
  const absl::Status forged = WorkerStatusFromWire(16, "you are not logged in");
  EXPECT_EQ(forged.code(), absl::StatusCode::kInternal);
  EXPECT_NE(forged.message().find("16"), std::string_view::npos);
  EXPECT_EQ(WorkerStatusFromWire(7, "x").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(WorkerStatusFromWire(-1, "x").code(), absl::StatusCode::kInternal);
  // Long and control-character-laden messages are tamed.
  std::string long_message(10000, 'a');
  long_message += "\x1b[31m";
  const absl::Status long_one = WorkerStatusFromWire(3, long_message);
  EXPECT_LE(long_one.message().size(), 2048u);
  const absl::Status escape = WorkerStatusFromWire(3, "red\x1b[31m");
  EXPECT_EQ(escape.message(), "red [31m");
}

}  // namespace
}  // namespace infip::sandbox
