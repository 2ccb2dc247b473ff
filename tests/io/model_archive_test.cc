#include "infip/io/model_archive.h"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <zlib.h>

#include <cctype>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "infip/io/torchscript_source_scan.h"
#include "infip/io/zip_directory.h"
#include "io/io_test_util.h"
#include "test_env.h"

namespace infip::io {
namespace {

using testing::ReadBytes;

// --- A zip writer of our own, so that every field can be mis-stated -------------------------

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void SetLe(std::string* out, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) (*out)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t GetLe(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  return v;
}

std::string RawDeflate(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

uint32_t Crc(const std::string& data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

struct TestEntry {
  TestEntry(std::string entry_name, std::string contents, bool deflated = false)
      : name(std::move(entry_name)), data(std::move(contents)), deflate(deflated) {}
  std::string name;
  std::string data;  // uncompressed
  bool deflate = false;
  bool zip64_sizes = false;               // sizes (and the offset) deferred to zip64 extras
  std::optional<std::string> compressed;  // the bytes stored, in place of deflate(data)
  std::string central_extra;              // appended to the central record's extra field
};

struct ZipOptions {
  bool zip64_end = true;  // zip64 end record and locator, as PyTorch always writes
  std::string comment;
  size_t gap_before_end = 0;  // bytes between the central directory and the end records
};

// The archive and where its parts are, for patching.
struct TestZip {
  std::string bytes;
  std::vector<size_t> local;    // local header offsets
  std::vector<size_t> central;  // central record offsets
  size_t end = 0;               // end of central directory record
  size_t zip64_end = 0;         // zip64 end record (0: none)
  size_t zip64_locator = 0;
};

TestZip BuildZip(const std::vector<TestEntry>& entries, const ZipOptions& options = {}) {
  TestZip zip;
  std::string& b = zip.bytes;
  std::vector<std::string> stored;
  for (const TestEntry& e : entries) {
    stored.push_back(e.compressed.value_or(e.deflate ? RawDeflate(e.data) : e.data));
    const std::string& s = stored.back();
    zip.local.push_back(b.size());
    PutLe(&b, 0x04034b50, 4);
    PutLe(&b, e.zip64_sizes ? 45 : 20, 2);
    PutLe(&b, 0, 2);  // flags: no data descriptor, so the local header states the sizes
    PutLe(&b, e.deflate ? 8 : 0, 2);
    PutLe(&b, 0, 4);  // time, date
    PutLe(&b, Crc(e.data), 4);
    PutLe(&b, e.zip64_sizes ? 0xffffffff : s.size(), 4);
    PutLe(&b, e.zip64_sizes ? 0xffffffff : e.data.size(), 4);
    PutLe(&b, e.name.size(), 2);
    PutLe(&b, e.zip64_sizes ? 20 : 0, 2);
    b += e.name;
    if (e.zip64_sizes) {
      PutLe(&b, 0x0001, 2);
      PutLe(&b, 16, 2);
      PutLe(&b, e.data.size(), 8);
      PutLe(&b, s.size(), 8);
    }
    b += s;
  }
  const size_t central_offset = b.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const TestEntry& e = entries[i];
    const std::string& s = stored[i];
    zip.central.push_back(b.size());
    std::string extra;
    if (e.zip64_sizes) {
      PutLe(&extra, 0x0001, 2);
      PutLe(&extra, 24, 2);
      PutLe(&extra, e.data.size(), 8);
      PutLe(&extra, s.size(), 8);
      PutLe(&extra, zip.local[i], 8);
    }
    extra += e.central_extra;
    PutLe(&b, 0x02014b50, 4);
    PutLe(&b, 0x031e, 2);  // made by: Unix, 3.0
    PutLe(&b, e.zip64_sizes ? 45 : 20, 2);
    PutLe(&b, 0, 2);
    PutLe(&b, e.deflate ? 8 : 0, 2);
    PutLe(&b, 0, 4);
    PutLe(&b, Crc(e.data), 4);
    PutLe(&b, e.zip64_sizes ? 0xffffffff : s.size(), 4);
    PutLe(&b, e.zip64_sizes ? 0xffffffff : e.data.size(), 4);
    PutLe(&b, e.name.size(), 2);
    PutLe(&b, extra.size(), 2);
    PutLe(&b, 0, 2);  // comment
    PutLe(&b, 0, 2);  // disk
    PutLe(&b, 0, 2);  // internal attributes
    PutLe(&b, 0, 4);  // external attributes
    PutLe(&b, e.zip64_sizes ? 0xffffffff : zip.local[i], 4);
    b += e.name;
    b += extra;
  }
  const size_t central_size = b.size() - central_offset;
  b += std::string(options.gap_before_end, 'G');
  if (options.zip64_end) {
    zip.zip64_end = b.size();
    PutLe(&b, 0x06064b50, 4);
    PutLe(&b, 44, 8);
    PutLe(&b, 0x031e, 2);
    PutLe(&b, 45, 2);
    PutLe(&b, 0, 4);
    PutLe(&b, 0, 4);
    PutLe(&b, entries.size(), 8);
    PutLe(&b, entries.size(), 8);
    PutLe(&b, central_size, 8);
    PutLe(&b, central_offset, 8);
    zip.zip64_locator = b.size();
    PutLe(&b, 0x07064b50, 4);
    PutLe(&b, 0, 4);
    PutLe(&b, zip.zip64_end, 8);
    PutLe(&b, 1, 4);
  }
  zip.end = b.size();
  PutLe(&b, 0x06054b50, 4);
  PutLe(&b, 0, 2);
  PutLe(&b, 0, 2);
  PutLe(&b, entries.size(), 2);
  PutLe(&b, entries.size(), 2);
  PutLe(&b, central_size, 4);
  PutLe(&b, central_offset, 4);
  PutLe(&b, options.comment.size(), 2);
  b += options.comment;
  return zip;
}

const char kSource[] =
    "class M(Module):\n"
    "  __parameters__ = [\"weight\", ]\n"
    "  weight : Tensor\n"
    "  def forward(self: __torch__.M,\n"
    "    x: Tensor) -> Tensor:\n"
    "    return torch.linear(x, self.weight)\n";

// What torch.jit.save writes, in small: the pickles' contents are never parsed here.
std::vector<TestEntry> MinimalEntries() {
  return {{"m/data/0", std::string(64, '\x01')},
          {"m/data.pkl", "\x80\x02pickled module"},
          {"m/code/__torch__.py", kSource, /*deflate=*/true},
          {"m/code/__torch__.py.debug_pkl", "\x80\x02", true},
          {"m/constants.pkl", "\x80\x02)."},
          {"m/version", "3\n"}};
}

absl::StatusOr<ArchiveSummary> Check(const std::string& bytes, const ArchiveLimits& limits = {}) {
  return CheckModelArchive(bytes, limits);
}

// Refused with INVALID_ARGUMENT whose message holds `needle`.
void ExpectRefused(const std::string& bytes, const std::string& needle,
                   const ArchiveLimits& limits = {}) {
  const absl::StatusOr<ArchiveSummary> r = Check(bytes, limits);
  ASSERT_FALSE(r.ok()) << "accepted, expected a refusal mentioning: " << needle;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find(needle), absl::string_view::npos)
      << "message: " << r.status().message() << "\nexpected to contain: " << needle;
}

// --- Well-formed archives ------------------------------------------------------------------

TEST(ModelArchiveZipTest, MinimalArchivePasses) {
  const TestZip zip = BuildZip(MinimalEntries());
  const absl::StatusOr<ArchiveSummary> r = Check(zip.bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->root, "m");
  EXPECT_EQ(r->entries, 6);
  EXPECT_EQ(r->code_files, 1);
  int64_t total = 0;
  for (const TestEntry& e : MinimalEntries()) total += static_cast<int64_t>(e.data.size());
  EXPECT_EQ(r->uncompressed_bytes, total);
}

TEST(ModelArchiveZipTest, ZipFormsTorchAndPythonWritePass) {
  // Without zip64 end records (Python's zipfile), and with zip64 extras for every size and
  // offset (what miniz writes past 4 GiB).
  ZipOptions no_zip64;
  no_zip64.zip64_end = false;
  EXPECT_TRUE(Check(BuildZip(MinimalEntries(), no_zip64).bytes).ok());
  std::vector<TestEntry> entries = MinimalEntries();
  for (TestEntry& e : entries) e.zip64_sizes = true;
  const absl::StatusOr<ArchiveSummary> r = Check(BuildZip(entries).bytes);
  EXPECT_TRUE(r.ok()) << r.status();
}

// --- Malformed zips: each refused with INVALID_ARGUMENT, never a crash ----------------------

TEST(ModelArchiveZipTest, NotAZipArchive) {
  ExpectRefused("", "does not start with a zip local header");
  ExpectRefused("PK", "does not start with a zip local header");
  ExpectRefused("\x80\x02\x8a\x0alegacy torch.save pickle", "does not start with a zip");
  std::string flatbuffer = BuildZip(MinimalEntries()).bytes;
  flatbuffer.replace(4, 4, "PTMF");
  ExpectRefused(flatbuffer, "flatbuffer");
}

TEST(ModelArchiveZipTest, TruncatedEndRecord) {
  const std::string bytes = BuildZip(MinimalEntries()).bytes;
  ExpectRefused(bytes.substr(0, bytes.size() - 5), "no end of central directory record");
  ExpectRefused(bytes.substr(0, 30), "no end of central directory record");
  ExpectRefused(bytes.substr(0, 4), "too short");
}

TEST(ModelArchiveZipTest, EveryTruncationIsRefused) {
  const std::string bytes = BuildZip(MinimalEntries()).bytes;
  for (size_t n = 0; n < bytes.size(); ++n) {
    const absl::StatusOr<ArchiveSummary> r = Check(bytes.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << n << ": " << r.status();
  }
}

TEST(ModelArchiveZipTest, EveryByteChangeIsRefusedOrHarmless) {
  // Run under AddressSanitizer, this is the check that no field is trusted unchecked.
  for (const bool zip64 : {false, true}) {
    std::vector<TestEntry> entries = MinimalEntries();
    for (TestEntry& e : entries) e.zip64_sizes = zip64;
    const std::string bytes = BuildZip(entries).bytes;
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (const unsigned char x : {0x01, 0x80, 0xff}) {
        std::string changed = bytes;
        changed[i] = static_cast<char>(static_cast<unsigned char>(changed[i]) ^ x);
        const absl::StatusOr<ArchiveSummary> r = Check(changed);
        ASSERT_TRUE(r.ok() || r.status().code() == absl::StatusCode::kInvalidArgument)
            << i << ": " << r.status();
      }
    }
  }
}

TEST(ModelArchiveZipTest, CommentHidingAFakeEndRecord) {
  // The fake end record claims an empty archive: a reader that takes the last signature in
  // the file sees it, one that takes the first sees the real one.
  std::string fake;
  PutLe(&fake, 0x06054b50, 4);
  fake += std::string(16, '\0');
  PutLe(&fake, 0, 2);
  ZipOptions options;
  options.zip64_end = false;
  options.comment = "x" + fake;
  ExpectRefused(BuildZip(MinimalEntries(), options).bytes, "does not end where the end records");
  options.comment = "a plain comment";
  ExpectRefused(BuildZip(MinimalEntries(), options).bytes, "no end of central directory record");
  // A comment length that covers no bytes.
  TestZip zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.end + 20, 5, 2);
  ExpectRefused(zip.bytes, "comment");
}

TEST(ModelArchiveZipTest, CentralDirectoryOffsetPastTheEnd) {
  ZipOptions no_zip64;
  no_zip64.zip64_end = false;
  TestZip zip = BuildZip(MinimalEntries(), no_zip64);
  SetLe(&zip.bytes, zip.end + 16, zip.bytes.size() + 100, 4);
  ExpectRefused(zip.bytes, "central directory offset");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_end + 48, uint64_t{1} << 40, 8);
  SetLe(&zip.bytes, zip.end + 16, 0xffffffff, 4);
  ExpectRefused(zip.bytes, "central directory offset");
}

