// Helpers of the verdict tests: a scratch directory per test, files, shell commands, and a
// valid statement to start from.
#pragma once

#include <gtest/gtest.h>

#include "scratch_dir.h"
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "infip/verdict/statement.h"

namespace infip::verdict::testing {

using ::infip::testing::ScratchDir;

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, stderr merged into stdout.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A single-quoted shell word.
inline std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline VerdictPredicate ValidVerdict() {
  VerdictPredicate p;
  p.registration_id = "reg-0001";
  p.assim = 0.9125;
  p.ci_low = 0.9;
  p.ci_high = 0.925;
  p.confidence = 0.95;
  p.threshold = 0.85;
  p.n = 3;
  p.composite = "dtd";
  p.lambda = 5000;
  p.lambda_scaling = "resolution";
  p.engine_version = "infip-engine/0.1.0";
  p.pirated = true;
  p.per_key_ssim = {0.9, 0.925, 0.9125};
  p.time = absl::FromUnixSeconds(1795000000);
  return p;
}

inline ReceiptPredicate ValidReceipt() {
  ReceiptPredicate p;
  p.registration_id = "reg-0001";
  p.owner = "alice";
  p.model_name = "fashion-cnn";
  p.key_set_sha256 = std::string(64, 'a');
  p.fingerprint_set_sha256 = std::string(64, 'b');
  p.n = 100;
  p.composite = "dtd";
  p.lambda = 5000;
  p.lambda_scaling = "resolution";
  p.threshold = 0.85;
  p.engine_version = "infip-engine/0.1.0";
  p.time = absl::FromUnixSeconds(1795000000);
  return p;
}

inline Statement ValidStatement() {
  Statement s;
  s.subject.push_back({"suspect.pt", std::string(64, 'c')});
  s.predicate = ValidVerdict();
  return s;
}

}  // namespace infip::verdict::testing
