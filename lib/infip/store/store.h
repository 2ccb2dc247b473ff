// RegistrationStore: where the server keeps registrations. One interface, several backends:
// SqliteStore (store/sqlite_store.h, one file, the default) and a PostgreSQL backend shared by
// replicas. docs/store.md lists what every backend must guarantee; in short:
//
//   - Put is all or nothing: after a failed, cancelled or interrupted Put no trace of the
//     registration is left in any table, and a committed Put survives a process crash.
//   - Verdicts (store/stored_verdict.h) belong to a registration: PutVerdict needs it to
//     exist, and Delete removes its verdicts in the same transaction.
//   - Every method is safe to call from many threads at once.
//   - Errors are canonical: INVALID_ARGUMENT for a bad registration, filter or page token;
//     ALREADY_EXISTS for a duplicate id; NOT_FOUND naming an unknown id; UNAVAILABLE when the
//     database cannot be reached or stays locked; DATA_LOSS for a corrupt database.
//
//   std::unique_ptr<RegistrationStore> store = ...;
//   INFIP_RETURN_IF_ERROR(store->Put(registration));
//   INFIP_ASSIGN_OR_RETURN(Registration r, store->Get("reg_0123456789abcdef"));
//   INFIP_ASSIGN_OR_RETURN(std::vector<RegistrationSummary> candidates,
//                          store->ListCompatible(InputShape{1, 28, 28}));
//   INFIP_RETURN_IF_ERROR(store->PutVerdict(verdict));
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "infip/store/registration.h"
#include "infip/store/stored_verdict.h"

namespace infip::store {

class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;

  // Stores a new registration after ValidateRegistration (store/validate.h) accepts it.
  // ALREADY_EXISTS when the id is taken; the stored registration is then left untouched.
  [[nodiscard]] virtual absl::Status Put(const Registration& registration) = 0;

  // The registration with every blob, byte for byte as it was put. NOT_FOUND names the id;
  // DATA_LOSS when a blob no longer hashes to its recorded SHA-256 (store/validate.h).
  [[nodiscard]] virtual absl::StatusOr<Registration> Get(std::string_view id) = 0;

  // The registration without blobs and receipt: what a tenant check needs (its owner and
  // principal) before anything is read or done. NOT_FOUND names the id.
  [[nodiscard]] virtual absl::StatusOr<RegistrationSummary> GetSummary(std::string_view id) = 0;

  // One page of summaries matching the filter, oldest first.
  [[nodiscard]] virtual absl::StatusOr<ListPage> List(const ListFilter& filter) = 0;

  // Every registration whose keys have this input shape, oldest first: the candidates of a
  // 1:N screening.
  [[nodiscard]] virtual absl::StatusOr<std::vector<RegistrationSummary>> ListCompatible(
      const InputShape& shape) = 0;

  // Removes the registration, its blobs and its verdicts in one step. NOT_FOUND names an
  // unknown id.
  [[nodiscard]] virtual absl::Status Delete(std::string_view id) = 0;

  // Number of registrations.
  [[nodiscard]] virtual absl::StatusOr<int64_t> Count() = 0;

  // Stores a verdict after ValidateVerdict accepts it. NOT_FOUND names a registration that does
  // not exist (or no longer does); INVALID_ARGUMENT when the verdict's key count, composite,
  // lambda, scaling or threshold differ from the registration's; ALREADY_EXISTS when the id is
  // taken. All or nothing, as Put.
  [[nodiscard]] virtual absl::Status PutVerdict(const StoredVerdict& verdict) = 0;

  // The verdict as it was put. NOT_FOUND names the id; DATA_LOSS when the suspect's
  // fingerprints no longer hash to their recorded SHA-256.
  [[nodiscard]] virtual absl::StatusOr<StoredVerdict> GetVerdict(std::string_view id) = 0;

  // The verdict's registration, time and principal, without reading its blobs. NOT_FOUND
  // names the id.
  [[nodiscard]] virtual absl::StatusOr<VerdictSummary> GetVerdictSummary(std::string_view id) = 0;

  // Number of verdicts, of every registration.
  [[nodiscard]] virtual absl::StatusOr<int64_t> CountVerdicts() = 0;

  // OK when the database answers a query now; what the health service reports.
  [[nodiscard]] virtual absl::Status Ping() = 0;

 protected:
  RegistrationStore() = default;
  RegistrationStore(const RegistrationStore&) = delete;
  RegistrationStore& operator=(const RegistrationStore&) = delete;
};

}  // namespace infip::store
