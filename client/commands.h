// The infip subcommands. Each Add*Command registers its flags on `root` and returns the
// subcommand with the function that runs it once the command line has been parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "absl/status/status.h"

namespace infip::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<absl::Status()> run;
};

Command AddExtractCommand(CLI::App& root);
Command AddCompareCommand(CLI::App& root);
Command AddRelevanceCommand(CLI::App& root);
Command AddRenderCommand(CLI::App& root);
Command AddVerdictCommand(CLI::App& root);

}  // namespace infip::cli
