// Descriptors: the worker keeps only the ones its policy lists (Policy::keep_fds), so nothing
// the server opened (the store, the signing key, a listening socket) survives into the worker
// by accident of inheritance.
//
//   INFIP_RETURN_IF_ERROR(CloseDescriptorsExcept({0, 1, 2, ipc_fd}));
//
// close_range(2) closes the gaps between kept descriptors in a few calls; on a kernel without
// it (before 5.9) each open descriptor is found in /proc/self/fd and closed in a loop.
// UniqueFd owns one descriptor and closes it when it goes.
#pragma once

#include <vector>

#include "absl/status/status.h"

namespace infip::confine {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  [[nodiscard]] int Release();
  void Reset();

 private:
  int fd_ = -1;
};

enum class CloseMethod {
  kCloseRange,  // close_range(2), falling back to kLoop where the kernel lacks it
  kLoop,        // one close(2) per descriptor listed in /proc/self/fd
};

// Closes every open descriptor not in `keep` (any order, repeats allowed; negative entries are
// INVALID_ARGUMENT). INTERNAL when the descriptors cannot be listed or closed.
[[nodiscard]] absl::Status CloseDescriptorsExcept(std::vector<int> keep,
                                                  CloseMethod method = CloseMethod::kCloseRange);

}  // namespace infip::confine
