#include "infip/io/zip_directory.h"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infip::io {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kEndSize = 22;
constexpr uint64_t kZip64EndSize = 56;  // the version-1 record, as miniz and zipfile write it
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kSentinel32 = 0xffffffff;
constexpr uint16_t kSentinel16 = 0xffff;
constexpr uint16_t kDataDescriptorFlag = 1u << 3;
// Encrypted (0), patched data (5), strong encryption (6), masked central directory (13).
constexpr uint16_t kRefusedFlags = (1u << 0) | (1u << 5) | (1u << 6) | (1u << 13);
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflated = 8;

// The archive, read little-endian at offsets the caller has checked with Holds().
class Bytes {
 public:
  explicit Bytes(std::string_view bytes) : b_(bytes) {}
  uint64_t size() const { return b_.size(); }
  bool Holds(uint64_t offset, uint64_t length) const {
    return offset <= b_.size() && length <= b_.size() - offset;
  }
  uint16_t U16(uint64_t at) const { return static_cast<uint16_t>(Byte(at) | Byte(at + 1) << 8); }
  uint32_t U32(uint64_t at) const {
    return static_cast<uint32_t>(U16(at)) | static_cast<uint32_t>(U16(at + 2)) << 16;
  }
  uint64_t U64(uint64_t at) const {
    return static_cast<uint64_t>(U32(at)) | static_cast<uint64_t>(U32(at + 4)) << 32;
  }
  std::string_view View(uint64_t at, uint64_t length) const { return b_.substr(at, length); }

 private:
  uint32_t Byte(uint64_t at) const { return static_cast<unsigned char>(b_[at]); }
  std::string_view b_;
};

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

uint64_t Le(std::string_view s, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  }
  return v;
}

absl::Status ArchiveError(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("zip archive: ", View(what)));
}

absl::Status EntryError(std::string_view name, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("zip entry ", QuoteZipName(name), ": ", View(what)));
}

// Where the central directory lies, from the end records.
struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t end = 0;  // where the end records begin: the directory must end exactly here
};

// A zip64 field agrees with its classic one when they are equal or the classic one is the
// "see zip64" sentinel.
bool Agrees(uint64_t classic, uint64_t zip64, uint64_t sentinel) {
  return classic == zip64 || classic == sentinel;
}

