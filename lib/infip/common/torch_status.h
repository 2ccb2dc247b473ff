// The core's edge towards LibTorch: every call that may throw c10::Error goes through
// CatchTorch, which turns the exception into an absl::Status naming the cause.
//
//   absl::StatusOr<torch::Tensor> out = CatchTorch("forward pass", [&] { return m.forward(x); });
#pragma once

#include <string_view>
#include <type_traits>

#include <torch/script.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip {

// First line of a LibTorch error message, without its C++ backtrace.
std::string TorchErrorSummary(const std::exception& e);

// Runs fn; a thrown exception becomes `code` with "<what>: <summary>".
template <typename Fn>
auto CatchTorch(std::string_view what, Fn&& fn,
                absl::StatusCode code = absl::StatusCode::kInvalidArgument)
    -> absl::StatusOr<std::invoke_result_t<Fn>> {
  try {
    return fn();
  } catch (const std::exception& e) {
    return absl::Status(code, std::string(what) + ": " + TorchErrorSummary(e));
  }
}

// Same for functions that return nothing.
template <typename Fn>
absl::Status CatchTorchVoid(std::string_view what, Fn&& fn,
                            absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  try {
    fn();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::Status(code, std::string(what) + ": " + TorchErrorSummary(e));
  }
}

}  // namespace infip
