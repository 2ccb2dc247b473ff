#include "server/logging.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace infip::server {
namespace {

constexpr char kRequestLoggerName[] = "request";
constexpr char kAuditLoggerName[] = "audit";
std::atomic<LogFormat> g_format{LogFormat::kText};

// Length of the UTF-8 sequence starting at s[i] when it is well formed, else 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t n = 0;
  uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// %* in a pattern: the message as the inside of a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        JsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::unique_ptr<spdlog::formatter> MakeFormatter(const std::string& pattern) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      spdlog::pattern_time_type::utc, spdlog::details::os::default_eol);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(pattern);
  return formatter;
}

constexpr char kJsonTime[] = R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n",)";

}  // namespace

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t n = Utf8Length(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

void ConfigureLogging(spdlog::level::level_enum level, LogFormat format) {
  g_format = format;
  // One sink each, since a sink holds its logger's format; spdlog's console sinks share one
  // lock, so lines of the two loggers never interleave.
  auto main_logger = std::make_shared<spdlog::logger>(
      "infip", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto request_logger = std::make_shared<spdlog::logger>(
      kRequestLoggerName, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto audit_logger = std::make_shared<spdlog::logger>(
      kAuditLoggerName, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == LogFormat::kJson) {
    main_logger->set_formatter(MakeFormatter(absl::StrCat(kJsonTime, R"("message":"%*"})")));
    // The request and audit lines' messages are already lists of JSON members.
    request_logger->set_formatter(MakeFormatter(absl::StrCat(kJsonTime, "%v}")));
    audit_logger->set_formatter(MakeFormatter(absl::StrCat(kJsonTime, "%v}")));
  } else {
    main_logger->set_formatter(MakeFormatter("[%Y-%m-%dT%H:%M:%S.%eZ] [%l] %v"));
    request_logger->set_formatter(MakeFormatter("[%Y-%m-%dT%H:%M:%S.%eZ] [%l] request %v"));
    audit_logger->set_formatter(MakeFormatter("[%Y-%m-%dT%H:%M:%S.%eZ] [%l] audit %v"));
  }
  main_logger->set_level(level);
  request_logger->set_level(level);
  // Audit lines are kept whatever the level, short of "off": they are the record of access.
  audit_logger->set_level(level == spdlog::level::off ? level : spdlog::level::info);
  spdlog::drop(kRequestLoggerName);
  spdlog::register_logger(request_logger);
  spdlog::drop(kAuditLoggerName);
  spdlog::register_logger(audit_logger);
  spdlog::set_default_logger(main_logger);
}

std::shared_ptr<spdlog::logger> RequestLogger() {
  if (auto logger = spdlog::get(kRequestLoggerName)) return logger;
  static std::once_flag once;
  std::call_once(once, [] {
    if (!spdlog::get(kRequestLoggerName)) {
      spdlog::register_logger(std::make_shared<spdlog::logger>(
          kRequestLoggerName, std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    }
  });
  return spdlog::get(kRequestLoggerName);
}

std::shared_ptr<spdlog::logger> AuditLogger() {
  if (auto logger = spdlog::get(kAuditLoggerName)) return logger;
  static std::once_flag once;
  std::call_once(once, [] {
    if (!spdlog::get(kAuditLoggerName)) {
      spdlog::register_logger(std::make_shared<spdlog::logger>(
          kAuditLoggerName, std::make_shared<spdlog::sinks::stderr_sink_mt>()));
    }
  });
  return spdlog::get(kAuditLoggerName);
}

LogFormat CurrentLogFormat() { return g_format; }

}  // namespace infip::server
