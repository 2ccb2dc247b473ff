// The test PKI of the authentication tests: tests/server/make_test_pki.sh run once per test
// binary into a scratch directory (openssl at test time; nothing committed).
//
//   const TestPki& pki = TestPki::Get();
//   std::string pem = pki.Read("owner-a.pem");
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "scratch_dir.h"
#include "test_env.h"

namespace infip::server::testing {

class TestPki {
 public:
  static const TestPki& Get() {
    static const TestPki* const pki = new TestPki();
    return *pki;
  }
  [[nodiscard]] std::string Path(const std::string& name) const { return dir_->Path(name); }
  [[nodiscard]] std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  TestPki() : dir_(new infip::testing::ScratchDir()) {
    const std::string command = "bash '" + infip::testing::SourceDir() +
                                "/tests/server/make_test_pki.sh' '" + dir_->path() + "'";
    ok_ = std::system(command.c_str()) == 0;
    EXPECT_TRUE(ok_) << command;
  }
  infip::testing::ScratchDir* dir_;  // lives as long as the process; removed by nobody but
                                     // the system's temp cleaner, like gtest's own temp files
  bool ok_ = false;
};

}  // namespace infip::server::testing
