// A fresh temporary directory per test, removed with everything in it when the object goes.
//
//   ScratchDir dir;
//   WriteBytes(dir.Path("model.pt"), bytes);   // or dir / "model.pt"
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace infip::testing {

class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/infip-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
      return;
    }
    // Canonical, so that tests compare equal to paths the code under test resolves.
    std::error_code ec;
    path_ = std::filesystem::canonical(pattern, ec).string();
    if (ec) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string Path(const std::string& name = "") const {
    return name.empty() ? path_ : path_ + "/" + name;
  }
  [[nodiscard]] std::string operator/(const std::string& name) const { return Path(name); }
  // A subdirectory, created.
  std::string MakeDir(const std::string& name) const {
    const std::string dir = Path(name);
    std::filesystem::create_directories(dir);
    return dir;
  }

 private:
  std::string path_;
};

}  // namespace infip::testing
