#include "infip/verdict/base64.h"

#include <array>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace infip::verdict {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum class Alphabet { kUnknown, kStandard, kUrlSafe };

// The 6-bit value of c, or -1; records which alphabet its non-alphanumeric characters came
// from.
int SextetOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

Alphabet AlphabetOf(char c) {
  if (c == '+' || c == '/') return Alphabet::kStandard;
  if (c == '-' || c == '_') return Alphabet::kUrlSafe;
  return Alphabet::kUnknown;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kStandard[(v >> 18) & 63];
    out += kStandard[(v >> 12) & 63];
    out += kStandard[(v >> 6) & 63];
    out += kStandard[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += kStandard[(v >> 18) & 63];
    out += kStandard[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t v =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kStandard[(v >> 18) & 63];
    out += kStandard[(v >> 12) & 63];
    out += kStandard[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  // Padding: none, or exactly enough to make the length a multiple of 4.
  size_t padding = 0;
  while (padding < text.size() && padding < 2 && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0 && text.size() % 4 != 0) {
    return absl::InvalidArgumentError("base64: wrong amount of '=' padding");
  }
  if (body.size() % 4 == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("base64: impossible length ", body.size(), " (a lone final character)"));
  }

  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  Alphabet alphabet = Alphabet::kUnknown;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    const int sextet = SextetOf(c);
    if (sextet < 0) {
      return absl::InvalidArgumentError(
          c == '=' ? absl::StrCat("base64: '=' inside the text at position ", i)
                   : absl::StrCat("base64: invalid character at position ", i));
    }
    const Alphabet a = AlphabetOf(c);
    if (a != Alphabet::kUnknown) {
      if (alphabet != Alphabet::kUnknown && a != alphabet) {
        return absl::InvalidArgumentError(
            absl::StrCat("base64: standard and URL-safe characters mixed (position ", i, ")"));
      }
      alphabet = a;
    }
    acc = (acc << 6) | static_cast<uint32_t>(sextet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("base64: non-zero unused bits in the final character");
  }
  return out;
}

}  // namespace infip::verdict
