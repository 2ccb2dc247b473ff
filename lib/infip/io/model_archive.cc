#include "infip/io/model_archive.h"

#include <caffe2/serialize/versions.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "infip/common/status_macros.h"
#include "infip/io/torchscript_source_scan.h"
#include "infip/io/zip_directory.h"

namespace infip::io {
namespace {

constexpr std::string_view kLocalHeaderMagic("PK\x03\x04", 4);
// torch::jit::load takes its flatbuffer path when these bytes sit at offset 4, zip or not.
constexpr std::string_view kFlatbufferMagic = "PTMF";
constexpr int64_t kMaxVersionBytes = 32;
// The scan holds one source in memory at a time; a generated one is kilobytes.
constexpr int64_t kMaxSourceBytes = int64_t{64} << 20;

// What an entry is, by its path inside the top-level directory.
enum class EntryKind {
  kVersion,      // version
  kDataVersion,  // .data/version, which the loader prefers
  kDataPickle,   // data.pkl
  kConstants,    // constants.pkl
  kCodeSource,   // code/**.py
  kOther,        // tensors, debug pickles, extra files, ...
};

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status ArchiveError(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("model archive: ", View(what)));
}

absl::Status EntryError(std::string_view name, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("model archive entry ", QuoteZipName(name), ": ", View(what)));
}

