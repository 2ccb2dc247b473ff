// "Exactly one of these flags": CLI11 says when two exclusive flags are both given; this adds
// the other half, a usage error (exit code 2) naming the choices when none is.
//
//   RequireExactlyOne(*app, {model_option, handle_option});
#pragma once

#include <CLI/CLI.hpp>
#include <vector>

namespace infip::cli {

// Makes every pair of `options` exclusive and requires one of them. Installs the app's
// parse-complete callback, so call it once per app, with every group it needs.
void RequireExactlyOne(CLI::App& app, const std::vector<std::vector<CLI::Option*>>& groups);

}  // namespace infip::cli
