// Frames over the Unix socket between a caller and its worker: a 16-byte header (magic
// "IFW1", message type, payload length) and the payload. A frame may carry one file
// descriptor (SCM_RIGHTS): that is how a worker receives the model without ever opening a
// path of the server's.
//
// The caller's side never blocks without a bound: Receive waits in short poll rounds, asking
// `Wait::check` between them (cancellation, deadlines), and meanwhile drains the worker's
// stderr so that a chatty worker can never stall on a full pipe. The worker's side blocks.
//
//   Channel channel(socket_fd);
//   INFIP_RETURN_IF_ERROR(channel.Send(MessageType::kJob, Encode(job), model_fd));
//   INFIP_ASSIGN_OR_RETURN(Frame reply, channel.Receive(1 << 20, wait));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "infip/sandbox/protocol.h"

namespace infip::sandbox {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct Frame {
  MessageType type = MessageType::kHello;
  std::string payload;
  UniqueFd fd;  // a descriptor that came with the frame, if any
};

// How the caller's side waits.
struct Wait {
  // Asked about every 50 ms while nothing arrives; a non-OK status ends the wait with it.
  std::function<absl::Status()> check;
  // A descriptor drained while waiting (the worker's stderr); -1: none.
  int drain_fd = -1;
  std::function<void(std::string_view)> on_drained;
};

class Channel {
 public:
  explicit Channel(UniqueFd socket) : socket_(std::move(socket)) {}

  // Sends one frame, with `pass_fd` attached when >= 0. UNAVAILABLE when the peer is gone.
  [[nodiscard]] absl::Status Send(MessageType type, std::string_view payload, int pass_fd = -1);

  // One frame of at most `max_payload` bytes. UNAVAILABLE "closed" when the peer ends the
  // channel (a worker that exits or dies), INVALID_ARGUMENT for a bad header or an oversized
  // frame; whatever `wait.check` returns. Without `wait.check`, blocks.
  [[nodiscard]] absl::StatusOr<Frame> Receive(uint64_t max_payload, const Wait& wait = {});

  [[nodiscard]] int fd() const { return socket_.get(); }

 private:
  [[nodiscard]] absl::Status ReadExactly(char* out, size_t n, bool first, const Wait& wait,
                                         UniqueFd* fd);
  UniqueFd socket_;
};

// A connected pair of Unix stream sockets, both close-on-exec.
[[nodiscard]] absl::Status MakeSocketPair(UniqueFd* a, UniqueFd* b);

}  // namespace infip::sandbox