// Status from the zip layer, put in context.
absl::Status InContext(const absl::Status& s) {
  if (s.ok() || s.code() != absl::StatusCode::kInvalidArgument) return s;
  return ArchiveError(std::string(s.message()));
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool IsDecimal(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The top-level directory of a name, checking what every name must be: printable ASCII, no
// backslash, relative, no empty, "." or ".." component, inside a directory.
absl::StatusOr<std::string_view> TopDirectory(std::string_view name) {
  for (char c : name) {
    if (c < 0x20 || c > 0x7e || c == '\\') {
      return EntryError(name, "the name has a byte outside printable ASCII or a backslash");
    }
  }
  if (name.front() == '/') return EntryError(name, "the name is an absolute path");
  for (absl::string_view part : absl::StrSplit(View(name), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return EntryError(name, "the name has an empty, '.' or '..' component");
    }
  }
  const size_t slash = name.find('/');
  if (slash == std::string_view::npos) {
    return EntryError(name, "the entry is not inside the archive's top-level directory");
  }
  return name.substr(0, slash);
}

// The layout rule: what torch.jit.save (LibTorch 1.13 and later) writes, and nothing else.
absl::StatusOr<EntryKind> Classify(std::string_view name, absl::string_view path) {
  if (path == "version") return EntryKind::kVersion;
  if (path == ".data/version") return EntryKind::kDataVersion;
  if (path == "data.pkl") return EntryKind::kDataPickle;
  if (path == "constants.pkl") return EntryKind::kConstants;
  // bytecode.pkl: the lite interpreter's copy, which torch::jit::load does not read;
  // .data/serialization_id and byteorder: written by later torch versions.
  if (path == "bytecode.pkl" || path == ".data/serialization_id" || path == "byteorder") {
    return EntryKind::kOther;
  }
  if (absl::ConsumePrefix(&path, "data/") || absl::ConsumePrefix(&path, "constants/")) {
    if (IsDecimal(std::string_view(path.data(), path.size())))
      return EntryKind::kOther;  // tensor storages, named by index
    return EntryError(name, "a tensor storage is named by a decimal index");
  }
  if (absl::ConsumePrefix(&path, "extra/")) return EntryKind::kOther;  // read only on request
  if (absl::ConsumePrefix(&path, "code/")) {
    const bool debug = absl::ConsumeSuffix(&path, ".py.debug_pkl");
    if (!debug && !absl::ConsumeSuffix(&path, ".py")) {
      return EntryError(name, "code/ holds only .py sources and their .py.debug_pkl");
    }
    for (absl::string_view part : absl::StrSplit(path, '/')) {
      if (!IsIdentifier(std::string_view(part.data(), part.size()))) {
        return EntryError(name, "a code/ path is a qualified name: identifiers joined by '/'");
      }
    }
    return debug ? EntryKind::kOther : EntryKind::kCodeSource;
  }
  if (path == "model.json") {
    return EntryError(name,
                      "model.json marks the legacy (pre-1.4) format, which "
                      "torch::jit::load reads by another path; it is not accepted");
  }
  return EntryError(name,
                    "not part of a TorchScript archive (docs/model-archives.md lists "
                    "the entries accepted)");
}

struct Layout {
  std::string root;
  std::vector<EntryKind> kinds;  // parallel to the entries
};

absl::StatusOr<Layout> CheckLayout(const std::vector<ZipEntry>& entries) {
  if (entries.empty()) return ArchiveError("the zip archive holds no entries");
  Layout layout;
  // LibTorch takes the top-level directory from the first central directory record.
  INFIP_ASSIGN_OR_RETURN(std::string_view root, TopDirectory(entries[0].name));
  layout.root = std::string(root);
  std::unordered_set<std::string> seen;
  bool version = false, data = false, constants = false, code = false;
  for (const ZipEntry& e : entries) {
    INFIP_ASSIGN_OR_RETURN(std::string_view top, TopDirectory(e.name));
    if (top != root) {
      return EntryError(e.name, absl::StrCat("outside the archive's one top-level directory ",
                                             QuoteZipName(root)));
    }
    // miniz, LibTorch's reader, looks names up ignoring ASCII case.
    if (!seen.insert(absl::AsciiStrToLower(e.name)).second) {
      return EntryError(e.name,
                        "a second entry of this name (compared ignoring case, as "
                        "LibTorch's zip reader looks names up)");
    }
    INFIP_ASSIGN_OR_RETURN(EntryKind kind,
                           Classify(e.name, absl::string_view(e.name).substr(root.size() + 1)));
    version |= kind == EntryKind::kVersion || kind == EntryKind::kDataVersion;
    data |= kind == EntryKind::kDataPickle;
    constants |= kind == EntryKind::kConstants;
    code |= kind == EntryKind::kCodeSource;
    layout.kinds.push_back(kind);
  }
  const std::string prefix = QuoteZipName(layout.root);
  if (!version) return ArchiveError(absl::StrCat("no ", prefix, "/version or .data/version entry"));
  if (!data) return ArchiveError(absl::StrCat("no ", prefix, "/data.pkl entry (the module)"));
  if (!constants) return ArchiveError(absl::StrCat("no ", prefix, "/constants.pkl entry"));
  if (!code) return ArchiveError(absl::StrCat("no ", prefix, "/code/ sources"));
  return layout;
}

// The caps, from the declared sizes alone, before anything is inflated.
absl::StatusOr<int64_t> CheckSizes(const std::vector<ZipEntry>& entries,
                                   const ArchiveLimits& limits) {
  int64_t total = 0;
  for (const ZipEntry& e : entries) {
    // Each size is below 2^63 (zip_directory.h), so the sum is checked before it can overflow.
    if (e.uncompressed_size > limits.max_uncompressed_bytes - total) {
      return EntryError(e.name, absl::StrCat("its ", e.uncompressed_size,
                                             " bytes bring the archive's uncompressed total past "
                                             "the limit of ",
                                             limits.max_uncompressed_bytes, " bytes"));
    }
    total += e.uncompressed_size;
    if (e.method == ZipMethod::kDeflated && e.uncompressed_size >= limits.ratio_floor_bytes) {
      const double ratio = static_cast<double>(e.uncompressed_size) /
                           static_cast<double>(std::max<int64_t>(e.compressed_size, 1));
      if (!(ratio <= limits.max_compression_ratio)) {
        return EntryError(
            e.name, absl::StrCat("it expands ", static_cast<int64_t>(ratio), " times (",
                                 e.compressed_size, " to ", e.uncompressed_size,
                                 " bytes), more than the limit of ", limits.max_compression_ratio));
      }
    }
  }
  return total;
}

// "N" or "N\n" with N in LibTorch's supported range, as PyTorchStreamReader reads it.
absl::Status CheckVersion(const ZipEntry& e, absl::string_view text) {
  absl::string_view digits = text;
  absl::ConsumeSuffix(&digits, "\n");
  uint64_t version = 0;
  if (!IsDecimal(std::string_view(digits.data(), digits.size())) ||
      !absl::SimpleAtoi(digits, &version)) {
    return EntryError(e.name, "a format version is a decimal number and a newline");
  }
  if (version < caffe2::serialize::kMinSupportedFileFormatVersion ||
      version > caffe2::serialize::kMaxSupportedFileFormatVersion) {
    return EntryError(e.name, absl::StrCat("format version ", version, " is outside the ",
                                           caffe2::serialize::kMinSupportedFileFormatVersion, "..",
                                           caffe2::serialize::kMaxSupportedFileFormatVersion,
                                           " that this LibTorch reads"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ArchiveSummary> CheckModelArchive(std::string_view bytes,
                                                 const ArchiveLimits& limits) {
  if (bytes.substr(0, kLocalHeaderMagic.size()) != kLocalHeaderMagic) {
    return ArchiveError(
        "it does not start with a zip local header, as every TorchScript "
        "archive does (a torch.save pickle or a flatbuffer file does not)");
  }
  if (bytes.substr(4, kFlatbufferMagic.size()) == kFlatbufferMagic) {
    return ArchiveError(
        "it carries the flatbuffer identifier 'PTMF' at offset 4, which would "
        "send torch::jit::load down its flatbuffer path");
  }
  absl::StatusOr<std::vector<ZipEntry>> entries = ReadZipDirectory(bytes, limits.max_entries);
  if (!entries.ok()) return InContext(entries.status());
  INFIP_ASSIGN_OR_RETURN(const int64_t total, CheckSizes(*entries, limits));
  INFIP_ASSIGN_OR_RETURN(Layout layout, CheckLayout(*entries));

  ArchiveSummary summary;
  summary.root = layout.root;
  summary.entries = static_cast<int64_t>(entries->size());
  summary.uncompressed_bytes = total;
  for (size_t i = 0; i < entries->size(); ++i) {
    const ZipEntry& e = (*entries)[i];
    const EntryKind kind = layout.kinds[i];
    if (kind == EntryKind::kVersion || kind == EntryKind::kDataVersion) {
      if (e.uncompressed_size > kMaxVersionBytes) {
        return EntryError(e.name, absl::StrCat("a version entry of ", e.uncompressed_size,
                                               " bytes (a format version is a short number)"));
      }
      std::string text;
      INFIP_RETURN_IF_ERROR(InContext(ReadZipEntry(bytes, e, &text)));
      INFIP_RETURN_IF_ERROR(CheckVersion(e, text));
      continue;
    }
    if (kind == EntryKind::kCodeSource) ++summary.code_files;
    if (kind == EntryKind::kCodeSource && limits.scan_source) {
      if (e.uncompressed_size > kMaxSourceBytes) {
        return EntryError(
            e.name, absl::StrCat("a source of ", e.uncompressed_size, " bytes, more than the ",
                                 kMaxSourceBytes, " scanned"));
      }
      std::string source;
      INFIP_RETURN_IF_ERROR(InContext(ReadZipEntry(bytes, e, &source)));
      INFIP_RETURN_IF_ERROR(ScanTorchScriptSource(source, e.name));
      continue;
    }
    INFIP_RETURN_IF_ERROR(InContext(ReadZipEntry(bytes, e, nullptr)));
  }
  return summary;
}

}  // namespace infip::io
