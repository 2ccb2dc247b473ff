// ServerInfo (infip.v1) as it is fixed at start: release and engine versions, device,
// composites and registration defaults, the public key that checks verdicts, and the limits.
// GetServerInfo adds the registration count, which changes.
//
//   deps.info = MakeServerInfo(config, device, *signer);
#pragma once

#include "infip/v1/infip.pb.h"
#include "infip/verdict/signer.h"
#include "server/config.h"
#include "server/device.h"

namespace infip::server {

[[nodiscard]] v1::ServerInfo MakeServerInfo(const ServerConfig& config, const DeviceChoice& device,
                                            const verdict::Signer& signer);

}  // namespace infip::server
