// The infip subcommands. Each Add*Command registers its flags on `root` and returns the
// subcommand with the function that runs it once the command line has been parsed.
//
// Local commands work on files alone; remote commands (register .. info) talk to an infip
// server (remote.h) and share --server, --timeout, --json and --progress.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "absl/status/status.h"

namespace infip::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<absl::Status()> run;
  // After a successful run, the exit code it calls for (verify --fail-on-pirated); empty: 0.
  std::function<int()> success_code;
};

// Local.
Command AddExtractCommand(CLI::App& root);
Command AddCompareCommand(CLI::App& root);
Command AddRelevanceCommand(CLI::App& root);
Command AddRenderCommand(CLI::App& root);
Command AddVerdictCommand(CLI::App& root);

// Remote.
Command AddRegisterCommand(CLI::App& root);
Command AddVerifyCommand(CLI::App& root);
Command AddScreenCommand(CLI::App& root);
Command AddListCommand(CLI::App& root);
Command AddShowCommand(CLI::App& root);
Command AddDeleteCommand(CLI::App& root);
Command AddEvidenceCommand(CLI::App& root);
Command AddInfoCommand(CLI::App& root);

}  // namespace infip::cli
