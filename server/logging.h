// Logging of infip-server through spdlog, to stderr, times in UTC. Three loggers:
//   - the default logger, which the library writes to as well (model loading, store, ...);
//   - "request": one structured line per RPC (request_log.h);
//   - "audit": one structured line per registration, deletion and evidence read, with the
//     principal (request_log.h).
// With LogFormat::kJson every line, from either logger, is one JSON object:
//   {"time":"2024-05-01T12:00:00.123456Z","level":"info","logger":"infip","message":"..."}
//   {"time":"...","level":"info","logger":"request","method":"Verify","peer":"ipv4:...",...}
// so a log shipper never has to parse free text.
//
//   ConfigureLogging(spdlog::level::info, LogFormat::kJson);
//   spdlog::info("listening on {}", address);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/config.h"
#include "spdlog/logger.h"

namespace infip::server {

void ConfigureLogging(spdlog::level::level_enum level, LogFormat format);

// The request logger ConfigureLogging set up (a plain stderr one before that).
[[nodiscard]] std::shared_ptr<spdlog::logger> RequestLogger();
// The audit logger, likewise.
[[nodiscard]] std::shared_ptr<spdlog::logger> AuditLogger();
[[nodiscard]] LogFormat CurrentLogFormat();

// `text` as the inside of a JSON string: quotes, backslashes and control characters escaped;
// bytes that are not valid UTF-8 become U+FFFD, so every line stays valid JSON.
[[nodiscard]] std::string JsonEscape(std::string_view text);

}  // namespace infip::server
