#include "infip/io/torchscript_source_scan.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "infip/io/zip_directory.h"

namespace infip::io {
namespace {

// Parts of a torch.* / ops.* name that reach outside the process's memory, with the reason.
struct RefusedOperation {
  std::string_view name;
  std::string_view reason;
};
constexpr std::array<RefusedOperation, 7> kRefusedOperations = {{
    {"save", "writes a file (aten::save)"},
    {"from_file", "reads or maps a file (aten::from_file)"},
    {"load", "reads a file"},
    {"load_library", "loads a shared library"},
    {"rpc_async", "calls another process (prim::rpc_async)"},
    {"rpc_sync", "calls another process (prim::rpc_sync)"},
    {"rpc_remote", "calls another process (prim::rpc_remote)"},
}};
// Operator namespaces a model may call: everything else registered in LibTorch 1.13 is
// distributed collectives (c10d), profiler, test, static-runtime or backend-specific operators.
constexpr std::array<std::string_view, 3> kOperatorNamespaces = {"aten", "prim", "quantized"};
// Custom C++ class namespaces a model may use: quantized packed parameters. Others include
// _nnapi (loads a library), c10d and dist_rpc (other processes), profiling.
constexpr std::array<std::string_view, 1> kClassNamespaces = {"quantized"};
constexpr std::string_view kSetState = "__setstate__";

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

enum class TokenKind { kName, kNumber, kString, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // a string token's text includes its quotes
  size_t offset = 0;
  bool starts_line = false;  // a newline outside brackets came before it
};

bool IsNameStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// Splits source into tokens the way TorchScript's lexer (torch/csrc/jit/frontend/lexer.h)
// does where it matters for names: the same string quoting and escapes, `#` comments, and
// backslash-newline continuations. Where the two could differ the scan errs towards seeing
// more code: comments end at '\r' as well as '\n', "# type:" comments are read as code,
// numbers never swallow letters other than an exponent, and text TorchScript would not accept
// in a string or name position (an unterminated string, a byte outside ASCII outside strings
// and comments) is an error.
class Lexer {
 public:
  explicit Lexer(std::string_view source) : s_(source) {}

  // The next token, kEnd at the end of the source or after an error (see status()).
  Token Next() {
    bool newline = false;
    SkipSpace(&newline);
    Token t;
    t.offset = pos_;
    t.starts_line = newline && depth_ == 0;
    if (pos_ >= s_.size() || !status_.ok()) return t;
    const char c = s_[pos_];
    size_t end = pos_ + 1;
    if (IsNameStart(c)) {
      while (end < s_.size() && IsNameChar(s_[end])) ++end;
      t.kind = TokenKind::kName;
    } else if (IsDigit(c) || (c == '.' && end < s_.size() && IsDigit(s_[end]))) {
      end = NumberEnd(pos_);
      t.kind = TokenKind::kNumber;
    } else if (c == '"' || c == '\'') {
      end = StringEnd(pos_);
      if (end == std::string_view::npos) {
        status_ = Error(pos_, "a string is not terminated on its line or in the file");
        return Token{};
      }
      t.kind = TokenKind::kString;
    } else if (static_cast<unsigned char>(c) >= 0x80 ||
               (absl::ascii_iscntrl(static_cast<unsigned char>(c)))) {
      status_ = Error(pos_, "a byte outside printable ASCII outside strings and comments");
      return Token{};
    } else {
      t.kind = TokenKind::kPunct;
      if (c == '(' || c == '[' || c == '{') ++depth_;
      if ((c == ')' || c == ']' || c == '}') && depth_ > 0) --depth_;
    }
    t.text = s_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  }

  const absl::Status& status() const { return status_; }

  // "line N" for an offset, for messages.
  std::string Where(size_t offset) const {
    return absl::StrCat("line ",
                        std::count(s_.begin(), s_.begin() + std::min(offset, s_.size()), '\n') + 1);
  }

  absl::Status Error(size_t offset, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(Where(offset), ": ", View(what)));
  }

