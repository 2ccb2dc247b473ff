#include "infip/fingerprint/file_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "infip/common/status_macros.h"
#include "infip/fingerprint/crc32.h"
#include "infip/fingerprint/header_text.h"

namespace infip::fingerprint {
namespace {

using internal::FormatDouble;
using internal::FormatList;
using internal::HeaderFields;
using internal::HeaderWriter;

constexpr absl::string_view kMagic("INFIPFS\n", 8);
constexpr size_t kPrefixSize = 16;  // magic, version, header length
constexpr size_t kTrailerSize = 4;  // CRC-32
constexpr absl::string_view kFingerprints = "fingerprints";
constexpr absl::string_view kKeyPreview = "key_preview";

void AppendU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFFu);
}

uint32_t ReadU32(absl::string_view bytes, size_t offset) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(bytes[offset + static_cast<size_t>(i)]);
  }
  return v;
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}

absl::Status Malformed(absl::string_view what) {
  return Invalid(absl::StrCat("malformed .infip header: ", what));
}

// One section as the header describes it. `shape` is empty for sections this version does
// not know (they are skipped by size).
struct SectionSpec {
  std::string name;
  uint64_t bytes = 0;
  std::vector<int64_t> shape;
};

void AddSection(HeaderWriter& w, absl::string_view name, const torch::Tensor& t) {
  const std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
  w.Add(absl::StrCat("section.", name, ".dtype"), "uint8");
  w.Add(absl::StrCat("section.", name, ".shape"), FormatList(shape));
  w.Add(absl::StrCat("section.", name, ".bytes"), absl::StrCat(t.numel()));
}

