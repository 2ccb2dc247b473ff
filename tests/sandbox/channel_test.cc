// Frames over a Unix socket pair (sandbox/channel.h): payloads and descriptors arrive
// intact; bad headers, oversized frames and a peer that goes away are precise errors; a
// waiting receiver stops when its check says so and drains its side descriptor meanwhile.
#include "infip/sandbox/channel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "absl/time/clock.h"

namespace infip::sandbox {
namespace {

struct Pair {
  Pair() {
    UniqueFd a, b;
    EXPECT_TRUE(MakeSocketPair(&a, &b).ok());
    left = std::make_unique<Channel>(std::move(a));
    right = std::make_unique<Channel>(std::move(b));
  }
  std::unique_ptr<Channel> left, right;
};

// A frame header as channel.h lays it out: magic "IFW1", type, payload length.
std::string RawHeader(uint32_t type, uint64_t length) {
  const uint32_t magic = 0x31574649;
  std::string header(16, '\0');
  std::memcpy(header.data(), &magic, 4);
  std::memcpy(header.data() + 4, &type, 4);
  std::memcpy(header.data() + 8, &length, 8);
  return header;
}

TEST(ChannelTest, AFrameAndItsDescriptorArrive) {
  Pair p;
  char path[] = "/tmp/infip-channel-XXXXXX";
  const int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  ASSERT_EQ(::write(file, "model bytes", 11), 11);
  const std::string payload(300000, 'z');  // larger than a socket buffer: sent in pieces
  std::thread sender([&] { EXPECT_TRUE(p.left->Send(MessageType::kJob, payload, file).ok()); });
  absl::StatusOr<Frame> frame = p.right->Receive(1 << 20);
  sender.join();
  ::close(file);
  ::unlink(path);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->type, MessageType::kJob);
  EXPECT_EQ(frame->payload, payload);
  ASSERT_TRUE(frame->fd.valid());
  char buffer[16] = {};
  EXPECT_EQ(::pread(frame->fd.get(), buffer, sizeof buffer, 0), 11);
  EXPECT_STREQ(buffer, "model bytes");
  EXPECT_EQ(::fcntl(frame->fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(ChannelTest, OversizedFramesAndBadHeadersAreRefused) {
  Pair p;
  ASSERT_TRUE(p.left->Send(MessageType::kExtracted, std::string(2000, 'x')).ok());
  EXPECT_EQ(p.right->Receive(1000).status().code(), absl::StatusCode::kInvalidArgument);

  Pair q;
  const char garbage[16] = "not a frame....";
  ASSERT_EQ(::send(q.left->fd(), garbage, 16, 0), 16);
  EXPECT_EQ(q.right->Receive(1000).status().code(), absl::StatusCode::kInvalidArgument);

  Pair r;
  const std::string unknown_type = RawHeader(77, 0);
  ASSERT_EQ(::send(r.left->fd(), unknown_type.data(), 16, 0), 16);
  EXPECT_EQ(r.right->Receive(1000).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChannelTest, APeerThatGoesAwayIsUnavailableEvenMidFrame) {
  Pair p;
  p.left.reset();
  EXPECT_EQ(p.right->Receive(1000).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(p.right->Send(MessageType::kBye, "").code(), absl::StatusCode::kUnavailable);

  Pair q;
  const std::string loaded_of_100 = RawHeader(3, 100);
  ASSERT_EQ(::send(q.left->fd(), loaded_of_100.data(), 16, 0), 16);
  ASSERT_EQ(::send(q.left->fd(), "short", 5, 0), 5);
  q.left.reset();
  EXPECT_EQ(q.right->Receive(1000).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ChannelTest, AWaitEndsWhenItsCheckSaysSoAndDrainsMeanwhile) {
  Pair p;
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_NONBLOCK), 0);
  ASSERT_EQ(::write(pipe_fds[1], "log line\n", 9), 9);
  std::string drained;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(300);
  Wait wait;
  wait.check = [&]() -> absl::Status {
    return absl::Now() >= deadline ? absl::DeadlineExceededError("enough") : absl::OkStatus();
  };
  wait.drain_fd = pipe_fds[0];
  wait.on_drained = [&](std::string_view b) { drained.append(b); };
  const absl::Time start = absl::Now();
  absl::StatusOr<Frame> frame = p.right->Receive(1000, wait);
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(drained, "log line\n");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace infip::sandbox