absl::StatusOr<Directory> ReadEndRecords(const Bytes& b) {
  if (b.size() < kEndSize) {
    return ArchiveError(absl::StrCat(b.size(), " bytes is too short for a zip archive"));
  }
  // With no comment allowed, the end record is the last 22 bytes; miniz and zipfile (which
  // take the last signature in the file) then read the same one.
  const uint64_t end = b.size() - kEndSize;
  if (b.U32(end) != kEndSig) {
    return ArchiveError(
        "no end of central directory record in the last 22 bytes (the archive is truncated, "
        "has a comment, or has data appended)");
  }
  const uint16_t disk = b.U16(end + 4);
  const uint16_t directory_disk = b.U16(end + 6);
  const uint16_t entries_on_disk = b.U16(end + 8);
  const uint16_t entries = b.U16(end + 10);
  const uint32_t size = b.U32(end + 12);
  const uint32_t offset = b.U32(end + 16);
  const uint16_t comment = b.U16(end + 20);
  if (comment != 0) {
    return ArchiveError(absl::StrCat("the end record declares a ", comment,
                                     "-byte comment; TorchScript archives have none, and a "
                                     "comment can hide a second end record"));
  }
  if (entries_on_disk != entries) {
    return ArchiveError(absl::StrCat("the end record counts ", entries_on_disk,
                                     " entries on this disk but ", entries,
                                     " in all (multi-disk archives are not read)"));
  }

  Directory dir;
  const bool zip64 = end >= kZip64LocatorSize && b.U32(end - kZip64LocatorSize) == kZip64LocatorSig;
  if (!zip64) {
    if (disk != 0 || directory_disk != 0) {
      return ArchiveError("the end record names another disk (multi-disk archives are not read)");
    }
    dir = {entries, offset, size, end};
  } else {
    const uint64_t locator = end - kZip64LocatorSize;
    const uint32_t record_disk = b.U32(locator + 4);
    const uint64_t record = b.U64(locator + 8);
    const uint32_t disks = b.U32(locator + 16);
    if (record_disk != 0 || disks != 1) {
      return ArchiveError(
          "the zip64 locator names another disk (multi-disk archives are not read)");
    }
    if (locator < kZip64EndSize || record != locator - kZip64EndSize) {
      return ArchiveError(absl::StrCat("the zip64 locator points at offset ", record,
                                       ", not at the record right before it"));
    }
    if (b.U32(record) != kZip64EndSig) {
      return ArchiveError(absl::StrCat("no zip64 end record at offset ", record));
    }
    const uint64_t record_size = b.U64(record + 4);
    if (record_size != kZip64EndSize - 12) {
      return ArchiveError(absl::StrCat("the zip64 end record declares ", record_size,
                                       " bytes (only the 44-byte version 1 record is read)"));
    }
    const uint32_t z_disk = b.U32(record + 16);
    const uint32_t z_directory_disk = b.U32(record + 20);
    const uint64_t z_entries_on_disk = b.U64(record + 24);
    const uint64_t z_entries = b.U64(record + 32);
    const uint64_t z_size = b.U64(record + 40);
    const uint64_t z_offset = b.U64(record + 48);
    if (z_disk != 0 || z_directory_disk != 0 || z_entries_on_disk != z_entries) {
      return ArchiveError(
          "the zip64 end record names another disk (multi-disk archives are not read)");
    }
    if (!Agrees(disk, z_disk, kSentinel16) ||
        !Agrees(directory_disk, z_directory_disk, kSentinel16) ||
        !Agrees(entries, z_entries, kSentinel16) || !Agrees(size, z_size, kSentinel32) ||
        !Agrees(offset, z_offset, kSentinel32)) {
      return ArchiveError(absl::StrCat("the zip64 end record (", z_entries,
                                       " entries, directory of ", z_size, " bytes at offset ",
                                       z_offset, ") disagrees with the end record (", entries,
                                       " entries, ", size, " bytes at offset ", offset, ")"));
    }
    dir = {z_entries, z_offset, z_size, record};
  }
  if (dir.offset > dir.end) {
    return ArchiveError(absl::StrCat("the central directory offset ", dir.offset,
                                     " lies past the end records (offset ", dir.end, ")"));
  }
  if (dir.size != dir.end - dir.offset) {
    return ArchiveError(
        absl::StrCat("the central directory (", dir.size, " bytes at offset ", dir.offset,
                     ") does not end where the end records begin (offset ", dir.end, ")"));
  }
  return dir;
}

// Resolves the sizes (and, in the central directory, the offset and disk) that an entry
// declares as "see zip64" from its zip64 extra record, after checking that the extra field is a
// well-formed sequence of records. Null pointers are fields the header does not have.
absl::Status ReadExtraField(std::string_view extra, std::string_view name, const char* where,
                            uint64_t* uncompressed, uint64_t* compressed, uint64_t* offset,
                            uint32_t* disk) {
  std::optional<std::string_view> zip64;
  for (size_t p = 0; p < extra.size();) {
    if (extra.size() - p < 4) {
      return EntryError(name,
                        absl::StrCat("the ", where, " extra field ends inside a record header"));
    }
    const uint16_t id = static_cast<uint16_t>(Le(extra, p, 2));
    const uint16_t length = static_cast<uint16_t>(Le(extra, p + 2, 2));
    if (length > extra.size() - p - 4) {
      return EntryError(
          name, absl::StrFormat("the %s extra record 0x%04x runs past the extra field", where, id));
    }
    if (id == kZip64ExtraId) {
      if (zip64.has_value()) {
        return EntryError(name, absl::StrCat("the ", where, " has two zip64 extra records"));
      }
      zip64 = extra.substr(p + 4, length);
    }
    p += 4 + length;
  }
  // The zip64 record holds, in this order, only the fields whose header value is the sentinel.
  size_t used = 0;
  auto take = [&](uint64_t* field, uint64_t sentinel, size_t width) -> absl::Status {
    if (field == nullptr || *field != sentinel) return absl::OkStatus();
    if (!zip64.has_value() || zip64->size() - used < width) {
      return EntryError(name, absl::StrCat("the ", where,
                                           " defers a size or offset to a zip64 extra record that "
                                           "is missing or too short"));
    }
    *field = Le(*zip64, used, width);
    used += width;
    return absl::OkStatus();
  };
  absl::Status s = take(uncompressed, kSentinel32, 8);
  if (s.ok()) s = take(compressed, kSentinel32, 8);
  if (s.ok()) s = take(offset, kSentinel32, 8);
  if (s.ok() && disk != nullptr) {
    uint64_t d = *disk;
    s = take(&d, kSentinel16, 4);
    *disk = static_cast<uint32_t>(d);
  }
  return s;
}

