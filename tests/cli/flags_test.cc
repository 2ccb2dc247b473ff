// Command-line pieces of the remote commands: exactly-one-of flag groups, and the names the
// CLI accepts for files the server names.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "client/file_names.h"
#include "client/one_of.h"

namespace infip::cli {
namespace {

// Parses argv (without the program name) on a fresh app with --model / --handle, one of
// which is required; returns the CLI11 error's message, or "" when parsing succeeded.
std::string ParseModelSource(std::vector<std::string> args) {
  CLI::App app("test");
  std::string model, handle;
  CLI::Option* m = app.add_option("--model", model);
  CLI::Option* h = app.add_option("--handle", handle);
  RequireExactlyOne(app, {{m, h}});
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(OneOfTest, OneGivenIsFine) {
  EXPECT_EQ(ParseModelSource({"--model", "m.pt"}), "");
  EXPECT_EQ(ParseModelSource({"--handle", "file:///m.pt"}), "");
}

TEST(OneOfTest, NoneGivenNamesTheChoices) {
  EXPECT_EQ(ParseModelSource({}), "one of --model, --handle is required");
}

TEST(OneOfTest, BothGivenIsAnError) {
  const std::string error = ParseModelSource({"--model", "m.pt", "--handle", "file:///m.pt"});
  EXPECT_NE(error, "");
  EXPECT_NE(error.find("excludes"), std::string::npos) << error;
}

TEST(FileNamesTest, PlainNamesOnly) {
  for (const char* ok : {"key-007-ssim.png", "grid.png", "a", "x..png"}) {
    EXPECT_TRUE(IsPlainFileName(ok)) << ok;
  }
  for (const char* bad : {"", ".", "..", "../x.png", "/etc/passwd", "a/b.png", "a\\b.png",
                          ".hidden", "-rf", "tab\there", "nul\x01"}) {
    EXPECT_FALSE(IsPlainFileName(bad)) << bad;
  }
  EXPECT_FALSE(IsPlainFileName(std::string(256, 'a')));
  EXPECT_TRUE(IsPlainFileName(std::string(255, 'a')));
}

}  // namespace
}  // namespace infip::cli