TEST(ModelArchiveZipTest, CentralDirectorySizeOrCountWrong) {
  TestZip zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_end + 40, GetLe(zip.bytes, zip.end + 12, 4) - 1, 8);
  SetLe(&zip.bytes, zip.end + 12, GetLe(zip.bytes, zip.end + 12, 4) - 1, 4);
  ExpectRefused(zip.bytes, "does not end where the end records begin");
  ZipOptions gap;
  gap.gap_before_end = 7;
  ExpectRefused(BuildZip(MinimalEntries(), gap).bytes, "does not end where the end records begin");
  zip = BuildZip(MinimalEntries());
  for (const size_t at : {zip.end + 8, zip.end + 10}) SetLe(&zip.bytes, at, 7, 2);
  for (const size_t at : {zip.zip64_end + 24, zip.zip64_end + 32}) SetLe(&zip.bytes, at, 7, 8);
  ExpectRefused(zip.bytes, "central directory record 6");
  zip = BuildZip(MinimalEntries());
  for (const size_t at : {zip.end + 8, zip.end + 10}) SetLe(&zip.bytes, at, 5, 2);
  for (const size_t at : {zip.zip64_end + 24, zip.zip64_end + 32}) SetLe(&zip.bytes, at, 5, 8);
  ExpectRefused(zip.bytes, "follow the last of the 5 central directory records");
}

