// GetServerInfo, and the fixed part of its answer.
#include "infip/common/version.h"
#include "infip/dtd/composite.h"
#include "server/server_info.h"
#include "server/service.h"
#include "server/status_map.h"
#include "server/version.h"

namespace infip::server {

v1::ServerInfo MakeServerInfo(const ServerConfig& config, const DeviceChoice& device,
                              const verdict::Signer& signer) {
  v1::ServerInfo info;
  info.set_version(std::string(ServerVersion()));
  info.set_engine_version(kEngineVersion);
  info.set_device(device.description);
  for (const std::string& name : dtd::Composite::Names()) info.add_composites(name);
  info.set_default_composite(config.default_composite);
  info.set_default_lambda(config.default_lambda);
  info.set_default_threshold(config.default_threshold);
  info.set_public_key_pem(signer.PublicKeyPem());
  info.set_key_id(signer.KeyId());
  info.set_max_upload_bytes(config.max_upload_bytes);
  info.set_max_message_bytes(config.max_message_bytes);
  info.set_store("sqlite");
  return info;
}

grpc::Status FingerprintingService::GetServerInfo(grpc::ServerContext* context,
                                                  const v1::GetServerInfoRequest* /*request*/,
                                                  v1::ServerInfo* response) {
  CallLog call("GetServerInfo", context, deps_.metrics);
  if (absl::StatusOr<auth::Caller> caller = Admit(context, auth::Rpc::kGetServerInfo, call);
      !caller.ok()) {
    return call.Finish(caller.status());
  }
  absl::StatusOr<int64_t> count = deps_.store->Count();
  if (!count.ok()) return call.Finish(ToGrpcStatus(count.status()));
  *response = deps_.info;
  response->set_registrations(*count);
  return call.Finish(grpc::Status::OK);
}

}  // namespace infip::server
