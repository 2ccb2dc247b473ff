// The table behind ServerConfig (config.h): one Setting per flag, with its variable, its help
// and how its text lands in the config. Each family of settings is listed in its own file
// (config.cc: transport, state, work, limits, handles, defaults, process;
// config_sandbox.cc: the sandboxed worker; config_auth.cc: authentication), and
// config.cc's Settings() joins them, so --help and the environment both come from one list.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/config.h"

namespace infip::server {

enum class SettingKind { kValue, kList, kSwitch };

struct Setting {
  const char* flag;
  const char* env;
  SettingKind kind;
  const char* help;
  std::function<absl::Status(std::string_view text, ServerConfig& config)> apply;
};

// `text` as an integer / byte size within [low, high], into *out; INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::Status CheckedInt(std::string_view text, int64_t low, int64_t high,
                                      int64_t* out);
[[nodiscard]] absl::Status CheckedBytes(std::string_view text, int64_t low, int64_t high,
                                        int64_t* out);

[[nodiscard]] std::vector<Setting> SandboxSettings();  // config_sandbox.cc
[[nodiscard]] std::vector<Setting> AuthSettings();     // config_auth.cc

}  // namespace infip::server
