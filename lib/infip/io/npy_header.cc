#include "infip/io/npy_header.h"

#include <cstring>
#include <limits>
#include <map>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/io/limits.h"

namespace infip::io {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
// numpy refuses headers above 10000 bytes by default; a little room beyond that is plenty.
constexpr size_t kMaxHeaderBytes = 1 << 16;
constexpr size_t kMaxRank = 32;

using Shape = std::vector<int64_t>;
using Value = std::variant<std::string, bool, Shape>;

// Recursive descent over the one dict literal numpy writes; any other syntax is an error.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text.data(), text.size()) {}

  absl::StatusOr<std::map<std::string, Value>> ParseDict() {
    std::map<std::string, Value> dict;
    INFIP_RETURN_IF_ERROR(Expect('{'));
    while (!Accept('}')) {
      INFIP_ASSIGN_OR_RETURN(std::string key, ParseString());
      INFIP_RETURN_IF_ERROR(Expect(':'));
      INFIP_ASSIGN_OR_RETURN(Value value, ParseValue());
      if (!dict.emplace(key, std::move(value)).second) return Error("duplicate key");
      if (!Accept(',')) {
        INFIP_RETURN_IF_ERROR(Expect('}'));
        break;
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("text after the dict");
    return dict;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed header (", what, " at offset ", pos_, "): ", text_.substr(0, 200)));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool Accept(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  absl::Status Expect(char c) {
    if (Accept(c)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", std::string(1, c), "'"));
  }
  bool AcceptWord(absl::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::StatusOr<std::string> ParseString() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return Error("expected a string");
    }
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == absl::string_view::npos) return Error("unterminated string");
    std::string s(text_.substr(pos_, end - pos_));
    // Escapes never occur in the keys and dtype strings numpy writes.
    if (s.find('\\') != std::string::npos) return Error("escape in string");
    pos_ = end + 1;
    return s;
  }

  absl::StatusOr<int64_t> ParseInt() {
    SkipSpace();
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
      const int digit = text_[pos_++] - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return Error("huge dimension");
      v = v * 10 + digit;
    }
    if (pos_ == start) return Error("expected a dimension");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
    return v;
  }

