// Where tests find their data: paths compiled in by tests/CMakeLists.txt, overridable by
// environment variables of the same names.
#pragma once

#include <cstdlib>
#include <string>

namespace infip::testing {

inline std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string(fallback);
}
// Directory with the generated test models (tools/testmodels/make_models.py).
inline std::string TestDataDir() { return EnvOr("INFIP_TESTDATA", INFIP_TESTDATA_DEFAULT); }
inline std::string SourceDir() { return EnvOr("INFIP_SOURCE_DIR", INFIP_SOURCE_DIR_DEFAULT); }
inline std::string SystemPython() { return EnvOr("INFIP_PYTHON", INFIP_PYTHON_DEFAULT); }

}  // namespace infip::testing
