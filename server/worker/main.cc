// infip-worker: runs one untrusted model for one request, confined (lib/infip/sandbox/
// worker_job.h). Started by infip-server's worker pool or by the infip CLI with its channel
// on descriptor 3; never by hand, except for --self-check.
//
//   infip-worker --device cpu        serve one job on descriptor 3
//   infip-worker --self-check        confine a child process as a job would and try what the
//                                    confinement must stop; prints one line per probe, exits 1
//                                    if anything was not stopped
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "infip/confine/self_check.h"
#include "infip/sandbox/worker_job.h"

namespace {

constexpr char kUsage[] =
    "usage: infip-worker [--device cpu|cuda|cuda:N] [--prefault BYTES]   (started by "
    "infip-server or infip, with its channel on descriptor 3)\n"
    "       infip-worker --self-check   (show what the confinement stops on this machine)\n";

int SelfCheck() {
  infip::confine::Policy policy;
  policy.memory_bytes = int64_t{1} << 30;
  policy.cpu_seconds = 2;
  const std::vector<infip::confine::ProbeResult> results = infip::confine::RunSelfCheck(policy);
  std::cout << infip::confine::FormatSelfCheck(results);
  for (const infip::confine::ProbeResult& r : results) {
    if (!r.stopped) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  infip::sandbox::WorkerArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--device" && i + 1 < argc) {
      args.device = argv[++i];
    } else if (arg == "--prefault" && i + 1 < argc) {
      args.prefault_bytes = std::atoll(argv[++i]);
    } else if (arg == "--self-check") {
      return SelfCheck();
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "infip-worker: unknown argument '" << arg << "'\n" << kUsage;
      return infip::sandbox::kWorkerBadArguments;
    }
  }
  const int code = infip::sandbox::RunWorker(args);
  // A worker has nothing to tear down that outlives it: skip static destructors and LibTorch's
  // thread pools' shutdown, so that it is gone at once.
  std::fflush(stderr);
  std::_Exit(code);
}
