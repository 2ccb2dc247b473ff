// CLI11 validators with messages a user can act on (CLI11's own numeric ranges print the
// limits of a double in full).
#pragma once

#include <CLI/CLI.hpp>

namespace infip::cli {

// A whole number >= 1.
[[nodiscard]] CLI::Validator PositiveInteger();
// A finite number > 0.
[[nodiscard]] CLI::Validator PositiveNumber();
// A number in [low, high].
[[nodiscard]] CLI::Validator NumberBetween(double low, double high);

}  // namespace infip::cli
