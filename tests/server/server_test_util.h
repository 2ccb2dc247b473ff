// Helpers for the server tests: reading the Prometheus text exposition, asking promtool about
// it, and a plain HTTP GET (no infip code on the client side).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "scratch_dir.h"

namespace infip::server::testing {

using ::infip::testing::ScratchDir;

// The value of the sample `name{labels}` (labels in any order, exactly these), if present.
inline std::optional<double> Sample(const std::string& exposition, const std::string& name,
                                    const std::map<std::string, std::string>& labels = {}) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    std::string series = line.substr(0, space);
    std::map<std::string, std::string> found;
    const size_t brace = series.find('{');
    const std::string metric = series.substr(0, brace);
    if (metric != name) continue;
    if (brace != std::string::npos) {
      const std::string inner = series.substr(brace + 1, series.size() - brace - 2);
      for (absl::string_view pair : absl::StrSplit(inner, ',', absl::SkipEmpty())) {
        const size_t eq = pair.find('=');
        std::string value(pair.substr(eq + 2, pair.size() - eq - 3));  // strip the quotes
        found[std::string(pair.substr(0, eq))] = value;
      }
    }
    if (found != labels) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(space + 1), &value)) return value;
  }
  return std::nullopt;
}

// promtool's verdict on an exposition: "" when it passes, else what promtool printed.
inline std::string PromtoolProblems(const std::string& exposition) {
  ScratchDir dir;
  const std::string input = dir / "metrics.txt";
  const std::string output = dir / "promtool.txt";
  std::ofstream(input) << exposition;
  const std::string command =
      absl::StrCat("promtool check metrics < '", input, "' > '", output, "' 2>&1");
  const int rc = std::system(command.c_str());
  if (rc == 0) return "";
  std::ifstream in(output);
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrCat("promtool exit ", rc, ": ", text.str());
}

// GET http://127.0.0.1:port/path; the whole response (status line, headers, body), or "".
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request =
        absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

}  // namespace infip::server::testing