 private:
  void SkipSpace(bool* newline) {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\n') {
        *newline = true;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
      } else if (c == '\\' && pos_ + 2 < s_.size() && s_[pos_ + 1] == '\r' &&
                 s_[pos_ + 2] == '\n') {
        pos_ += 3;
      } else if (c == '#') {
        // TorchScript parses a "# type:" comment (a function's signature): scan it as code.
        if (s_.substr(pos_, 7) == "# type:") {
          pos_ += 7;
          continue;
        }
        while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
      } else {
        return;
      }
    }
  }

  // digits [. digits] [e [+-] digits], or . digits [...]: never a letter but the exponent's.
  size_t NumberEnd(size_t p) const {
    auto digits = [&](size_t q) {
      while (q < s_.size() && IsDigit(s_[q])) ++q;
      return q;
    };
    p = digits(p);
    if (p < s_.size() && s_[p] == '.') p = digits(p + 1);
    if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
      size_t q = p + 1;
      if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
      if (q < s_.size() && IsDigit(s_[q])) p = digits(q);
    }
    return p;
  }

  bool QuoteRun(size_t p, char quote, size_t n) const {
    if (p > s_.size() || s_.size() - p < n) return false;
    for (size_t i = 0; i < n; ++i) {
      if (s_[p + i] != quote) return false;
    }
    return true;
  }

  // TorchScript's Lexer::isString: one or three quotes, a backslash skips the next byte, a
  // newline ends a one-quote string unterminated. npos when it is not a string.
  size_t StringEnd(size_t start) const {
    const char quote = s_[start];
    const size_t quotes = QuoteRun(start, quote, 3) ? 3 : 1;
    size_t end = start + quotes;
    while (end < s_.size() && !QuoteRun(end, quote, quotes)) {
      if (s_[end] == '\n' && quotes != 3) return std::string_view::npos;
      if (s_[end] == '\\') ++end;
      ++end;
    }
    if (end >= s_.size()) return std::string_view::npos;
    return end + quotes;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  absl::Status status_;
};

