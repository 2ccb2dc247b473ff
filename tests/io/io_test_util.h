// Helpers for the io tests: a scratch directory per test, and running /usr/bin/python3 (with
// numpy) or a shell command to produce independent expectations.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "scratch_dir.h"
#include "test_env.h"

namespace infip::io::testing {

using ::infip::testing::ScratchDir;

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs a shell command; returns its stdout, or fails the test when it exits non-zero.
inline std::string RunCommand(const std::string& command) {
  std::string out;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return out;
  }
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, got);
  const int rc = ::pclose(pipe);
  EXPECT_EQ(rc, 0) << "command failed: " << command << "\n" << out;
  return out;
}

// Runs a Python script with the system interpreter (which has numpy) in `dir`.
inline std::string RunPython(const ScratchDir& dir, const std::string& script) {
  const std::string path = dir.Path("script.py");
  WriteBytes(path, script);
  return RunCommand("cd '" + dir.Path() + "' && '" + infip::testing::SystemPython() + "' '" + path +
                    "' 2>&1");
}

}  // namespace infip::io::testing
