#include "infip/verdict/json_fields.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"

namespace infip::verdict::internal {
namespace {

const char* TypeName(const nlohmann::json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "null";
}

constexpr char kRfc3339UtcFormat[] = "%Y-%m-%d%ET%H:%M:%E*SZ";

}  // namespace

absl::StatusOr<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what) {
  // One set of keys per open object; a key seen twice in the same object is an error.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto track_keys = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                        nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() && duplicate.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), track_keys);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": not valid JSON: ", e.what()));
  }
  if (!duplicate.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": the key \"", duplicate, "\" appears twice in one object"));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": expected a JSON object, got ", TypeName(doc)));
  }
  return doc;
}

bool JsonFields::Has(std::string_view name) const {
  return object_.find(std::string(name)) != object_.end();
}

std::string JsonFields::PathOf(std::string_view name) const {
  return path_.empty() ? std::string(name) : absl::StrCat(path_, ".", ToAbsl(name));
}

absl::StatusOr<const nlohmann::json*> JsonFields::Member(std::string_view name,
                                                         const char* expected,
                                                         IsType is_type) const {
  const auto it = object_.find(std::string(name));
  if (it == object_.end()) {
    return absl::InvalidArgumentError(absl::StrCat(PathOf(name), ": missing"));
  }
  const nlohmann::json& value = *it;
  if (!(value.*is_type)()) {
    return absl::InvalidArgumentError(
        absl::StrCat(PathOf(name), ": expected ", expected, ", got ", TypeName(value)));
  }
  return &value;
}

absl::StatusOr<std::string> JsonFields::String(std::string_view name) const {
  absl::StatusOr<const nlohmann::json*> value =
      Member(name, "a string", &nlohmann::json::is_string);
  if (!value.ok()) return value.status();
  return (*value)->get<std::string>();
}

absl::StatusOr<double> JsonFields::Number(std::string_view name) const {
  absl::StatusOr<const nlohmann::json*> value =
      Member(name, "a number", &nlohmann::json::is_number);
  if (!value.ok()) return value.status();
  return (*value)->get<double>();
}

absl::StatusOr<int64_t> JsonFields::Integer(std::string_view name) const {
  absl::StatusOr<const nlohmann::json*> value =
      Member(name, "an integer", &nlohmann::json::is_number_integer);
  if (!value.ok()) return value.status();
  if ((*value)->is_number_unsigned() &&
      (*value)->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(PathOf(name), ": out of range"));
  }
  return (*value)->get<int64_t>();
}

absl::StatusOr<bool> JsonFields::Bool(std::string_view name) const {
  absl::StatusOr<const nlohmann::json*> value =
      Member(name, "a boolean", &nlohmann::json::is_boolean);
  if (!value.ok()) return value.status();
  return (*value)->get<bool>();
}

absl::StatusOr<absl::Time> JsonFields::Time(std::string_view name) const {
  absl::StatusOr<std::string> text = String(name);
  if (!text.ok()) return text.status();
  absl::StatusOr<absl::Time> time = ParseRfc3339Utc(*text);
  if (!time.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(PathOf(name), ": ", time.status().message()));
  }
  return time;
}

absl::StatusOr<const nlohmann::json*> JsonFields::Object(std::string_view name) const {
  return Member(name, "an object", &nlohmann::json::is_object);
}

absl::StatusOr<const nlohmann::json*> JsonFields::Array(std::string_view name) const {
  return Member(name, "an array", &nlohmann::json::is_array);
}

std::string FormatRfc3339Utc(absl::Time time) {
  return absl::FormatTime(kRfc3339UtcFormat, time, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseRfc3339Utc(std::string_view text) {
  const std::string quoted = absl::StrCat("\"", ToAbsl(text), "\"");
  if (text.empty() || text.back() != 'Z') {
    return absl::InvalidArgumentError(
        absl::StrCat(quoted, " is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)"));
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(kRfc3339UtcFormat, std::string(text), absl::UTCTimeZone(), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(quoted, " is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ): ", error));
  }
  return time;
}

absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& doc, std::string_view what) {
  try {
    return doc.dump();
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": cannot be written as JSON: ", e.what()));
  }
}

}  // namespace infip::verdict::internal