TEST(ModelArchiveZipTest, TooManyEntries) {
  ArchiveLimits limits;
  limits.max_entries = 5;
  ExpectRefused(BuildZip(MinimalEntries()).bytes, "declares 6 entries; the limit is 5", limits);
  limits.max_entries = 6;
  EXPECT_TRUE(Check(BuildZip(MinimalEntries()).bytes, limits).ok());
}

TEST(ModelArchiveZipTest, EntryDataOrHeaderPastTheEnd) {
  TestZip zip = BuildZip(MinimalEntries());
  // data.pkl (stored) claims a megabyte, in both headers.
  SetLe(&zip.bytes, zip.central[1] + 20, 1 << 20, 4);
  SetLe(&zip.bytes, zip.central[1] + 24, 1 << 20, 4);
  SetLe(&zip.bytes, zip.local[1] + 18, 1 << 20, 4);
  SetLe(&zip.bytes, zip.local[1] + 22, 1 << 20, 4);
  ExpectRefused(zip.bytes, "'m/data.pkl': its 1048576 bytes of data");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 42, zip.bytes.size() + 10, 4);
  ExpectRefused(zip.bytes, "'m/data.pkl': its local header offset");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 42, zip.local[1] + 1, 4);
  ExpectRefused(zip.bytes, "'m/data.pkl': no local header at offset");
  // A local name length that runs into the central directory.
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.local[5] + 26, 0xfff0, 2);
  ExpectRefused(zip.bytes, "'m/version': its local header at offset");
}

TEST(ModelArchiveZipTest, LocalHeaderContradictsCentralDirectory) {
  TestZip zip = BuildZip(MinimalEntries());
  zip.bytes[zip.local[1] + 30] = 'M';
  ExpectRefused(zip.bytes, "names 'M/data.pkl'");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.local[1] + 22, 3, 4);
  ExpectRefused(zip.bytes, "the local header declares");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.local[1] + 6, 0x0800, 2);
  ExpectRefused(zip.bytes, "flags or method differ");
}

