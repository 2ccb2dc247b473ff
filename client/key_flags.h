// The flags shared by every command that runs a model over a key set (extract, relevance):
// which model, which keys, how to preprocess them, which rule composite, on which device; and
// the key-set part alone for `register`, which preprocesses the keys here and lets the server
// run the model. Malformed values are usage errors, caught while parsing; whether the files
// exist and fit is for the library to say.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "infip/io/preprocessing.h"

namespace infip::cli {

struct KeyFlags {
  std::string model_path;
  std::string keys_path;
  std::string composite = "dtd";
  std::optional<int64_t> limit;
  std::string resize;  // "HxW", empty: keep the images' size
  bool gray = false;
  bool rgb = false;
  std::string mean, std, low, high;  // "v" or "v1,v2,v3", empty: default
  std::string device = "cpu";
  // The sandboxed worker (docs/security.md).
  bool no_sandbox = false;        // run the model in this process (trusted files only)
  bool no_source_scan = false;    // the archive check's source scan off
  int64_t worker_memory_mib = 0;  // 0: the machine's physical memory
  int64_t worker_timeout_s = 0;   // load and each extraction; 0: the server's rules
};

// Registers the flags on `command`; values land in `flags`, which must outlive parsing.
void AddKeyFlags(CLI::App& command, KeyFlags& flags);
// Only --keys (required), --limit and the preprocessing flags (--resize, --gray, --rgb, --mean,
// --std, --low, --high).
void AddKeySetFlags(CLI::App& command, KeyFlags& flags);

// The preprocessing the flags describe.
[[nodiscard]] absl::StatusOr<io::Preprocessing> ToPreprocessing(const KeyFlags& flags);

}  // namespace infip::cli
