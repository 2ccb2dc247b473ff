// Parsers for the textual values of infip-server's flags and environment variables: byte
// sizes, durations, booleans, lists, listen addresses and device names. Each returns
// INVALID_ARGUMENT that quotes the offending text and says what was expected; the caller
// prefixes the flag it came from.
//
//   INFIP_ASSIGN_OR_RETURN(int64_t cap, ParseByteSize("2GiB"));         // 2147483648
//   INFIP_ASSIGN_OR_RETURN(absl::Duration t, ParseDurationText("90s"));  // also "1m30s", "90"
//   INFIP_RETURN_IF_ERROR(CheckListenAddress("127.0.0.1:50051"));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace infip::server {

// A non-negative integer number of bytes, optionally with a binary unit: "8388608", "8MiB",
// "512 KiB", "2GiB", "1TiB" (units are case-insensitive; decimal "MB" is refused, since
// nobody agrees whether it means 10^6 or 2^20).
[[nodiscard]] absl::StatusOr<int64_t> ParseByteSize(std::string_view text);

// A Go-style duration ("30s", "5m", "1h30m", "250ms") or a bare number of seconds ("30").
// Negative durations are refused.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseDurationText(std::string_view text);

// true/false, 1/0, yes/no, on/off (case-insensitive).
[[nodiscard]] absl::StatusOr<bool> ParseBool(std::string_view text);

[[nodiscard]] absl::StatusOr<int64_t> ParseInteger(std::string_view text);
[[nodiscard]] absl::StatusOr<double> ParseNumber(std::string_view text);  // finite only

// Comma-separated items, each trimmed; empty items dropped.
[[nodiscard]] std::vector<std::string> SplitList(std::string_view text);

// "host:port" (IPv6 hosts in brackets, port 0..65535; 0 asks the kernel for a free port) or
// "unix:/path" (gRPC only: allow_unix).
[[nodiscard]] absl::Status CheckListenAddress(std::string_view address, bool allow_unix);

// "auto", "cpu", "cuda" or "cuda:N"; the text is returned lowercase.
[[nodiscard]] absl::StatusOr<std::string> ParseDeviceName(std::string_view text);

}  // namespace infip::server
