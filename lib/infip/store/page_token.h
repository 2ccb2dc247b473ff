// Page tokens for RegistrationStore::List, shared by every backend so that a token means the
// same thing whichever one answers. A token is the position of the last registration of a
// page — its created time and id, the listing's sort key — wrapped in web-safe base64: the next
// page starts strictly after it, so registrations added or deleted meanwhile neither repeat
// nor shift a page.
//
//   std::string token = EncodePageToken({last.created_micros, last.id});
//   INFIP_ASSIGN_OR_RETURN(PagePosition after, DecodePageToken(token));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace infip::store {

struct PagePosition {
  int64_t created_micros = 0;  // Unix microseconds
  std::string id;

  friend bool operator==(const PagePosition&, const PagePosition&) = default;
};

[[nodiscard]] std::string EncodePageToken(const PagePosition& position);

// INVALID_ARGUMENT for anything EncodePageToken did not produce.
[[nodiscard]] absl::StatusOr<PagePosition> DecodePageToken(std::string_view token);

}  // namespace infip::store
