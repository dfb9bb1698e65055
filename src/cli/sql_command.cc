// `dhis2lake sql "SELECT …" [--format table|csv|json]`: SQL over every table of the lake; `-` reads
// the SQL from standard input (a query longer than the system's limit on one argument, 128 KiB on
// Linux, or a file: `dhis2lake sql - < query.sql`).
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/lake_session.h"
#include "cli/result_printer.h"

namespace dhl::cli {

void AddSqlCommand(CLI::App& app, Action* action) {
  struct Args {
    std::string query;
    std::string format = "table";
  };
  auto args = std::make_shared<Args>();
  CLI::App* command =
      app.add_subcommand("sql", "Run SQL over the lake; every table is a view layer.table");
  command
      ->add_option("query", args->query,
                   "The SQL, e.g. \"SELECT * FROM silver.data_value\"; - reads it from stdin")
      ->required();
  command->add_option("--format", args->format, "table, csv or json (default table)");
  command->callback([action, args] {
    *action = [args](const Config& config) {
      Result<OutputFormat> format = ParseOutputFormat(args->format);
      if (!format.ok()) {
        return ReportFailure(format.status(), /*usage_on_invalid=*/true);
      }
      if (args->query == "-") {
        args->query.assign(std::istreambuf_iterator<char>(std::cin), {});
        if (args->query.find_first_not_of(" \t\r\n") == std::string::npos) {
          return ReportFailure(InvalidArgument("sql -: standard input holds no SQL"),
                               /*usage_on_invalid=*/true);
        }
      }
      Result<LakeSession> session =
          LakeSession::Open(config.lake_dir, /*register_tables=*/true, config.memory_limit_bytes);
      if (!session.ok()) {
        return ReportFailure(session.status());
      }
      // One statement runs prepared, its ENUM columns read as text (the result API reads no
      // ENUM value); several run as they are (Connection::Query says whose rows come back).
      engine::Connection& connection = session->connection();
      Result<engine::QueryResult> result = [&]() -> Result<engine::QueryResult> {
        Result<engine::PreparedStatement> prepared = connection.PrepareSingle(args->query);
        if (!prepared.ok()) return connection.Query(args->query);
        DHL_ASSIGN_OR_RETURN(engine::PreparedStatement readable,
                             connection.WithEnumsAsText(std::move(*prepared), args->query));
        return readable.Execute();
      }();
      if (!result.ok()) {
        return ReportFailure(result.status());
      }
      PrintResult(*result, *format, stdout);
      return kExitOk;
    };
  });
}

}  // namespace dhl::cli