// Reads central directory record `index` at `pos` (inside `dir`) and the local header it
// points to. On success `*next` is the position of the following record.
absl::StatusOr<ZipEntry> ReadEntry(const Bytes& b, const Directory& dir, uint64_t index,
                                   uint64_t pos, uint64_t* next) {
  if (dir.end - pos < kCentralHeaderSize) {
    return ArchiveError(absl::StrCat("central directory record ", index,
                                     " is cut off by the end of the directory"));
  }
  if (b.U32(pos) != kCentralHeaderSig) {
    return ArchiveError(
        absl::StrCat("central directory record ", index, " (offset ", pos, ") has no signature"));
  }
  const uint16_t flags = b.U16(pos + 8);
  const uint16_t method = b.U16(pos + 10);
  const uint32_t crc = b.U32(pos + 16);
  uint64_t compressed = b.U32(pos + 20);
  uint64_t uncompressed = b.U32(pos + 24);
  const uint16_t name_length = b.U16(pos + 28);
  const uint16_t extra_length = b.U16(pos + 30);
  const uint16_t comment_length = b.U16(pos + 32);
  uint32_t disk = b.U16(pos + 34);
  uint64_t local = b.U32(pos + 42);
  const uint64_t variable = uint64_t{name_length} + extra_length + comment_length;
  if (dir.end - pos - kCentralHeaderSize < variable) {
    return ArchiveError(absl::StrCat("central directory record ", index,
                                     ": its name, extra field and comment run past the directory"));
  }
  *next = pos + kCentralHeaderSize + variable;

  const std::string_view name = b.View(pos + kCentralHeaderSize, name_length);
  if (name.empty()) {
    return ArchiveError(absl::StrCat("central directory record ", index, " has an empty name"));
  }
  if (name.size() > kMaxZipNameBytes) {
    return EntryError(name, absl::StrCat("the name is longer than ", kMaxZipNameBytes, " bytes"));
  }
  if (name.find('\0') != std::string_view::npos) {
    return EntryError(name, "the name holds a NUL byte (C-string readers would see another name)");
  }
  const std::string_view extra = b.View(pos + kCentralHeaderSize + name_length, extra_length);
  if (absl::Status s = ReadExtraField(extra, name, "central directory", &uncompressed, &compressed,
                                      &local, &disk);
      !s.ok()) {
    return s;
  }
  if ((flags & kRefusedFlags) != 0) {
    return EntryError(name, absl::StrFormat("general purpose flags 0x%04x mark it encrypted or "
                                            "patched",
                                            flags));
  }
  if (method != kMethodStored && method != kMethodDeflated) {
    return EntryError(name, absl::StrCat("compression method ", method,
                                         " (only stored and DEFLATE entries are read)"));
  }
  if (disk != 0) return EntryError(name, absl::StrCat("it starts on disk ", disk));
  constexpr uint64_t kMaxSize = std::numeric_limits<int64_t>::max();
  if (uncompressed > kMaxSize || compressed > kMaxSize) {
    return EntryError(name, "it declares a size beyond 2^63 bytes");
  }
  if (method == kMethodStored && compressed != uncompressed) {
    return EntryError(
        name, absl::StrCat("it is stored, yet declares ", compressed, " bytes in the archive and ",
                           uncompressed, " uncompressed"));
  }

  // The local header must lie before the central directory and agree with it.
  if (local >= dir.offset || dir.offset - local < kLocalHeaderSize) {
    return EntryError(name, absl::StrCat("its local header offset ", local,
                                         " does not leave room for a header before the central "
                                         "directory (offset ",
                                         dir.offset, ")"));
  }
  if (b.U32(local) != kLocalHeaderSig) {
    return EntryError(name, absl::StrCat("no local header at offset ", local));
  }
  const uint16_t local_flags = b.U16(local + 6);
  const uint16_t local_method = b.U16(local + 8);
  const uint32_t local_crc = b.U32(local + 14);
  uint64_t local_compressed = b.U32(local + 18);
  uint64_t local_uncompressed = b.U32(local + 22);
  const uint16_t local_name_length = b.U16(local + 26);
  const uint16_t local_extra_length = b.U16(local + 28);
  const uint64_t data = local + kLocalHeaderSize + local_name_length + local_extra_length;
  if (data > dir.offset) {
    return EntryError(name, absl::StrCat("its local header at offset ", local,
                                         " runs into the central directory"));
  }
  if (b.View(local + kLocalHeaderSize, local_name_length) != name) {
    return EntryError(
        name, absl::StrCat("the local header at offset ", local, " names ",
                           QuoteZipName(b.View(local + kLocalHeaderSize, local_name_length))));
  }
  if (local_flags != flags || local_method != method) {
    return EntryError(name,
                      "the local header's flags or method differ from the central directory's");
  }
  const std::string_view local_extra =
      b.View(local + kLocalHeaderSize + local_name_length, local_extra_length);
  // With a data descriptor the local header's CRC and sizes are placeholders (PyTorch writes
  // zeros); readers take them from the central directory.
  const bool descriptor = (flags & kDataDescriptorFlag) != 0;
  if (absl::Status s = ReadExtraField(local_extra, name, "local header",
                                      descriptor ? nullptr : &local_uncompressed,
                                      descriptor ? nullptr : &local_compressed, nullptr, nullptr);
      !s.ok()) {
    return s;
  }
  if (!descriptor &&
      (local_crc != crc || local_compressed != compressed || local_uncompressed != uncompressed)) {
    return EntryError(
        name, absl::StrCat("the local header declares ", local_compressed, "/", local_uncompressed,
                           " bytes (compressed/uncompressed), the central directory ", compressed,
                           "/", uncompressed, ", or their CRCs differ"));
  }
  if (compressed > dir.offset - data) {
    return EntryError(name, absl::StrCat("its ", compressed, " bytes of data at offset ", data,
                                         " run past the start of the central directory (offset ",
                                         dir.offset, ")"));
  }

  ZipEntry entry;
  entry.name = std::string(name);
  entry.method = method == kMethodStored ? ZipMethod::kStored : ZipMethod::kDeflated;
  entry.crc32 = crc;
  entry.compressed_size = static_cast<int64_t>(compressed);
  entry.uncompressed_size = static_cast<int64_t>(uncompressed);
  entry.local_header_offset = static_cast<int64_t>(local);
  entry.data_offset = static_cast<int64_t>(data);
  return entry;
}

