// Checks an untrusted TorchScript archive before torch::jit::load sees it.
//
// A TorchScript file is a program: loading it compiles and runs its code (a scripted
// __setstate__ runs while the module is unpickled, and can call torch.save), and a small
// DEFLATE-compressed archive can expand to gigabytes as it loads. CheckModelArchive reads the
// zip structure of the bytes held in memory and refuses, with INVALID_ARGUMENT naming the entry
// or the structure:
//   - anything but a single-disk zip with stored or DEFLATE entries, read strictly
//     (zip_directory.h): truncated or inconsistent records, a comment, overlapping entries,
//     sizes or CRCs that the data contradict (every entry is inflated, never past its
//     declared size, and checked);
//   - an archive whose declared uncompressed total passes max_uncompressed_bytes, that has
//     more than max_entries entries, or a DEFLATE entry of ratio_floor_bytes or more that
//     expands more than max_compression_ratio times;
//   - a layout that is not what torch.jit.save writes: one top-level directory holding
//     data.pkl, constants.pkl, version (or .data/version, 1..LibTorch's maximum) and code/
//     sources, and nothing but the entries listed in docs/model-archives.md;
//   - with scan_source, code/ sources that define __setstate__ or reach files, libraries or
//     other processes (torchscript_source_scan.h).
// It is a second line behind the sandboxed worker, not a substitute for it: see
// docs/model-archives.md for what it cannot catch.
//
//   ArchiveLimits limits;
//   limits.max_uncompressed_bytes = max_upload_bytes;  // the server ties it to the upload cap
//   INFIP_ASSIGN_OR_RETURN(ArchiveSummary summary, CheckModelArchive(bytes, limits));
//   torch::jit::Module m = torch::jit::load(stream_over(bytes));  // only after the check
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::io {

struct ArchiveLimits {
  // Total over all entries (the server ties its default to --max-upload-bytes).
  int64_t max_uncompressed_bytes = int64_t{4} << 30;
  // Per DEFLATE entry: uncompressed / compressed.
  double max_compression_ratio = 200.0;
  // DEFLATE entries that expand to fewer bytes than this are not ratio-checked: alone they
  // cannot exhaust memory, and max_uncompressed_bytes bounds them together. (A re-zipped
  // model's all-zero BatchNorm buffers compress far beyond 200.)
  int64_t ratio_floor_bytes = int64_t{1} << 20;
  int64_t max_entries = 20000;
  // Refuse file, library and process operations and __setstate__ in code/.
  bool scan_source = true;
};

struct ArchiveSummary {
  std::string root;  // the one top-level directory
  int64_t entries = 0;
  int64_t uncompressed_bytes = 0;
  int64_t code_files = 0;  // code/**.py sources (scanned when scan_source)
};

// INVALID_ARGUMENT naming the entry (or the zip structure) for anything refused; never reads
// outside `bytes`, never allocates more than the declared (and capped) size of one entry at a
// time beyond the archive itself.
[[nodiscard]] absl::StatusOr<ArchiveSummary> CheckModelArchive(std::string_view bytes,
                                                               const ArchiveLimits& limits);

}  // namespace infip::io
