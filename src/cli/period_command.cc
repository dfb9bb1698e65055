// `dhis2lake period ID…`: what DHIS2 means by each period id, one JSON object per line.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "dhis2/period.h"

namespace dhl::cli {

void AddPeriodCommand(CLI::App& app, Action* action) {
  auto ids = std::make_shared<std::vector<std::string>>();
  CLI::App* command = app.add_subcommand("period", "What DHIS2 means by a period id (JSON lines)");
  command->add_option("ids", *ids, "Period ids, e.g. 2024Q1 2024W5 202402")->required();
  command->callback([action, ids] {
    *action = [ids](const Config&) {
      bool all_ok = true;
      for (const std::string& id : *ids) {
        bool ok = false;
        std::string line = dhis2::PeriodJsonLine(id, &ok);
        fmt::print(stdout, "{}\n", line);
        all_ok = all_ok && ok;
      }
      return all_ok ? kExitOk : kExitFailure;
    };
  });
}

}  // namespace dhl::cli
