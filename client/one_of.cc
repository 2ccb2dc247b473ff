#include "client/one_of.h"

#include <string>

#include "absl/strings/str_join.h"

namespace infip::cli {

void RequireExactlyOne(CLI::App& app, const std::vector<std::vector<CLI::Option*>>& groups) {
  for (const std::vector<CLI::Option*>& group : groups) {
    for (size_t i = 0; i < group.size(); ++i) {
      for (size_t j = i + 1; j < group.size(); ++j) group[i]->excludes(group[j]);
    }
  }
  app.parse_complete_callback([groups] {
    for (const std::vector<CLI::Option*>& group : groups) {
      bool any = false;
      for (const CLI::Option* option : group) any = any || option->count() > 0;
      if (any) continue;
      std::vector<std::string> names;
      for (const CLI::Option* option : group) names.push_back(option->get_name());
      // RequiredError is a CLI::ParseError: main reports it as a usage error. It appends
      // " is required" to what it is given.
      throw CLI::RequiredError(group.size() == 1 ? names[0]
                                                 : "one of " + absl::StrJoin(names, ", "));
    }
  });
}

}  // namespace infip::cli