TEST(ModelArchiveZipTest, OverlappingEntries) {
  // data/0's stored bytes are a complete local record for data.pkl, which the central
  // directory points into: two entries sharing bytes (the trick of overlapping zip bombs).
  const TestZip inner = BuildZip({{"m/data.pkl", "\x80\x02pickled module"}});
  const std::string inner_record = inner.bytes.substr(0, inner.central[0]);
  std::vector<TestEntry> entries = MinimalEntries();
  entries[0].data = inner_record;
  entries.erase(entries.begin() + 1);  // data.pkl now lives only inside data/0
  TestZip zip = BuildZip(entries);
  // Append a central record for data.pkl pointing at the nested local header.
  const size_t nested = zip.local[0] + 30 + entries[0].name.size();
  std::string record = inner.bytes.substr(inner.central[0], inner.zip64_end - inner.central[0]);
  SetLe(&record, 42, nested, 4);
  const size_t central_offset = zip.central[0];
  const size_t central_size = zip.zip64_end - central_offset + record.size();
  std::string bytes = zip.bytes.substr(0, zip.zip64_end) + record;
  const size_t zip64_end = bytes.size();
  bytes += zip.bytes.substr(zip.zip64_end);
  const size_t locator = zip64_end + 56, end = locator + 20;
  SetLe(&bytes, zip64_end + 24, 6, 8);
  SetLe(&bytes, zip64_end + 32, 6, 8);
  SetLe(&bytes, zip64_end + 40, central_size, 8);
  SetLe(&bytes, locator + 8, zip64_end, 8);
  SetLe(&bytes, end + 8, 6, 2);
  SetLe(&bytes, end + 10, 6, 2);
  SetLe(&bytes, end + 12, central_size, 4);
  ExpectRefused(bytes, "overlaps entry 'm/data/0'");
}

TEST(ModelArchiveZipTest, DeclaredSizesThatLie) {
  const size_t code = 2;  // the deflated source
  const uint64_t size = sizeof(kSource) - 1;
  for (const auto& [declared, needle] : std::vector<std::pair<uint64_t, std::string>>{
           {size - 10, "inflates to more than its declared"},
           {size + 10, "inflates to " + std::to_string(size) + " bytes, not the declared"}}) {
    TestZip zip = BuildZip(MinimalEntries());
    SetLe(&zip.bytes, zip.central[code] + 24, declared, 4);
    SetLe(&zip.bytes, zip.local[code] + 22, declared, 4);
    ExpectRefused(zip.bytes, "'m/code/__torch__.py': it " + needle);
  }
  TestZip zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 16, 0x12345678, 4);
  SetLe(&zip.bytes, zip.local[1] + 14, 0x12345678, 4);
  ExpectRefused(zip.bytes, "'m/data.pkl': its CRC-32");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 24, 3, 4);
  ExpectRefused(zip.bytes, "it is stored, yet declares");
}

TEST(ModelArchiveZipTest, BrokenDeflateStreams) {
  const std::string packed = RawDeflate(kSource);
  for (const auto& [compressed, needle] : std::vector<std::pair<std::string, std::string>>{
           {packed + "junk", "4 bytes follow the end of its DEFLATE stream"},
           {packed.substr(0, packed.size() - 3), "cut off"},
           {std::string(40, '\xff'), "corrupt DEFLATE data"}}) {
    std::vector<TestEntry> entries = MinimalEntries();
    entries[2].compressed = compressed;
    ExpectRefused(BuildZip(entries).bytes, "'m/code/__torch__.py'");
    ExpectRefused(BuildZip(entries).bytes, needle);
  }
}

TEST(ModelArchiveZipTest, UnsupportedEntryKinds) {
  TestZip zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 8, 1, 2);
  SetLe(&zip.bytes, zip.local[1] + 6, 1, 2);
  ExpectRefused(zip.bytes, "encrypted");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 10, 12, 2);
  SetLe(&zip.bytes, zip.local[1] + 8, 12, 2);
  ExpectRefused(zip.bytes, "compression method 12");
  std::vector<TestEntry> entries = MinimalEntries();
  entries[1].name = std::string("m/data.pkl\0.txt", 15);
  ExpectRefused(BuildZip(entries).bytes, "NUL");
  entries = MinimalEntries();
  entries[1].name = "m/" + std::string(600, 'a');
  ExpectRefused(BuildZip(entries).bytes, "longer than 511 bytes");
}

TEST(ModelArchiveZipTest, Zip64Records) {
  TestZip zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_locator + 8, zip.zip64_end - 1, 8);
  ExpectRefused(zip.bytes, "zip64 locator points at offset");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_locator + 8, uint64_t{1} << 62, 8);
  ExpectRefused(zip.bytes, "zip64 locator points at offset");
  zip = BuildZip(MinimalEntries());
  zip.bytes[zip.zip64_end] = 'Q';
  ExpectRefused(zip.bytes, "no zip64 end record");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_end + 4, 52, 8);
  ExpectRefused(zip.bytes, "declares 52 bytes");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_end + 24, 9, 8);
  SetLe(&zip.bytes, zip.zip64_end + 32, 9, 8);
  ExpectRefused(zip.bytes, "disagrees with the end record");
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.zip64_locator + 16, 2, 4);
  ExpectRefused(zip.bytes, "another disk");

  // Sizes deferred to zip64 extras that are missing, short, or malformed.
  zip = BuildZip(MinimalEntries());
  SetLe(&zip.bytes, zip.central[1] + 20, 0xffffffff, 4);
  ExpectRefused(zip.bytes, "zip64 extra record that is missing or too short");
  std::vector<TestEntry> entries = MinimalEntries();
  entries[1].zip64_sizes = true;
  zip = BuildZip(entries);
  // Shorten the zip64 record to the two sizes; the offset's 8 bytes become another record.
  const size_t extra = zip.central[1] + 46 + entries[1].name.size();
  SetLe(&zip.bytes, extra + 2, 16, 2);
  SetLe(&zip.bytes, extra + 20, 0x0009, 2);
  SetLe(&zip.bytes, extra + 22, 4, 2);
  ExpectRefused(zip.bytes, "missing or too short");
  entries = MinimalEntries();
  entries[1].central_extra = std::string("\x09\x00\x10", 3);
  ExpectRefused(BuildZip(entries).bytes, "extra field ends inside a record header");
  entries[1].central_extra = std::string("\x09\x00\x10\x00", 4);
  ExpectRefused(BuildZip(entries).bytes, "runs past the extra field");
  entries[1].central_extra = std::string("\x01\x00\x00\x00\x01\x00\x00\x00", 8);
  ExpectRefused(BuildZip(entries).bytes, "two zip64 extra records");
}

