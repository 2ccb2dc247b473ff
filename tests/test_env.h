// Where tests find their data: environment set by ctest (tests/CMakeLists.txt).
#pragma once

#include <cstdlib>
#include <string>

namespace infip::testing {

inline std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string(fallback);
}
// Directory with the generated test models (tools/testmodels/make_models.py).
inline std::string TestDataDir() { return EnvOr("INFIP_TESTDATA", "testdata"); }
inline std::string SourceDir() { return EnvOr("INFIP_SOURCE_DIR", "."); }
inline std::string SystemPython() { return EnvOr("INFIP_PYTHON", "/usr/bin/python3"); }

}  // namespace infip::testing
