#include "infip/sandbox/channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "infip/common/status_macros.h"

namespace infip::sandbox {
namespace {

constexpr uint32_t kMagic = 0x31574649;  // "IFW1" little-endian
constexpr size_t kHeaderBytes = 16;
constexpr int kPollMillis = 50;

absl::Status Closed() { return absl::UnavailableError("the worker's channel closed"); }

void Drain(const Wait& wait) {
  if (wait.drain_fd < 0) return;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(wait.drain_fd, buffer, sizeof buffer);
    if (n > 0) {
      if (wait.on_drained) wait.on_drained(std::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return;  // EAGAIN (the pipe is non-blocking), or the end of the pipe
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) Reset(o.Release());
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

absl::Status MakeSocketPair(UniqueFd* a, UniqueFd* b) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return absl::ErrnoToStatus(errno, "socketpair");
  }
  a->Reset(fds[0]);
  b->Reset(fds[1]);
  return absl::OkStatus();
}

absl::Status Channel::Send(MessageType type, std::string_view payload, int pass_fd) {
  char header[kHeaderBytes];
  const uint32_t magic = kMagic;
  const uint32_t t = static_cast<uint32_t>(type);
  const uint64_t length = payload.size();
  std::memcpy(header, &magic, 4);
  std::memcpy(header + 4, &t, 4);
  std::memcpy(header + 8, &length, 8);

  iovec iov[2] = {{header, kHeaderBytes}, {const_cast<char*>(payload.data()), payload.size()}};
  size_t first = 0;
  bool fd_sent = pass_fd < 0;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  while (first < 2) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = 2 - first;
    if (!fd_sent) {
      std::memset(control, 0, sizeof control);
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{socket_.get(), POLLOUT, 0};
        ::poll(&p, 1, kPollMillis);
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) return Closed();
      return absl::ErrnoToStatus(errno, absl::StrCat("sending ", MessageName(type)));
    }
    fd_sent = true;
    size_t sent = static_cast<size_t>(n);
    while (first < 2 && sent >= iov[first].iov_len) {
      sent -= iov[first].iov_len;
      ++first;
    }
    if (first < 2) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + sent;
      iov[first].iov_len -= sent;
    }
  }
  return absl::OkStatus();
}

absl::Status Channel::ReadExactly(char* out, size_t n, bool first, const Wait& wait, UniqueFd* fd) {
  size_t got = 0;
  while (got < n) {
    if (wait.check) {
      // Asked before every read too: a worker that keeps talking must not outrun its limit.
      INFIP_RETURN_IF_ERROR(wait.check());
      pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {wait.drain_fd, POLLIN, 0}};
      const int ready = ::poll(fds, wait.drain_fd >= 0 ? 2 : 1, kPollMillis);
      if (ready < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "poll");
      if (wait.drain_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) Drain(wait);
      if (ready <= 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        INFIP_RETURN_IF_ERROR(wait.check());
        continue;
      }
    }
    iovec iov{out + got, n - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t r =
        ::recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC | (wait.check ? MSG_DONTWAIT : 0));
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == ECONNRESET) return Closed();
      return absl::ErrnoToStatus(errno, "reading from the worker");
    }
    if (r == 0) return Closed();
    // Keep one descriptor that comes with the header; close any other.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int received;
        std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (first && fd != nullptr && !fd->valid()) {
          fd->Reset(received);
        } else {
          ::close(received);
        }
      }
    }
    got += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<Frame> Channel::Receive(uint64_t max_payload, const Wait& wait) {
  Frame frame;
  char header[kHeaderBytes];
  INFIP_RETURN_IF_ERROR(ReadExactly(header, kHeaderBytes, /*first=*/true, wait, &frame.fd));
  uint32_t magic, type;
  uint64_t length;
  std::memcpy(&magic, header, 4);
  std::memcpy(&type, header + 4, 4);
  std::memcpy(&length, header + 8, 8);
  if (magic != kMagic) return absl::InvalidArgumentError("a frame without the protocol's magic");
  if (type < static_cast<uint32_t>(MessageType::kHello) ||
      type > static_cast<uint32_t>(MessageType::kBye)) {
    return absl::InvalidArgumentError(absl::StrCat("a frame of unknown type ", type));
  }
  frame.type = static_cast<MessageType>(type);
  if (length > max_payload) {
    return absl::InvalidArgumentError(absl::StrCat("a ", MessageName(frame.type), " of ", length,
                                                   " bytes (at most ", max_payload, " expected)"));
  }
  frame.payload.resize(length);
  INFIP_RETURN_IF_ERROR(ReadExactly(frame.payload.data(), length, /*first=*/false, wait, nullptr));
  return frame;
}

}  // namespace infip::sandbox
