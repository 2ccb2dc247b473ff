#include "infip/store/sqlite_values.h"

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace infip::store::sqlite {

static_assert(std::endian::native == std::endian::little,
              "double blobs are stored as little-endian IEEE-754 binary64");

std::string EncodeDoubles(const std::vector<double>& values) {
  std::string bytes(values.size() * sizeof(double), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

absl::StatusOr<std::vector<double>> DecodeDoubles(const std::string& bytes, std::string_view what) {
  if (bytes.size() % sizeof(double) != 0) {
    return absl::DataLossError(absl::StrCat(absl::string_view(what.data(), what.size()), " holds ",
                                            bytes.size(),
                                            " bytes, not a whole number of float64 values"));
  }
  std::vector<double> values(bytes.size() / sizeof(double));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

}  // namespace infip::store::sqlite