// A string token's value, escapes decoded as Python and TorchScript decode them, for
// comparing with a name (non-ASCII code points become '?').
std::string StringValue(std::string_view token) {
  const size_t quotes = token.size() >= 6 && token[1] == token[0] && token[2] == token[0] ? 3 : 1;
  const std::string_view body = token.substr(quotes, token.size() - 2 * quotes);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out.push_back(body[i]);
      continue;
    }
    const char e = body[++i];
    auto hex = [&](size_t digits) {
      uint32_t v = 0;
      size_t n = 0;
      while (n < digits && i + 1 < body.size() &&
             absl::ascii_isxdigit(static_cast<unsigned char>(body[i + 1]))) {
        const char h = absl::ascii_tolower(static_cast<unsigned char>(body[++i]));
        v = v * 16 + static_cast<uint32_t>(IsDigit(h) ? h - '0' : h - 'a' + 10);
        ++n;
      }
      out.push_back(v < 0x80 ? static_cast<char>(v) : '?');
    };
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\n':
        break;
      case 'x':
        hex(2);
        break;
      case 'u':
        hex(4);
        break;
      case 'U':
        hex(8);
        break;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int n = 0; n < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
               ++n) {
            v = v * 8 + static_cast<uint32_t>(body[++i] - '0');
          }
          out.push_back(v < 0x80 ? static_cast<char>(v) : '?');
        } else if (e == '\\' || e == '\'' || e == '"') {
          out.push_back(e);
        } else {
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view source) : lexer_(source) {}

  absl::Status Run() {
    Token previous;
    std::string strings;  // adjacent string literals, which TorchScript concatenates
    bool in_strings = false;
    for (Token t = Take(); t.kind != TokenKind::kEnd; previous = t, t = Take()) {
      if (t.kind == TokenKind::kString) {
        strings += StringValue(t.text);
        in_strings = true;
        continue;
      }
      if (in_strings) {
        if (absl::Status s = CheckString(strings, previous.offset); !s.ok()) return s;
        strings.clear();
        in_strings = false;
      }
      if (t.kind != TokenKind::kName) continue;
      if (t.text == kSetState) return SetStateError(t.offset);
      // A name after '.' is an attribute of something that is not a plain name: `(x).y`.
      if (previous.kind == TokenKind::kPunct && previous.text == ".") continue;
      std::vector<std::string_view> parts = {t.text};
      while (Peek(0).kind == TokenKind::kPunct && Peek(0).text == "." &&
             Peek(1).kind == TokenKind::kName) {
        Take();
        const Token part = Take();
        if (part.text == kSetState) return SetStateError(part.offset);
        parts.push_back(part.text);
      }
      const Token& next = Peek(0);
      const bool called = next.kind == TokenKind::kPunct && next.text == "(";
      // `name : Type` opening a line in a class body declares an attribute of that name.
      const bool declared =
          t.starts_line && parts.size() == 1 && next.kind == TokenKind::kPunct && next.text == ":";
      if (absl::Status s = CheckName(parts, called, declared, t.offset); !s.ok()) return s;
    }
    if (in_strings) {
      if (absl::Status s = CheckString(strings, previous.offset); !s.ok()) return s;
    }
    return lexer_.status();
  }

 private:
  Token Take() {
    if (ahead_count_ > 0) {
      Token t = ahead_[0];
      ahead_[0] = ahead_[1];
      --ahead_count_;
      return t;
    }
    return lexer_.Next();
  }
  const Token& Peek(size_t i) {
    while (ahead_count_ <= i) ahead_[ahead_count_++] = lexer_.Next();
    return ahead_[i];
  }

  absl::Status SetStateError(size_t offset) const {
    return lexer_.Error(offset,
                        "defines or names __setstate__, which torch::jit::load runs "
                        "while it unpickles the module");
  }

  absl::Status CheckString(const std::string& value, size_t offset) const {
    if (value == kSetState) return SetStateError(offset);
    return absl::OkStatus();
  }

  absl::Status Refuse(const std::vector<std::string_view>& parts, size_t offset,
                      std::string_view why) const {
    std::string name;
    for (std::string_view part : parts) absl::StrAppend(&name, name.empty() ? "" : ".", View(part));
    return lexer_.Error(offset, absl::StrCat(name, " ", View(why)));
  }

  absl::Status CheckName(const std::vector<std::string_view>& parts, bool called, bool declared,
                         size_t offset) const {
    const std::string_view root = parts[0];
    if (root == "__torch__") {
      // __torch__.* names the archive's own classes and functions, except
      // __torch__.torch.classes.<ns>.*, LibTorch's custom C++ classes.
      const bool partial = parts.size() == 1 || (parts[1] == "torch" && parts.size() == 2) ||
                           (parts[1] == "torch" && parts[2] == "classes" && parts.size() == 3);
      if (partial && !declared) {
        return Refuse(parts, offset,
                      "takes a class namespace as a value, which can hide the "
                      "class finally reached");
      }
      if (parts.size() >= 4 && parts[1] == "torch" && parts[2] == "classes" &&
          !Contains(kClassNamespaces, parts[3])) {
        return Refuse(parts, offset,
                      absl::StrCat("uses custom C++ class namespace '", View(parts[3]),
                                   "' (only quantized is allowed)"));
      }
      return absl::OkStatus();
    }
    if (root != "torch" && root != "ops") return absl::OkStatus();
    if (declared) return absl::OkStatus();
    for (std::string_view part : parts) {
      for (const RefusedOperation& op : kRefusedOperations) {
        if (part == op.name) return Refuse(parts, offset, op.reason);
      }
    }
    // torch.ops.<ns> in source written by hand means ops.<ns>.
    const size_t ns = root == "ops" ? 1 : (parts.size() > 1 && parts[1] == "ops" ? 2 : 0);
    if (ns != 0 && parts.size() > ns && !Contains(kOperatorNamespaces, parts[ns])) {
      return Refuse(parts, offset,
                    absl::StrCat("calls operator namespace '", View(parts[ns]),
                                 "' (only aten, prim and quantized are allowed)"));
    }
    if (root == "torch" && parts.size() > 2 && parts[1] == "classes" &&
        !Contains(kClassNamespaces, parts[2])) {
      return Refuse(parts, offset,
                    absl::StrCat("uses custom C++ class namespace '", View(parts[2]),
                                 "' (only quantized is allowed)"));
    }
    const size_t shortest = ns != 0 ? ns + 2 : 2;  // ops.<ns>.<op>, torch.<op>
    if (!called || parts.size() < shortest) {
      return Refuse(parts, offset,
                    "takes a builtin namespace or operator as a value (an alias "
                    "or getattr can hide the operation finally called); only "
                    "direct calls are accepted");
    }
    return absl::OkStatus();
  }

  Lexer lexer_;
  std::array<Token, 2> ahead_;
  size_t ahead_count_ = 0;
};

}  // namespace

absl::Status ScanTorchScriptSource(std::string_view source, std::string_view file_name) {
  absl::Status s = Scanner(source).Run();
  if (s.ok()) return s;
  return absl::InvalidArgumentError(
      absl::StrCat("code file ", QuoteZipName(file_name), ", ", s.message(),
                   "; archives whose code reaches files, libraries or other processes are "
                   "refused (docs/model-archives.md)"));
}

}  // namespace infip::io