// --- Layout --------------------------------------------------------------------------------

std::string WithEntry(const TestEntry& extra) {
  std::vector<TestEntry> entries = MinimalEntries();
  entries.push_back(extra);
  return BuildZip(entries).bytes;
}

std::string Without(const std::string& name) {
  std::vector<TestEntry> entries;
  for (const TestEntry& e : MinimalEntries()) {
    if (e.name != name) entries.push_back(e);
  }
  return BuildZip(entries).bytes;
}

TEST(ModelArchiveLayoutTest, EntriesTorchWrites) {
  for (const TestEntry& e :
       std::vector<TestEntry>{{"m/.data/version", "10\n"},
                              {"m/bytecode.pkl", "\x80\x02"},
                              {"m/.data/serialization_id", "1234"},
                              {"m/byteorder", "little"},
                              {"m/constants/0", "abcd"},
                              {"m/extra/producer_info.json", "{}"},
                              {"m/code/__torch__/torch/nn/conv.py", "x = 1\n"}}) {
    const absl::StatusOr<ArchiveSummary> r = Check(WithEntry(e));
    EXPECT_TRUE(r.ok()) << e.name << ": " << r.status();
  }
}

TEST(ModelArchiveLayoutTest, MissingParts) {
  ExpectRefused(Without("m/data.pkl"), "no 'm'/data.pkl entry");
  ExpectRefused(Without("m/constants.pkl"), "no 'm'/constants.pkl entry");
  ExpectRefused(Without("m/version"), "no 'm'/version or .data/version entry");
  std::vector<TestEntry> entries;
  for (const TestEntry& e : MinimalEntries()) {
    if (e.name.rfind("m/code/", 0) != 0) entries.push_back(e);
  }
  ExpectRefused(BuildZip(entries).bytes, "no 'm'/code/ sources");
}

TEST(ModelArchiveLayoutTest, NamesOutsideTheLayout) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"m/model.json", "legacy"},
      {"m/attributes.pkl", "not part of a TorchScript archive"},
      {"m/.data/ts_code/code/__torch__.py", "not part of a TorchScript archive"},
      {"n/data.pkl", "outside the archive's one top-level directory 'm'"},
      {"m/../etc/passwd", "'..' component"},
      {"m/./data.pkl", "'.' or '..' component"},
      {"m//data.pkl", "empty"},
      {"m/code/", "empty"},
      {"/etc/passwd", "absolute path"},
      {"m\\code\\x.py", "backslash"},
      {"m/caf\xc3\xa9", "printable ASCII"},
      {"toplevel", "not inside the archive's top-level directory"},
      {"m/data.pkl", "a second entry of this name"},
      {"m/DATA.pkl", "a second entry of this name"},
      {"m/data/x", "decimal index"},
      {"m/code/notes.txt", "code/ holds only .py sources"},
      {"m/code/__torch__/a-b.py", "qualified name"},
  };
  for (const auto& [name, needle] : cases) {
    SCOPED_TRACE(name);
    ExpectRefused(WithEntry({name, "x"}), needle);
  }
}

TEST(ModelArchiveLayoutTest, VersionEntry) {
  for (const char* good : {"1", "3\n", "10\n"}) {
    std::vector<TestEntry> entries = MinimalEntries();
    entries.back().data = good;
    EXPECT_TRUE(Check(BuildZip(entries).bytes).ok()) << good;
  }
  for (const auto& [bad, needle] : std::vector<std::pair<std::string, std::string>>{
           {"", "decimal number"},
           {"3\r\n", "decimal number"},
           {" 3", "decimal number"},
           {"three", "decimal number"},
           {"0\n", "format version 0 is outside"},
           {"11\n", "format version 11 is outside"},
           {"99999999999999999999999\n", "decimal number"},
           {std::string(100, '3'), "a version entry of 100 bytes"}}) {
    std::vector<TestEntry> entries = MinimalEntries();
    entries.back().data = bad;
    ExpectRefused(BuildZip(entries).bytes, needle);
  }
  ExpectRefused(WithEntry({"m/.data/version", "x"}), "'m/.data/version': a format version");
}

// --- Limits --------------------------------------------------------------------------------

TEST(ModelArchiveLimitsTest, CompressionRatio) {
  const TestEntry bomb{"m/data/1", std::string(size_t{2} << 20, '\0'), /*deflate=*/true};
  ExpectRefused(WithEntry(bomb), "'m/data/1': it expands");
  ArchiveLimits limits;
  limits.max_compression_ratio = 2000;
  EXPECT_TRUE(Check(WithEntry(bomb), limits).ok());
  limits = {};
  limits.ratio_floor_bytes = int64_t{4} << 20;
  EXPECT_TRUE(Check(WithEntry(bomb), limits).ok());
  // Below the floor: a small all-zero buffer compresses ~1000 times and passes.
  EXPECT_TRUE(Check(WithEntry({"m/data/1", std::string(64 << 10, '\0'), true})).ok());
}

