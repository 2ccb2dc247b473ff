// A minimal JSON object writer for machine-readable command output: strings, numbers,
// booleans, number lists and nested JSON, emitted in insertion order as one line. Non-finite
// numbers become null, which JSON has no other spelling for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace infip::cli {

class JsonObject {
 public:
  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  JsonObject& Add(std::string_view key, double value);
  JsonObject& Add(std::string_view key, int64_t value);
  JsonObject& Add(std::string_view key, bool value);
  JsonObject& Add(std::string_view key, const std::vector<double>& values);
  JsonObject& Add(std::string_view key, const std::vector<int64_t>& values);
  // `json` must already be valid JSON (e.g. another object's ToString()).
  JsonObject& AddRaw(std::string_view key, std::string_view json);

  [[nodiscard]] std::string ToString() const { return "{" + body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_;
};

// "[a,b,...]" of values that are already JSON (objects' ToString(), JsonQuote'd strings).
[[nodiscard]] std::string JsonArray(const std::vector<std::string>& json_values);
[[nodiscard]] std::string JsonQuote(std::string_view text);
[[nodiscard]] std::string JsonNumber(double value);

}  // namespace infip::cli