// Two entries whose local records overlap share bytes: the trick behind the zip bombs that
// reuse one compressed block for many entries.
absl::Status CheckNoOverlap(const std::vector<ZipEntry>& entries) {
  std::vector<const ZipEntry*> order;
  order.reserve(entries.size());
  for (const ZipEntry& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const ZipEntry* a, const ZipEntry* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const ZipEntry& before = *order[i - 1];
    if (before.data_offset + before.compressed_size > order[i]->local_header_offset) {
      return EntryError(order[i]->name,
                        absl::StrCat("its local record (offset ", order[i]->local_header_offset,
                                     ") overlaps entry ", QuoteZipName(before.name)));
    }
  }
  return absl::OkStatus();
}

// Feeds at most this much to zlib at once (its lengths are 32-bit).
constexpr uint64_t kMaxZlibChunk = uint64_t{1} << 30;

uint32_t Crc32(uint32_t crc, std::string_view data) {
  while (!data.empty()) {
    const size_t n = std::min<uint64_t>(data.size(), kMaxZlibChunk);
    crc = static_cast<uint32_t>(
        ::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n)));
    data.remove_prefix(n);
  }
  return crc;
}

struct InflateEnd {
  void operator()(z_stream* z) const {
    inflateEnd(z);
    delete z;
  }
};

