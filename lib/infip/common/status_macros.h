// Status propagation helpers. Debian 12's abseil has no public status macros, so infip keeps
// its own two:
//
//   INFIP_RETURN_IF_ERROR(store.Put(row));
//   INFIP_ASSIGN_OR_RETURN(auto model, CanonicalModel::FromFile(path));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INFIP_STATUS_CONCAT_INNER_(a, b) a##b
#define INFIP_STATUS_CONCAT_(a, b) INFIP_STATUS_CONCAT_INNER_(a, b)

#define INFIP_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::absl::Status infip_status_ = (expr);          \
    if (!infip_status_.ok()) return infip_status_;  \
  } while (false)

#define INFIP_ASSIGN_OR_RETURN(lhs, expr) \
  INFIP_ASSIGN_OR_RETURN_IMPL_(INFIP_STATUS_CONCAT_(infip_statusor_, __LINE__), lhs, expr)

#define INFIP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
