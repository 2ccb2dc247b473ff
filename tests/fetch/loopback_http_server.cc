#include "loopback_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "test_env.h"

namespace infip::fetch::testing {
namespace {

using std::chrono::milliseconds;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Stops the child: SIGTERM, up to 5 s, then SIGKILL. Always reaps it.
void Stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoopbackHttpServer>> LoopbackHttpServer::Start(
    const Options& options) {
  const std::string python = infip::testing::SystemPython();
  const std::string script = infip::testing::SourceDir() + "/tests/fetch/loopback_http_server.py";
  const std::string port_file = options.work_dir + "/server.port";
  const std::string log = options.work_dir + "/server.requests";
  const std::string output = options.work_dir + "/server.out";
  // A previous server's files must not be mistaken for this one's.
  ::unlink(port_file.c_str());
  ::unlink(log.c_str());
  std::vector<std::string> args = {python,        script,    "--root", options.root,
                                   "--port-file", port_file, "--log",  log};
  if (!options.tls_cert.empty()) {
    args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0) return absl::InternalError(absl::StrCat("cannot create ", output));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    // The server must not outlive a test process that crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);

  // Up to 15 s for python to start and listen (a loaded build machine is slow).
  int port = 0;
  for (int i = 0; i < 150 && port == 0; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      return absl::InternalError(absl::StrCat("test server exited: ", Slurp(output)));
    }
    std::ifstream in(port_file);
    if (!(in >> port)) {
      port = 0;
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  bool accepting = false;
  for (int i = 0; i < 50 && port != 0 && !accepting; ++i) {
    accepting = Accepts(port);
    if (!accepting) std::this_thread::sleep_for(milliseconds(100));
  }
  if (!accepting) {
    Stop(pid);
    return absl::DeadlineExceededError(
        absl::StrCat("test server did not start listening: ", Slurp(output)));
  }
  return std::unique_ptr<LoopbackHttpServer>(
      new LoopbackHttpServer(pid, port, !options.tls_cert.empty(), log));
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(pid_); }

std::string LoopbackHttpServer::HostPort() const { return absl::StrCat("127.0.0.1:", port_); }

std::string LoopbackHttpServer::Url(const std::string& path) const {
  return absl::StrCat(tls_ ? "https" : "http", "://", HostPort(), path);
}

std::vector<std::string> LoopbackHttpServer::Requests() const {
  std::vector<std::string> paths;
  std::ifstream in(log_);
  for (std::string line; std::getline(in, line);) paths.push_back(line);
  return paths;
}

}  // namespace infip::fetch::testing