  absl::StatusOr<Value> ParseValue() {
    SkipSpace();
    if (AcceptWord("True")) return Value(true);
    if (AcceptWord("False")) return Value(false);
    if (Accept('(')) {
      Shape shape;
      while (!Accept(')')) {
        INFIP_ASSIGN_OR_RETURN(int64_t dim, ParseInt());
        shape.push_back(dim);
        if (!Accept(',')) {
          INFIP_RETURN_IF_ERROR(Expect(')'));
          break;
        }
      }
      return Value(std::move(shape));
    }
    if (pos_ < text_.size() && text_[pos_] == '[') {
      return Error("structured dtypes are not supported");
    }
    INFIP_ASSIGN_OR_RETURN(std::string s, ParseString());
    return Value(std::move(s));
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

struct DtypeInfo {
  std::string_view descr;
  torch::ScalarType dtype;
  int64_t file_item_bytes;
};

constexpr DtypeInfo kDtypes[] = {
    {"<f4", torch::kFloat, 4},
    {"<f8", torch::kFloat, 8},  // float64 narrowed on read
    {"|u1", torch::kUInt8, 1},
    {"<i8", torch::kLong, 8},
};

absl::StatusOr<DtypeInfo> LookUpDtype(std::string descr) {
  // Byte order is meaningless for one-byte types; numpy writes '|', others may write '<'.
  if (descr == "<u1" || descr == "u1" || descr == "=u1") descr = "|u1";
  for (const DtypeInfo& info : kDtypes) {
    if (descr == info.descr) return info;
  }
  if (!descr.empty() && descr[0] == '>') {
    return absl::InvalidArgumentError(
        absl::StrCat("big-endian dtype '", descr, "' is not supported; save little-endian"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported dtype '", descr, "'; expected <f4, <f8, |u1 or <i8"));
}

uint32_t LittleEndian(std::string_view bytes) {
  uint32_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

}  // namespace

absl::StatusOr<size_t> NpyHeaderEnd(std::string_view prefix, absl::string_view source) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", why));
  };
  if (prefix.size() < 10 || prefix.substr(0, kMagic.size()) != kMagic) {
    return invalid("not an npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(prefix[6]);
  if (major == 1) return 10 + size_t{LittleEndian(prefix.substr(8, 2))};
  if (major != 2 && major != 3) {
    return invalid(absl::StrCat("unsupported npy format version ", major, ".",
                                static_cast<unsigned char>(prefix[7])));
  }
  if (prefix.size() < 12) return invalid("file ends inside the header");
  const uint32_t length = LittleEndian(prefix.substr(8, 4));
  if (length > kMaxHeaderBytes) {
    return invalid(absl::StrCat("header length ", length, " exceeds ", kMaxHeaderBytes));
  }
  return 12 + size_t{length};
}

absl::StatusOr<NpyHeader> ParseNpyHeader(std::string_view bytes, absl::string_view source) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", why));
  };
  INFIP_ASSIGN_OR_RETURN(const size_t end, NpyHeaderEnd(bytes, source));
  if (bytes.size() < end) return invalid("file ends inside the header");
  const size_t start = static_cast<unsigned char>(bytes[6]) == 1 ? 10 : 12;
  auto dict = HeaderParser(bytes.substr(start, end - start)).ParseDict();
  if (!dict.ok()) return invalid(dict.status().message());
  if (dict->size() != 3 || !dict->contains("descr") || !dict->contains("fortran_order") ||
      !dict->contains("shape")) {
    return invalid("header must have exactly the keys descr, fortran_order and shape");
  }
  const auto* descr = std::get_if<std::string>(&dict->at("descr"));
  const auto* fortran = std::get_if<bool>(&dict->at("fortran_order"));
  const auto* shape = std::get_if<Shape>(&dict->at("shape"));
  if (descr == nullptr || fortran == nullptr || shape == nullptr) {
    return invalid("header values have the wrong types");
  }
  if (*fortran) return invalid("Fortran-order arrays are not supported; save in C order");
  auto info = LookUpDtype(*descr);
  if (!info.ok()) return invalid(info.status().message());

  NpyHeader header;
  header.descr = std::string(info->descr);
  header.dtype = info->dtype;
  header.shape = *shape;
  header.data_offset = end;
  const auto too_large = [&] {
    return invalid(absl::StrCat("array of shape (", absl::StrJoin(header.shape, ", "),
                                ") exceeds the limit of ", kMaxArrayBytes, " bytes"));
  };
  if (header.shape.size() > kMaxRank) return invalid("too many dimensions");
  for (int64_t dim : header.shape) {
    if (dim > kMaxArrayBytes) return too_large();
  }
  // Overflow-safe: every partial product stays at or below kMaxArrayBytes.
  header.data_bytes = info->file_item_bytes;
  for (int64_t dim : header.shape) {
    if (dim == 0) {
      header.data_bytes = 0;
      break;
    }
    if (header.data_bytes > kMaxArrayBytes / dim) return too_large();
    header.data_bytes *= dim;
  }
  return header;
}

std::string FormatNpyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
  // Python's tuple repr: "()", "(3,)", "(2, 3)".
  std::string shape_text =
      absl::StrCat("(", absl::StrJoin(shape, ", "), shape.size() == 1 ? ",)" : ")");
  std::string dict =
      absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape_text, ", }");
  constexpr size_t kPreamble = 10;
  const size_t unpadded = kPreamble + dict.size() + 1;  // + the closing newline
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  const size_t length = dict.size();
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(length >> 8));
  return out + dict;
}

}  // namespace infip::io