// Inflates raw DEFLATE `in` into `sink`, stopping as soon as the output would pass `limit`.
absl::Status Inflate(std::string_view in, const ZipEntry& entry, std::string* out, uint32_t* crc) {
  std::unique_ptr<z_stream, InflateEnd> z(new z_stream{});
  if (inflateInit2(z.get(), -MAX_WBITS) != Z_OK) {
    // Destroying a stream whose init failed is harmless: inflateEnd checks its state.
    return absl::ResourceExhaustedError("zlib could not start an inflate stream");
  }
  const uint64_t limit = static_cast<uint64_t>(entry.uncompressed_size);
  uint64_t produced = 0;
  unsigned char buffer[64 * 1024];
  for (;;) {
    if (z->avail_in == 0 && !in.empty()) {
      const size_t n = std::min<uint64_t>(in.size(), kMaxZlibChunk);
      z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z->avail_in = static_cast<uInt>(n);
      in.remove_prefix(n);
    }
    z->next_out = buffer;
    z->avail_out = sizeof(buffer);
    const int rc = inflate(z.get(), Z_NO_FLUSH);
    const size_t got = sizeof(buffer) - z->avail_out;
    if (got > limit - produced) {
      return EntryError(entry.name,
                        absl::StrCat("it inflates to more than its declared ", limit, " bytes"));
    }
    produced += got;
    *crc = static_cast<uint32_t>(::crc32(*crc, buffer, static_cast<uInt>(got)));
    if (out != nullptr) out->append(reinterpret_cast<const char*>(buffer), got);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z->avail_in == 0 && in.empty()) {
      return EntryError(entry.name, "its DEFLATE stream is cut off before its end");
    }
    if (rc == Z_MEM_ERROR) return absl::ResourceExhaustedError("zlib ran out of memory");
    return EntryError(entry.name, absl::StrCat("corrupt DEFLATE data (",
                                               z->msg != nullptr ? z->msg : "no detail", ")"));
  }
  if (const uint64_t left = z->avail_in + in.size(); left != 0) {
    return EntryError(entry.name,
                      absl::StrCat(left, " bytes follow the end of its DEFLATE stream"));
  }
  if (produced != limit) {
    return EntryError(
        entry.name, absl::StrCat("it inflates to ", produced, " bytes, not the declared ", limit));
  }
  return absl::OkStatus();
}

}  // namespace

std::string QuoteZipName(std::string_view name) {
  constexpr size_t kShown = 200;
  std::string shown = absl::CHexEscape(View(name.substr(0, kShown)));
  return absl::StrCat("'", shown, name.size() > kShown ? "...'" : "'");
}

absl::StatusOr<std::vector<ZipEntry>> ReadZipDirectory(std::string_view bytes,
                                                       int64_t max_entries) {
  const Bytes b(bytes);
  absl::StatusOr<Directory> dir = ReadEndRecords(b);
  if (!dir.ok()) return dir.status();
  if (dir->entries > static_cast<uint64_t>(std::max<int64_t>(max_entries, 0))) {
    return ArchiveError(
        absl::StrCat("it declares ", dir->entries, " entries; the limit is ", max_entries));
  }
  std::vector<ZipEntry> entries;
  entries.reserve(std::min(dir->entries, dir->size / kCentralHeaderSize));
  uint64_t pos = dir->offset;
  for (uint64_t i = 0; i < dir->entries; ++i) {
    absl::StatusOr<ZipEntry> entry = ReadEntry(b, *dir, i, pos, &pos);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  if (pos != dir->end) {
    return ArchiveError(absl::StrCat(dir->end - pos, " bytes follow the last of the ", dir->entries,
                                     " central directory records"));
  }
  if (absl::Status s = CheckNoOverlap(entries); !s.ok()) return s;
  return entries;
}

absl::Status ReadZipEntry(std::string_view bytes, const ZipEntry& entry, std::string* out) {
  const Bytes b(bytes);
  if (entry.data_offset < 0 || entry.compressed_size < 0 || entry.uncompressed_size < 0 ||
      !b.Holds(static_cast<uint64_t>(entry.data_offset),
               static_cast<uint64_t>(entry.compressed_size))) {
    return EntryError(entry.name, "its data lie outside the archive");
  }
  const std::string_view data = b.View(static_cast<uint64_t>(entry.data_offset),
                                       static_cast<uint64_t>(entry.compressed_size));
  uint32_t crc = static_cast<uint32_t>(::crc32(0, nullptr, 0));
  if (entry.method == ZipMethod::kStored) {
    if (entry.compressed_size != entry.uncompressed_size) {
      return EntryError(entry.name, "it is stored, yet its two sizes differ");
    }
    crc = Crc32(crc, data);
    if (out != nullptr) out->append(data);
  } else if (absl::Status s = Inflate(data, entry, out, &crc); !s.ok()) {
    return s;
  }
  if (crc != entry.crc32) {
    return EntryError(
        entry.name, absl::StrFormat("its CRC-32 is %08x, not the declared %08x", crc, entry.crc32));
  }
  return absl::OkStatus();
}

}  // namespace infip::io
