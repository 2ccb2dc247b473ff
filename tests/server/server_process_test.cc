// The infip-server binary as an operator runs it: --help, a bad flag (exit 2), a start that
// cannot work (exit 1), and a full life: configured partly by environment variables, JSON
// logs, a call through the generated stub, a SIGHUP that reloads and does not stop, SIGTERM,
// exit 0.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "grpc_test_client.h"
#include "server_test_util.h"

extern char** environ;

namespace infip::server {
namespace {

using testing::ScratchDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Process {
 public:
  Process(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
          const std::string& out, const std::string& err) {
    std::vector<std::string> argv_storage = {INFIP_SERVER_BINARY};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_storage = extra_env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).rfind("INFIP_", 0) != 0) env_storage.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (std::string& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    spawned_ = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) == 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (spawned_ && !reaped_) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }
  bool spawned() const { return spawned_; }
  bool Running() {
    if (reaped_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
      return false;
    }
    return true;
  }
  // The exit code, or 128 + signal.
  int Wait() {
    if (!reaped_) {
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  void Signal(int signo) { ::kill(pid_, signo); }

 private:
  pid_t pid_ = 0;
  bool spawned_ = false;
  bool reaped_ = false;
  int status_ = 0;
};

TEST(ServerProcessTest, HelpPrintsEveryFlagAndExitsZero) {
  ScratchDir dir;
  Process p({"--help"}, {}, dir / "out", dir / "err");
  ASSERT_TRUE(p.spawned());
  EXPECT_EQ(p.Wait(), 0);
  const std::string out = ReadFile(dir / "out");
  EXPECT_NE(out.find("--listen"), std::string::npos) << out;
  EXPECT_NE(out.find("INFIP_DATA_DIR"), std::string::npos) << out;
}

TEST(ServerProcessTest, BadFlagIsAUsageError) {
  ScratchDir dir;
  Process p({"--workers", "many"}, {}, dir / "out", dir / "err");
  ASSERT_TRUE(p.spawned());
  EXPECT_EQ(p.Wait(), 2);
  const std::string err = ReadFile(dir / "err");
  EXPECT_NE(err.find("--workers"), std::string::npos) << err;
  EXPECT_NE(err.find("'many'"), std::string::npos) << err;
}

TEST(ServerProcessTest, UnusableDataDirStopsTheStart) {
  ScratchDir dir;
  std::ofstream(dir / "not-a-dir") << "x";
  Process p({"--listen", "127.0.0.1:0", "--metrics-listen", "off", "--data-dir",
             dir / "not-a-dir"},
            {}, dir / "out", dir / "err");
  ASSERT_TRUE(p.spawned());
  EXPECT_EQ(p.Wait(), 1);
  const std::string err = ReadFile(dir / "err");
  EXPECT_NE(err.find("not a directory"), std::string::npos) << err;
  EXPECT_NE(err.find(dir / "not-a-dir"), std::string::npos) << err;
}

TEST(ServerProcessTest, ServesUntilSigtermThenExitsZero) {
  ScratchDir dir;
  const std::string data = dir / "data";
  Process p({"--listen", "127.0.0.1:0", "--device", "cpu", "--log-format", "json"},
            {"INFIP_DATA_DIR=" + data, "INFIP_METRICS_LISTEN=off", "INFIP_GRACE_PERIOD=20s"},
            dir / "out", dir / "err");
  ASSERT_TRUE(p.spawned());

  // The port the kernel chose, from the start-up line "... (port N) ...".
  int port = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (port == 0 && std::chrono::steady_clock::now() < give_up) {
    ASSERT_TRUE(p.Running()) << "infip-server exited while starting:\n" << ReadFile(dir / "err");
    const std::string log = ReadFile(dir / "err");
    const size_t at = log.find("(port ");
    if (at != std::string::npos) {
      const size_t end = log.find(')', at);
      ASSERT_TRUE(absl::SimpleAtoi(log.substr(at + 6, end - at - 6), &port)) << log;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_GT(port, 0) << ReadFile(dir / "err");

  auto channel = testing::Connect(port);
  grpc::Status failure;
  int health = -1;
  while (health != 1 && std::chrono::steady_clock::now() < give_up) {
    health = testing::HealthStatus(channel, "", &failure);
    if (health != 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(health, 1) << failure.error_message();
  auto stub = v1::Fingerprinting::NewStub(channel);
  grpc::ClientContext context;
  v1::ServerInfo info;
  const grpc::Status status = stub->GetServerInfo(&context, {}, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.registrations(), 0);
  // The environment's data dir was used.
  EXPECT_TRUE(std::filesystem::exists(data + "/registrations.db"));
  EXPECT_TRUE(std::filesystem::exists(data + "/signing-key.pem"));

  // SIGHUP re-reads the access file (here there is none) and never stops the server.
  p.Signal(SIGHUP);
  while (ReadFile(dir / "err").find("no access file to re-read") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    ASSERT_TRUE(p.Running()) << "SIGHUP ended the server:\n" << ReadFile(dir / "err");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(p.Running());
  grpc::ClientContext after;
  ASSERT_TRUE(stub->GetServerInfo(&after, {}, &info).ok());

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0) << ReadFile(dir / "err");

  // Every log line is one JSON object; one of them is the request line.
  std::istringstream log(ReadFile(dir / "err"));
  std::string line;
  bool request_logged = false, stopped = false;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    ASSERT_TRUE(j.contains("time") && j.contains("level")) << line;
    if (j.value("logger", "") == "request" && j.value("method", "") == "GetServerInfo") {
      request_logged = true;
      EXPECT_EQ(j["code"], "OK");
      EXPECT_TRUE(j["duration_ms"].is_number());
      EXPECT_EQ(j["bytes_in"], 0);
      EXPECT_NE(j["peer"].get<std::string>().find("127.0.0.1"), std::string::npos);
    }
    if (j.value("message", "") == "stopped") stopped = true;
  }
  EXPECT_GT(lines, 2);
  EXPECT_TRUE(request_logged) << ReadFile(dir / "err");
  EXPECT_TRUE(stopped) << ReadFile(dir / "err");
}

}  // namespace
}  // namespace infip::server