TEST(ModelArchiveLimitsTest, UncompressedTotal) {
  const TestZip zip = BuildZip(MinimalEntries());
  const absl::StatusOr<ArchiveSummary> r = Check(zip.bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  ArchiveLimits limits;
  limits.max_uncompressed_bytes = r->uncompressed_bytes;
  EXPECT_TRUE(Check(zip.bytes, limits).ok());
  limits.max_uncompressed_bytes = r->uncompressed_bytes - 1;
  ExpectRefused(zip.bytes, "'m/version': its 2 bytes bring the archive's uncompressed total",
                limits);
  // Declared sizes near 2^63 neither overflow the sum nor pass. The two deflated entries
  // declare their uncompressed sizes in zip64 extras, in both headers.
  std::vector<TestEntry> entries = MinimalEntries();
  entries[2].zip64_sizes = entries[3].zip64_sizes = true;
  TestZip huge = BuildZip(entries);
  auto declare = [&](size_t i, uint64_t size) {
    SetLe(&huge.bytes, huge.central[i] + 46 + entries[i].name.size() + 4, size, 8);
    SetLe(&huge.bytes, huge.local[i] + 30 + entries[i].name.size() + 4, size, 8);
  };
  declare(2, uint64_t{1} << 62);
  declare(3, uint64_t{1} << 62);
  limits.max_uncompressed_bytes = std::numeric_limits<int64_t>::max();
  limits.max_compression_ratio = std::numeric_limits<double>::infinity();
  ExpectRefused(huge.bytes, "'m/code/__torch__.py.debug_pkl': its 4611686018427387904 bytes",
                limits);
  declare(3, ~uint64_t{0} - 1);
  ExpectRefused(huge.bytes, "beyond 2^63", limits);
}

// --- The source scan -----------------------------------------------------------------------

void ExpectScanRefuses(const std::string& source, const std::string& needle) {
  const absl::Status s = ScanTorchScriptSource(source, "m/code/__torch__.py");
  ASSERT_FALSE(s.ok()) << "accepted:\n" << source;
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(needle), absl::string_view::npos)
      << "message: " << s.message() << "\nexpected: " << needle;
  EXPECT_NE(s.message().find("'m/code/__torch__.py'"), absl::string_view::npos) << s.message();
}

TEST(TorchScriptSourceScanTest, RefusesFileAndProcessOperationsInAnySpelling) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"torch.save(x, \"/tmp/p\")", "line 1: torch.save writes a file"},
      {"class M(Module):\n  def f(self):\n    torch . save (x, p)", "line 3: torch.save"},
      {"torch.\\\n      save(x, p)", "torch.save"},
      {"torch.\\\r\n      save(x, p)", "torch.save"},
      {"(torch.  # a comment\n      save)(x, p)", "torch.save"},
      {"torch.#\r save(x, p)", "torch.save"},
      {"ops.aten.save(x, p)", "ops.aten.save"},
      {"torch.ops.aten.save(x, p)", "torch.ops.aten.save"},
      {"ops.aten.save.default(x, p)", "ops.aten.save.default"},
      {"torch.autograd.save(x, p)", "torch.autograd.save"},
      {"s = torch.save\n    s(x, p)", "torch.save"},
      {"fork(torch.save, x, p)", "torch.save"},
      {"torch.from_file(\"/etc/passwd\", False, 4)", "torch.from_file reads or maps a file"},
      {"ops.aten.from_file(p)", "ops.aten.from_file"},
      {"torch.load(p)", "torch.load reads a file"},
      {"torch.ops.load_library(\"/tmp/evil.so\")", "torch.ops.load_library loads a shared"},
      {"ops.prim.rpc_async(\"w\", f, (x,))", "calls another process"},
      {"torch.distributed.rpc.rpc_sync(\"w\", f)", "calls another process"},
      // Namespaces taken as values: aliases and getattr hide what is finally called.
      {"getattr(torch, \"sa\" \"ve\")(x, p)", "torch takes a builtin namespace"},
      {"(torch).save(x, p)", "torch takes a builtin namespace"},
      {"t = torch\n    t.save(x, p)", "torch takes a builtin namespace"},
      {"(torch.autograd).save(x, p)", "torch.autograd takes a builtin namespace"},
      {"a = ops.aten\n", "ops.aten takes"},
      {"[ops][0].aten.save(x, p)", "ops takes"},
      {"torch", "torch takes"},
      // Operator and class namespaces outside the allowed ones.
      {"_c = ops.c10d.barrier", "operator namespace 'c10d'"},
      {"ops.profiler._record_function_enter(\"x\")", "operator namespace 'profiler'"},
      {"torch.ops.my_ns.my_op(x)", "operator namespace 'my_ns'"},
      {"_c = __torch__.torch.classes._nnapi.Compilation()", "class namespace '_nnapi'"},
      {"torch.classes.c10d.ProcessGroup(1, 2)", "class namespace 'c10d'"},
      {"  w : __torch__.torch.classes.dist_rpc.WorkerInfo\n", "class namespace 'dist_rpc'"},
      {"getattr(__torch__, \"torch\")", "class namespace as a value"},
      {"(__torch__.torch).classes._nnapi.Compilation()", "class namespace as a value"},
      {"(__torch__.torch.classes)._nnapi.Compilation()", "class namespace as a value"},
      // __setstate__ in any form.
      {"  def __setstate__(self: __torch__.M,\n    state: bool) -> NoneType:\n",
       "line 1: defines or names __setstate__"},
      {"self.__setstate__(s)", "__setstate__"},
      {"getattr(self, \"__setstate__\")(s)", "__setstate__"},
      {"getattr(self, '__set' \"state__\")(s)", "__setstate__"},
      {"getattr(self, \"__set\\x73tate__\")(s)", "__setstate__"},
      {"getattr(self, \"__set\\163tate__\")(s)", "__setstate__"},
      {"getattr(self, \"\"\"__setstate__\"\"\")(s)", "__setstate__"},
      {"def f(x):\n  # type: (__torch__.torch.classes._nnapi.Compilation) -> None\n",
       "line 2: __torch__.torch.classes._nnapi.Compilation"},
      // Text TorchScript's lexer would read differently or not at all.
      {"x = \"unterminated\ntorch.save(x, p)", "a string is not terminated"},
      {"x = 'never closed", "a string is not terminated"},
      {"x = \"ends in a backslash\\", "a string is not terminated"},
      {"t\xc3\xb6rch.save(x, p)", "a byte outside printable ASCII"},
      {std::string("x = 1\0torch.save(x, p)", 22), "a byte outside printable ASCII"},
  };
  for (const auto& [source, needle] : cases) {
    SCOPED_TRACE(source);
    ExpectScanRefuses(source, needle);
  }
}

