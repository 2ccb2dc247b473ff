// infip: extract, compare and render InFIP fingerprint sets from the command line, and register,
// verify and screen models with an infip server. Each command lives in its own cmd_*.cc.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/exit_codes.h"
#include "infip/common/version.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  using namespace infip::cli;
  // Library warnings stay visible; its info chatter would drown the command's own output.
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{
      "infip: fingerprints of image classifiers from Deep Taylor Decomposition relevance maps "
      "of a private key image set; two models match when the mean SSIM of their fingerprints "
      "reaches a threshold.",
      "infip"};
  app.set_version_flag("--version", infip::kEngineVersion);
  app.require_subcommand(1);
  app.footer(
      "Remote commands (register .. info) talk to --server HOST:PORT (default: $INFIP_SERVER, "
      "else 127.0.0.1:50051).\n"
      "Exit codes: 0 success (compare and verify: whatever the decision), 1 internal error, "
      "2 usage error, 3 bad input (also as the server judged it: invalid, unknown id, model "
      "that does not fit, unsupported op, handle outside the server's roots, too large), 4 "
      "server unreachable, unavailable, out of time (--timeout) or a failed TLS handshake, 5 "
      "verify --fail-on-pirated found a copy, 6 not allowed (the server refused the "
      "credentials, or the caller's role or tenant does not allow the call). "
      "See docs/cli.md.");

  std::vector<Command> commands = {
      // Local: files in, files out.
      AddExtractCommand(app), AddCompareCommand(app), AddRelevanceCommand(app),
      AddRenderCommand(app), AddVerdictCommand(app),
      // Remote: an infip server.
      AddRegisterCommand(app), AddVerifyCommand(app), AddScreenCommand(app), AddListCommand(app),
      AddShowCommand(app), AddDeleteCommand(app), AddEvidenceCommand(app), AddInfoCommand(app)};
  // CLI11 would report a mistyped command as a missing one.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const Command& command : commands) names.push_back(command.app->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << "infip: error: unknown command '" << argv[1]
                << "'; commands: " << absl::StrJoin(names, ", ") << std::endl;
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e);  // --help, --version
    }
    std::string help = "infip --help";
    for (const CLI::App* sub : app.get_subcommands()) help = "infip " + sub->get_name() + " --help";
    std::cerr << "infip: error: " << e.what() << " (see '" << help << "')" << std::endl;
    return kExitUsage;
  }
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      const absl::Status status = command.run();
      if (status.ok() && command.success_code) return command.success_code();
      return Finish(status);
    } catch (const std::exception& e) {
      // The library reports failures as statuses; anything thrown is a bug of infip's own.
      return Finish(absl::InternalError(e.what()));
    }
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}
