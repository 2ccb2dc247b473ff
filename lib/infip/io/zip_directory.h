// The directory of a zip archive held in memory, read strictly.
//
// Every record, offset and size is checked against the bytes before it is used, and anything
// two zip readers could read differently is refused rather than resolved: an archive comment
// (it can hide a second end record), bytes between the central directory and its end records,
// zip64 end records that disagree with the classic ones, local headers that contradict the
// central directory, entries whose data overlap, names with a NUL. What is left is the subset
// that PyTorch's writer (miniz, zip64 end records always) and Python's zipfile produce: one
// disk, stored or DEFLATE entries, no encryption, zip64 extra fields where sizes need them.
// model_archive.h builds the TorchScript checks on top.
//
//   INFIP_ASSIGN_OR_RETURN(std::vector<ZipEntry> entries, ReadZipDirectory(bytes, 20000));
//   std::string text;
//   INFIP_RETURN_IF_ERROR(ReadZipEntry(bytes, entries[0], &text));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace infip::io {

enum class ZipMethod { kStored, kDeflated };

// One entry, as the central directory declares it and its local header confirms.
struct ZipEntry {
  std::string name;
  ZipMethod method = ZipMethod::kStored;
  uint32_t crc32 = 0;
  int64_t compressed_size = 0;    // bytes of data in the archive
  int64_t uncompressed_size = 0;  // declared; ReadZipEntry holds the data to it
  int64_t local_header_offset = 0;
  int64_t data_offset = 0;  // the first byte of the entry's data, after its local header
};

// Longest entry name read. miniz (LibTorch's zip reader) copies names into 512-byte buffers.
inline constexpr size_t kMaxZipNameBytes = 511;

// Reads the end records, the central directory and every local header of the archive `bytes`,
// in central directory order. Refuses an archive that declares more than `max_entries`
// entries before reading any of them. INVALID_ARGUMENT names the entry or the record at fault.
[[nodiscard]] absl::StatusOr<std::vector<ZipEntry>> ReadZipDirectory(std::string_view bytes,
                                                                     int64_t max_entries);

// Decompresses one entry of `bytes` (as ReadZipDirectory returned it), never producing more
// than its declared size, and checks that the data are exactly that size with the declared
// CRC-32 and that a DEFLATE stream ends where the entry does. Appends the contents to `*out`
// unless `out` is null (check only). INVALID_ARGUMENT names the entry.
[[nodiscard]] absl::Status ReadZipEntry(std::string_view bytes, const ZipEntry& entry,
                                        std::string* out);

// The name as it may appear in a message: quoted, non-printable bytes escaped.
[[nodiscard]] std::string QuoteZipName(std::string_view name);

}  // namespace infip::io