TEST(TorchScriptSourceScanTest, AcceptsWhatOnlyLooksLikeAFileOperation) {
  const std::vector<std::string> cases = {
      kSource,
      // Names that contain or equal an operation's name without being it.
      "save = self.save\n    _0 = (save).forward(x, )",
      "  def from_file(self: __torch__.M, x: Tensor) -> Tensor:\n    return x",
      "_1 = (self).from_file(y, )",
      "x.load(y)\n    mysave(x)\n    torch.saved(x)\n    self.torch_save(x)",
      // Strings and comments that quote them.
      "_0 = \"expected NCHW; torch.save(x, \\'f\\') is never called here\"",
      "ops.prim.RaiseException(\"__setstate__ is missing\", \"builtins.ValueError\")",
      "# torch.save(x, p) and __setstate__ in a comment\nx = 1",
      "x = '''\ntorch.save(x, p)\n'''",
      "x = \"a\\\"torch.save(\"",
      // Declarations of attributes named like the namespaces.
      "class M(Module):\n  ops : __torch__.torch.nn.modules.activation.ReLU\n"
      "  torch : __torch__.torch.nn.modules.activation.ReLU\n",
      // What genuine models use.
      "_0 = torch.add(x, 1.5e-3)\n    _1 = torch.mul(_0, .5)\n    _2 = 1.e5",
      "_1 = __torch__.torch.nn.functional._max_pool2d\n    y = _1(x, [2, 2])",
      "_0 = ops.prim.dtype(x)\n    _1 = ops.quantized.linear(x, p, 1.0, 0)",
      "_0 = getattr(self.layer1, \"0\")\n    _1 = uninitialized(Tensor)",
      "  p : __torch__.torch.classes.quantized.LinearPackedParamsBase\n",
      "_0 = torch.to(CONSTANTS.c0, torch.device(\"cpu\"), 6)",
      "def f(x):\n  # type: (Tensor) -> Tensor\n  return x\n",
      "",
  };
  for (const std::string& source : cases) {
    const absl::Status s = ScanTorchScriptSource(source, "m/code/__torch__.py");
    EXPECT_TRUE(s.ok()) << source << "\n" << s;
  }
}

TEST(TorchScriptSourceScanTest, NeverReadsOutsideTheSource) {
  // Every prefix of source full of quoting, escapes and comments, and random text over the
  // characters the lexer treats specially: a status every time, never a read past the end
  // (the point of running this under AddressSanitizer).
  const std::string tricky =
      "x = '''a\\'''' \"b\\\"\" # c\r\n torch.\\\r\n save(1.e5, .5e, 0x1f) "
      "\"\"\"\n\"\"\" getattr(self, '__set' \"state__\") ops.aten.add(";
  for (size_t n = 0; n <= tricky.size(); ++n) {
    const absl::Status s = ScanTorchScriptSource(tricky.substr(0, n), "f.py");
    ASSERT_TRUE(s.ok() || s.code() == absl::StatusCode::kInvalidArgument) << s;
  }
  const std::string alphabet = "'\"\\#\n\r .()[]:_etorchsav0";
  uint32_t state = 12345;
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    for (int j = 0; j < 40; ++j) {
      state = state * 1664525u + 1013904223u;
      text.push_back(alphabet[(state >> 16) % alphabet.size()]);
    }
    const absl::Status s = ScanTorchScriptSource(text, "f.py");
    ASSERT_TRUE(s.ok() || s.code() == absl::StatusCode::kInvalidArgument) << s;
  }
}

TEST(ModelArchiveLayoutTest, SourceScanIsPartOfTheCheck) {
  std::vector<TestEntry> entries = MinimalEntries();
  entries[2].data = std::string(kSource) + "    torch.save(x, \"/tmp/p\")\n";
  const std::string bytes = BuildZip(entries).bytes;
  ExpectRefused(bytes, "code file 'm/code/__torch__.py', line 7: torch.save");
  ArchiveLimits limits;
  limits.scan_source = false;
  EXPECT_TRUE(Check(bytes, limits).ok());
}

// --- Archives that torch.jit.save wrote (tools/testmodels/make_archives.py) ----------------

