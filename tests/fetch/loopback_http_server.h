// A real HTTP(S) server on 127.0.0.1 for the fetch tests: tests/fetch/loopback_http_server.py
// run by the system python3 as a child process. Start() waits (bounded) until it accepts
// connections; the destructor stops it (SIGTERM, then SIGKILL) and reaps it. The child also
// dies with the test process and after two minutes at most.
//
//   auto server = LoopbackHttpServer::Start({.root = files, .work_dir = scratch});
//   ASSERT_TRUE(server.ok()) << server.status();
//   fetcher->Fetch((*server)->Url("/files/model.pt"));
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace infip::fetch::testing {

class LoopbackHttpServer {
 public:
  struct Options {
    std::string root;      // served under /files/
    std::string work_dir;  // port file, request log, server output
    // PEM files: serve https instead of http.
    std::string tls_cert;
    std::string tls_key;
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LoopbackHttpServer>> Start(
      const Options& options);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // "127.0.0.1:<port>", as an allow-list entry.
  [[nodiscard]] std::string HostPort() const;
  // http(s)://127.0.0.1:<port><path>
  [[nodiscard]] std::string Url(const std::string& path) const;
  // Paths requested so far, in order.
  [[nodiscard]] std::vector<std::string> Requests() const;

 private:
  LoopbackHttpServer(pid_t pid, int port, bool tls, std::string log)
      : pid_(pid), port_(port), tls_(tls), log_(std::move(log)) {}

  pid_t pid_;
  int port_;
  bool tls_;
  std::string log_;
};

}  // namespace infip::fetch::testing