void AppendTensorBytes(std::string& out, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).contiguous();
  out.append(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

absl::StatusOr<std::vector<SectionSpec>> ReadSectionSpecs(const HeaderFields& h) {
  INFIP_ASSIGN_OR_RETURN(std::vector<std::string> names, h.NameList("sections"));
  std::vector<SectionSpec> specs;
  for (const std::string& name : names) {
    for (const SectionSpec& s : specs) {
      if (s.name == name) return Malformed(absl::StrCat("section '", name, "' listed twice"));
    }
    SectionSpec spec;
    spec.name = name;
    INFIP_ASSIGN_OR_RETURN(spec.bytes, h.Uint64(absl::StrCat("section.", name, ".bytes")));
    if (name == kFingerprints || name == kKeyPreview) {
      INFIP_ASSIGN_OR_RETURN(std::string dtype, h.String(absl::StrCat("section.", name, ".dtype")));
      if (dtype != "uint8") {
        return Malformed(
            absl::StrCat("section '", name, "' has dtype '", dtype, "', expected uint8"));
      }
      INFIP_ASSIGN_OR_RETURN(spec.shape, h.Int64List(absl::StrCat("section.", name, ".shape")));
      const size_t want_dims = name == kFingerprints ? 3 : 4;
      if (spec.shape.size() != want_dims) {
        return Malformed(absl::StrCat("section '", name, "' shape must have ", want_dims,
                                      " dimensions, got ", spec.shape.size()));
      }
      // Overflow guard only; whether the bytes are really there is checked against the file
      // size before anything is allocated.
      constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
      uint64_t product = 1;
      for (int64_t d : spec.shape) {
        if (d < 0 || (d > 0 && product > kMax / static_cast<uint64_t>(d))) {
          return Malformed(absl::StrCat("section '", name, "' shape [",
                                        absl::StrJoin(spec.shape, ","), "] is impossible"));
        }
        product *= static_cast<uint64_t>(d);
      }
      if (product != spec.bytes) {
        return Malformed(absl::StrCat("section '", name, "' holds ", spec.bytes,
                                      " bytes but its shape needs ", product));
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

absl::StatusOr<FingerprintMetadata> ReadMetadata(const HeaderFields& h) {
  FingerprintMetadata m;
  INFIP_ASSIGN_OR_RETURN(m.composite, h.String("composite"));
  INFIP_ASSIGN_OR_RETURN(m.composite_rules, h.String("composite_rules"));
  INFIP_ASSIGN_OR_RETURN(m.lambda, h.Double("lambda"));
  INFIP_ASSIGN_OR_RETURN(std::string scaling, h.String("lambda_scaling"));
  absl::StatusOr<LambdaScaling> parsed = ParseLambdaScaling(scaling);
  if (!parsed.ok()) return Malformed(parsed.status().message());
  m.lambda_scaling = *parsed;
  INFIP_ASSIGN_OR_RETURN(m.key_set_sha256, h.String("key_set_sha256"));
  INFIP_ASSIGN_OR_RETURN(m.model_sha256, h.String("model_sha256"));
  INFIP_ASSIGN_OR_RETURN(m.input_shape, h.Int64List("input_shape"));
  INFIP_ASSIGN_OR_RETURN(m.preprocessing, h.String("preprocessing"));
  INFIP_ASSIGN_OR_RETURN(m.box_low, h.DoubleList("box_low"));
  INFIP_ASSIGN_OR_RETURN(m.box_high, h.DoubleList("box_high"));
  INFIP_ASSIGN_OR_RETURN(m.engine_version, h.String("engine_version"));
  INFIP_ASSIGN_OR_RETURN(m.created_utc, h.String("created_utc"));
  INFIP_ASSIGN_OR_RETURN(m.predicted, h.Int64List("predicted"));
  return m;
}

absl::Status ChecksumError(uint32_t stored, uint32_t computed) {
  return Invalid(
      absl::StrFormat(".infip checksum mismatch (stored %08x, computed %08x): the file is corrupt",
                      stored, computed));
}

absl::Status ErrnoStatus(int err, absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat(what, " ", path));
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, "write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// The file's framing, checked: magic, version, header, section sizes and checksum.
struct Frame {
  HeaderFields header;
  std::vector<SectionSpec> sections;
  uint64_t body_start = 0;
};

// Every integrity error is decided here, before anything is allocated from header values.
absl::StatusOr<Frame> ReadFrame(absl::string_view bytes) {
  if (bytes.size() < kMagic.size()) {
    if (kMagic.substr(0, bytes.size()) == bytes) {
      return Invalid(absl::StrCat(".infip file truncated: ", bytes.size(), " bytes"));
    }
    return Invalid("not an .infip fingerprint file (bad magic)");
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return Invalid("not an .infip fingerprint file (bad magic)");
  }
  if (bytes.size() < kPrefixSize) {
    return Invalid(absl::StrCat(".infip file truncated: ", bytes.size(),
                                " bytes, shorter than the fixed prefix"));
  }
  const uint32_t version = ReadU32(bytes, 8);
  if (version != kFormatVersion) {
    return Invalid(absl::StrCat("unsupported .infip format version ", version,
                                " (this build reads version ", kFormatVersion, ")"));
  }
  const uint64_t header_len = ReadU32(bytes, 12);
  if (header_len > bytes.size() - kPrefixSize) {
    return Invalid(absl::StrCat(".infip file truncated: the ", header_len,
                                "-byte header runs past the end of the file (", bytes.size(),
                                " bytes)"));
  }
  const uint64_t body_start = kPrefixSize + header_len;
  const bool has_trailer = bytes.size() >= body_start + kTrailerSize;
  const uint32_t stored_crc = has_trailer ? ReadU32(bytes, bytes.size() - kTrailerSize) : 0;
  const uint32_t computed_crc =
      has_trailer ? Crc32(std::string_view(bytes.data(), bytes.size() - kTrailerSize)) : 0;
  const bool crc_ok = has_trailer && stored_crc == computed_crc;

  // A header that does not parse is reported as corruption when the checksum says the bytes
  // changed, and as a malformed header (a writer's bug) when they did not.
  absl::StatusOr<HeaderFields> header = HeaderFields::Parse(bytes.substr(kPrefixSize, header_len));
  absl::StatusOr<std::vector<SectionSpec>> sections =
      header.ok() ? ReadSectionSpecs(*header) : header.status();
  if (!sections.ok()) {
    if (!has_trailer) return Invalid(".infip file truncated: no room for the checksum");
    if (!crc_ok) return ChecksumError(stored_crc, computed_crc);
    return sections.status();
  }
  // Saturating: forged section sizes must not wrap around to a plausible total.
  uint64_t expected = body_start + kTrailerSize;
  for (const SectionSpec& s : *sections) {
    expected = s.bytes > std::numeric_limits<uint64_t>::max() - expected
                   ? std::numeric_limits<uint64_t>::max()
                   : expected + s.bytes;
  }
  if (bytes.size() < expected && !crc_ok) {
    return Invalid(absl::StrCat(".infip file truncated: ", bytes.size(), " bytes, the header ",
                                "describes ", expected));
  }
  if (!crc_ok) return ChecksumError(stored_crc, computed_crc);
  if (bytes.size() != expected) {
    return Malformed(
        absl::StrCat("sections describe ", expected, " bytes, the file holds ", bytes.size()));
  }
  return Frame{*std::move(header), *std::move(sections), body_start};
}

absl::StatusOr<FingerprintSet> BuildSet(const Frame& frame, absl::string_view bytes) {
  FingerprintSet set;
  INFIP_ASSIGN_OR_RETURN(set.metadata, ReadMetadata(frame.header));
  uint64_t offset = frame.body_start;
  for (const SectionSpec& s : frame.sections) {
    const absl::string_view data = bytes.substr(offset, s.bytes);
    offset += s.bytes;
    if (s.name != kFingerprints && s.name != kKeyPreview) continue;  // a newer writer's section
    torch::Tensor t = torch::empty(s.shape, torch::TensorOptions().dtype(torch::kUInt8));
    if (!data.empty()) std::memcpy(t.data_ptr(), data.data(), data.size());
    (s.name == kFingerprints ? set.images : set.key_preview) = std::move(t);
  }
  if (!set.images.defined()) return Malformed("no fingerprints section");
  INFIP_ASSIGN_OR_RETURN(uint64_t count, frame.header.Uint64("count"));
  if (count != static_cast<uint64_t>(set.size())) {
    return Malformed(absl::StrCat("count ", count, " disagrees with the fingerprints section (",
                                  set.size(), ")"));
  }
  absl::Status valid = Validate(set);
  if (!valid.ok()) return Invalid(absl::StrCat("inconsistent .infip file: ", valid.message()));
  return set;
}

}  // namespace

absl::StatusOr<FingerprintSet> ParseFingerprintSet(std::string_view file) {
  const absl::string_view bytes(file.data(), file.size());
  INFIP_ASSIGN_OR_RETURN(Frame frame, ReadFrame(bytes));
  return BuildSet(frame, bytes);
}

absl::StatusOr<std::string> SerializeFingerprintSet(const FingerprintSet& set) {
  INFIP_RETURN_IF_ERROR(Validate(set));
  const FingerprintMetadata& m = set.metadata;
  HeaderWriter w;
  w.Add("composite", m.composite);
  w.Add("composite_rules", m.composite_rules);
  w.Add("lambda", FormatDouble(m.lambda));
  w.Add("lambda_scaling", std::string(LambdaScalingName(m.lambda_scaling)));
  w.Add("key_set_sha256", m.key_set_sha256);
  w.Add("model_sha256", m.model_sha256);
  w.Add("input_shape", FormatList(m.input_shape));
  w.Add("preprocessing", m.preprocessing);
  w.Add("box_low", FormatList(m.box_low));
  w.Add("box_high", FormatList(m.box_high));
  w.Add("engine_version", m.engine_version);
  w.Add("created_utc", m.created_utc);
  w.Add("predicted", FormatList(m.predicted));
  w.Add("count", absl::StrCat(set.size()));
  const bool preview = set.key_preview.defined();
  w.Add("sections",
        preview ? absl::StrCat(kFingerprints, ",", kKeyPreview) : std::string(kFingerprints));
  AddSection(w, kFingerprints, set.images);
  if (preview) AddSection(w, kKeyPreview, set.key_preview);

  const std::string& header = w.text();
  if (header.size() > std::numeric_limits<uint32_t>::max()) {
    return Invalid("the .infip header exceeds 4 GiB");
  }
  std::string out;
  out.reserve(kPrefixSize + header.size() + static_cast<size_t>(set.images.numel()) +
              (preview ? static_cast<size_t>(set.key_preview.numel()) : 0) + kTrailerSize);
  out.append(kMagic.data(), kMagic.size());
  AppendU32(out, kFormatVersion);
  AppendU32(out, static_cast<uint32_t>(header.size()));
  out += header;
  AppendTensorBytes(out, set.images);
  if (preview) AppendTensorBytes(out, set.key_preview);
  AppendU32(out, Crc32(std::string_view(out)));
  return out;
}

absl::Status WriteFingerprintSetFile(const FingerprintSet& set, const std::string& path) {
  INFIP_ASSIGN_OR_RETURN(std::string bytes, SerializeFingerprintSet(set));
  // A unique sibling temp file, renamed over `path` only once complete and on disk: readers
  // see the old file or the new one, never a half-written set.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", tmp);
  absl::Status status = WriteAll(fd, bytes);
  if (status.ok() && ::fsync(fd) != 0) status = absl::ErrnoToStatus(errno, "fsync");
  if (::close(fd) != 0 && status.ok()) status = absl::ErrnoToStatus(errno, "close");
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus(errno, "cannot rename the temp file to", path);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return absl::Status(status.code(), absl::StrCat("writing ", path, ": ", status.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<FingerprintSet> ReadFingerprintSetFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open .infip file", path);
  std::string bytes;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  absl::Status status;
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoStatus(errno, "cannot read .infip file", path);
      break;
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  INFIP_RETURN_IF_ERROR(status);
  absl::StatusOr<FingerprintSet> set = ParseFingerprintSet(bytes);
  if (!set.ok()) {
    return absl::Status(set.status().code(), absl::StrCat(path, ": ", set.status().message()));
  }
  return set;
}

}  // namespace infip::fingerprint