std::string ArchivePath(const std::string& name) {
  return infip::testing::TestDataDir() + "/archives/" + name;
}

std::string ReadArchive(const std::string& name) {
  const std::string bytes = ReadBytes(ArchivePath(name));
  EXPECT_FALSE(bytes.empty()) << ArchivePath(name) << " is missing: ctest runs "
                              << "make_test_archives first (tools/testmodels/make_archives.py)";
  return bytes;
}

class GenuineArchiveTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GenuineArchiveTest, PassesAndLoads) {
  const std::string bytes = ReadArchive(GetParam());
  const absl::StatusOr<ArchiveSummary> r = Check(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->code_files, 0);
  EXPECT_GT(r->entries, 3);
  // What the check accepts, LibTorch loads (re-zipped, deflated, zip64 extras included).
  EXPECT_NO_THROW(torch::jit::load(ArchivePath(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Archives, GenuineArchiveTest,
                         ::testing::Values("scripted.pt", "traced.pt", "data_version.pt",
                                           "lite.ptl", "deflated.pt", "zip64_extras.pt",
                                           "tv_resnet18.pt", "tv_mobilenet_v2.pt",
                                           "tv_densenet121.pt"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

struct Hostile {
  std::string file;
  std::string needle;
};

void PrintTo(const Hostile& h, std::ostream* os) { *os << h.file; }

class HostileArchiveTest : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileArchiveTest, IsRefusedNamingTheCause) {
  ExpectRefused(ReadArchive(GetParam().file), GetParam().needle);
}

constexpr char kCode[] = "code file 'archive/code/__torch__.py', line ";

INSTANTIATE_TEST_SUITE_P(
    Archives, HostileArchiveTest,
    ::testing::Values(
        Hostile{"setstate_scripted.pt",
                "'setstate_scripted/code/__torch__.py', line 15: "
                "defines or names __setstate__"},
        Hostile{"save_in_forward.pt", "'save_in_forward/code/__torch__.py', line 9: torch.save"},
        Hostile{"from_file_scripted.pt", "torch.from_file reads or maps a file"},
        Hostile{"src_torch_save.pt", std::string(kCode) + "12: torch.save writes a file"},
        Hostile{"src_spaces.pt", std::string(kCode) + "12: torch.save"},
        Hostile{"src_backslash.pt", std::string(kCode) + "12: torch.save"},
        Hostile{"src_comment.pt", std::string(kCode) + "12: torch.save"},
        Hostile{"src_ops_aten_save.pt", std::string(kCode) + "12: ops.aten.save"},
        Hostile{"src_getattr.pt", std::string(kCode) + "12: torch takes a builtin namespace"},
        Hostile{"src_paren.pt", std::string(kCode) + "12: torch takes a builtin namespace"},
        Hostile{"src_alias.pt", std::string(kCode) + "12: torch takes a builtin namespace"},
        Hostile{"src_autograd.pt", std::string(kCode) + "12: torch.autograd.save"},
        Hostile{"src_from_file.pt", std::string(kCode) + "12: torch.from_file"},
        Hostile{"src_load_library.pt", std::string(kCode) + "12: torch.ops.load_library"},
        Hostile{"src_custom_class.pt", std::string(kCode) + "12: __torch__.torch.classes._nnapi"},
        Hostile{"src_ops_c10d.pt", std::string(kCode) + "12: ops.c10d.barrier"},
        Hostile{"src_setstate.pt", "defines or names __setstate__"},
        Hostile{"bomb.pt", "'archive/data/99': it expands"},
        Hostile{"many_entries.pt", "entries; the limit is 20000"},
        Hostile{"missing_data_pkl.pt", "no 'archive'/data.pkl entry"},
        Hostile{"missing_constants_pkl.pt", "no 'archive'/constants.pkl entry"},
        Hostile{"missing_code.pt", "no 'archive'/code/ sources"},
        Hostile{"missing_version.pt", "no 'archive'/version or .data/version entry"},
        Hostile{"two_roots.pt", "'other/constants.pkl': outside the archive's one top-level"},
        Hostile{"dotdot.pt", "'archive/../evil.py': the name has an empty, '.' or '..'"},
        Hostile{"absolute.pt", "'/etc/evil': the name is an absolute path"},
        Hostile{"model_json.pt", "'archive/model.json': model.json marks the legacy"}),
    [](const auto& info) {
      std::string name = info.param.file;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ModelArchiveFileTest, ZipBombAgainstEachCap) {
  const std::string bytes = ReadArchive("bomb.pt");
  ArchiveLimits limits;
  limits.max_compression_ratio = 1e9;
  limits.max_uncompressed_bytes = int64_t{100} << 20;
  ExpectRefused(bytes, "'archive/data/99': its 209715200 bytes bring", limits);
  // With both caps lifted it is inflated in full, held to its declared size, and passes.
  limits.max_uncompressed_bytes = int64_t{1} << 30;
  const absl::StatusOr<ArchiveSummary> r = Check(bytes, limits);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->uncompressed_bytes, int64_t{200} << 20);
}

TEST(ModelArchiveFileTest, GenuineSetStateIsAcceptedWithoutTheScan) {
  ArchiveLimits limits;
  limits.scan_source = false;
  EXPECT_TRUE(Check(ReadArchive("setstate_scripted.pt"), limits).ok());
  EXPECT_TRUE(Check(ReadArchive("save_in_forward.pt"), limits).ok());
}

}  // namespace
}  // namespace infip::io
