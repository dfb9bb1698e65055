// The lake's housekeeping commands: `tables`, `history TABLE`, `import TABLE FILE`, `vacuum TABLE`,
// `optimize TABLE`.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/progress.h"
#include "cli/command.h"
#include "cli/lake_session.h"
#include "cli/result_printer.h"
#include "lake/lake_catalog.h"
#include "sql/literal.h"

namespace dhl::cli {
namespace {

struct Column {
  std::string name;
  std::string type;  // DuckDB type
};

// Prints rows through the common result printer, so that every listing honours --format.
Status PrintRows(engine::Connection& connection, const std::vector<Column>& columns,
                 const std::vector<std::vector<engine::Value>>& rows, OutputFormat format) {
  std::string ddl = "CREATE OR REPLACE TEMP TABLE dhl_listing (";
  std::string select = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) {
    DHL_ASSIGN_OR_RETURN(std::string quoted,
                         sql::QuoteIdentifier(columns[i].name, sql::Dialect::kDuckDb));
    ddl += (i > 0 ? ", " : "") + quoted + " " + columns[i].type;
    select += (i > 0 ? ", " : "") + quoted;
  }
  DHL_RETURN_IF_ERROR(connection.Execute(ddl + ")"));
  {
    DHL_ASSIGN_OR_RETURN(engine::Appender appender, connection.CreateAppender("", "dhl_listing"));
    for (const auto& row : rows) {
      for (const auto& value : row) {
        DHL_RETURN_IF_ERROR(appender.Append(value));
      }
      DHL_RETURN_IF_ERROR(appender.EndRow());
    }
    DHL_RETURN_IF_ERROR(appender.Close());
  }
  DHL_ASSIGN_OR_RETURN(engine::QueryResult result,
                       connection.Query(select + " FROM dhl_listing ORDER BY rowid"));
  PrintResult(result, format, stdout);
  return Status::Ok();
}

engine::Value OptionalInt(const std::optional<int64_t>& value) {
  if (value) {
    return *value;
  }
  return std::monostate{};
}

int RunTables(const Config& config, OutputFormat format) {
  Result<LakeSession> session =
      LakeSession::Open(config.lake_dir, /*register_tables=*/false, config.memory_limit_bytes);
  if (!session.ok()) {
    return ReportFailure(session.status());
  }
  Result<std::vector<lake::TableName>> names = session->catalog().ListTables();
  if (!names.ok()) {
    return ReportFailure(names.status());
  }
  std::vector<std::vector<engine::Value>> rows;
  for (const lake::TableName& name : *names) {
    lake::DeltaTable table = session->catalog().Table(name);
    Result<lake::Snapshot> snapshot = table.Load(session->connection());
    if (!snapshot.ok()) {
      rows.push_back({name.ToString(), std::monostate{}, std::monostate{}, std::monostate{},
                      std::monostate{}, std::monostate{}, snapshot.status().message()});
      continue;
    }
    rows.push_back({name.ToString(), snapshot->version,
                    static_cast<int64_t>(snapshot->files.size()),
                    OptionalInt(snapshot->total_rows()), snapshot->total_bytes(),
                    FormatIsoUtcMillis(snapshot->timestamp_ms), std::monostate{}});
  }
  Status status = PrintRows(session->connection(),
                            {{"table", "VARCHAR"},
                             {"version", "BIGINT"},
                             {"files", "BIGINT"},
                             {"rows", "BIGINT"},
                             {"bytes", "BIGINT"},
                             {"last_commit", "VARCHAR"},
                             {"error", "VARCHAR"}},
                            rows, format);
  return status.ok() ? kExitOk : ReportFailure(status);
}

// An existing table named on the command line, with the session that opened it.
struct OpenedTable {
  lake::TableName name;
  LakeSession session;
  lake::DeltaTable table;
};

// Opens the table `table_text` names; on failure reports it and sets `*exit_code` (2 for a
// malformed name, 1 otherwise).
std::optional<OpenedTable> OpenExistingTable(const Config& config, const std::string& table_text,
                                             int* exit_code) {
  Result<lake::TableName> name = lake::ParseTableName(table_text);
  if (!name.ok()) {
    *exit_code = ReportFailure(name.status(), /*usage_on_invalid=*/true);
    return std::nullopt;
  }
  Result<LakeSession> session =
      LakeSession::Open(config.lake_dir, /*register_tables=*/false, config.memory_limit_bytes);
  if (!session.ok()) {
    *exit_code = ReportFailure(session.status());
    return std::nullopt;
  }
  Result<lake::DeltaTable> table = session->catalog().Open(*name);
  if (!table.ok()) {
    *exit_code = ReportFailure(table.status());
    return std::nullopt;
  }
  return OpenedTable{*name, std::move(session).value(), std::move(table).value()};
}

int RunHistory(const Config& config, const std::string& table_text, OutputFormat format) {
  int exit_code = kExitOk;
  std::optional<OpenedTable> opened = OpenExistingTable(config, table_text, &exit_code);
  if (!opened) {
    return exit_code;
  }
  Result<std::vector<lake::HistoryEntry>> history = opened->table.History();
  if (!history.ok()) {
    return ReportFailure(history.status());
  }
  std::vector<std::vector<engine::Value>> rows;
  for (const lake::HistoryEntry& entry : *history) {
    std::string parameters;
    for (const auto& [key, value] : entry.operation_parameters) {
      parameters += (parameters.empty() ? "" : ", ") + key + "=" + value;
    }
    rows.push_back({entry.version, FormatIsoUtcMillis(entry.timestamp_ms), entry.operation,
                    parameters, entry.files_added, entry.files_removed,
                    OptionalInt(entry.rows_added), OptionalInt(entry.rows_removed),
                    entry.bytes_added});
  }
  Status status = PrintRows(opened->session.connection(),
                            {{"version", "BIGINT"},
                             {"timestamp", "VARCHAR"},
                             {"operation", "VARCHAR"},
                             {"parameters", "VARCHAR"},
                             {"files_added", "BIGINT"},
                             {"files_removed", "BIGINT"},
                             {"rows_added", "BIGINT"},
                             {"rows_removed", "BIGINT"},
                             {"bytes_added", "BIGINT"}},
                            rows, format);
  return status.ok() ? kExitOk : ReportFailure(status);
}

struct ImportArgs {
  std::string table;
  std::string file;
  bool overwrite = false;
  std::vector<std::string> partition_by;
};

int RunImport(const Config& config, const ImportArgs& args) {
  Result<lake::TableName> name = lake::ParseTableName(args.table);
  if (!name.ok()) {
    return ReportFailure(name.status(), /*usage_on_invalid=*/true);
  }
  Result<std::string> source = lake::ImportSourceQuery(args.file);
  if (!source.ok()) {
    return ReportFailure(source.status());
  }
  Result<LakeSession> session =
      LakeSession::Open(config.lake_dir, /*register_tables=*/false, config.memory_limit_bytes);
  if (!session.ok()) {
    return ReportFailure(session.status());
  }
  lake::DeltaTable table = session->catalog().Table(*name);
  lake::WriteOptions options;
  options.mode = args.overwrite ? lake::WriteMode::kOverwrite : lake::WriteMode::kAppend;
  options.partition_columns = args.partition_by;
  Result<lake::WriteResult> written = table.Write(session->connection(), *source, options);
  if (!written.ok()) {
    return ReportFailure(
        written.status().WithContext("import " + args.file + " into " + name->ToString()));
  }
  fmt::print(stdout, "imported {} rows from {} into {} (version {}, {} file{}, {})\n",
             written->rows_written, args.file, name->ToString(), written->version,
             written->files_added, written->files_added == 1 ? "" : "s",
             HumanBytes(static_cast<double>(written->bytes_written)));
  return kExitOk;
}

int RunVacuum(const Config& config, const std::string& table_text, double retention_hours,
              bool dry_run, bool force) {
  int exit_code = kExitOk;
  std::optional<OpenedTable> opened = OpenExistingTable(config, table_text, &exit_code);
  if (!opened) {
    return exit_code;
  }
  lake::VacuumOptions options;
  options.retention =
      std::chrono::milliseconds(static_cast<int64_t>(retention_hours * 3600 * 1000));
  options.dry_run = dry_run;
  options.force = force;
  Result<lake::VacuumResult> result = opened->table.Vacuum(opened->session.connection(), options);
  if (!result.ok()) {
    return ReportFailure(result.status());
  }
  for (const std::string& file : result->files) {
    fmt::print(stdout, "{}{}\n", dry_run ? "would delete " : "deleted ", file);
  }
  fmt::print(stdout, "{} {} file{} ({}) from {}\n", dry_run ? "would delete" : "deleted",
             result->files.size(), result->files.size() == 1 ? "" : "s",
             HumanBytes(static_cast<double>(result->bytes)), opened->name.ToString());
  return kExitOk;
}

int RunOptimize(const Config& config, const std::string& table_text) {
  int exit_code = kExitOk;
  std::optional<OpenedTable> opened = OpenExistingTable(config, table_text, &exit_code);
  if (!opened) {
    return exit_code;
  }
  Result<lake::OptimizeResult> result = opened->table.Optimize(opened->session.connection(), {});
  if (!result.ok()) {
    return ReportFailure(result.status());
  }
  if (!result->version) {
    fmt::print(stdout, "{}: nothing to compact\n", opened->name.ToString());
  } else {
    fmt::print(stdout, "{}: compacted {} files into {} in {} partition{} (version {})\n",
               opened->name.ToString(), result->files_removed, result->files_added,
               result->partitions_compacted, result->partitions_compacted == 1 ? "" : "s",
               *result->version);
  }
  return kExitOk;
}

// Adds `--format` to a listing command.
std::shared_ptr<std::string> AddFormatOption(CLI::App* command) {
  auto format = std::make_shared<std::string>("table");
  command->add_option("--format", *format, "table, csv or json (default table)");
  return format;
}

}  // namespace

void AddLakeCommands(CLI::App& app, Action* action) {
  {
    CLI::App* command = app.add_subcommand("tables", "List the lake's tables");
    auto format = AddFormatOption(command);
    command->callback([action, format] {
      *action = [format](const Config& config) {
        Result<OutputFormat> parsed = ParseOutputFormat(*format);
        return parsed.ok() ? RunTables(config, *parsed) : ReportFailure(parsed.status(), true);
      };
    });
  }
  {
    auto table = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("history", "A table's commits, newest first");
    command->add_option("table", *table, "layer.table")->required();
    auto format = AddFormatOption(command);
    command->callback([action, table, format] {
      *action = [table, format](const Config& config) {
        Result<OutputFormat> parsed = ParseOutputFormat(*format);
        return parsed.ok() ? RunHistory(config, *table, *parsed)
                           : ReportFailure(parsed.status(), true);
      };
    });
  }
  {
    auto args = std::make_shared<ImportArgs>();
    CLI::App* command = app.add_subcommand(
        "import", "Load a CSV, JSON or Parquet file into a lake table (created when missing)");
    command->add_option("table", args->table, "layer.table, e.g. ref.population")->required();
    command->add_option("file", args->file, "a .csv, .tsv, .json, .ndjson or .parquet file")
        ->required();
    command->add_flag("--overwrite", args->overwrite, "Replace the table's rows");
    command->add_option("--partition-by", args->partition_by,
                        "Partition columns when the table is created or overwritten");
    command->callback([action, args] {
      *action = [args](const Config& config) { return RunImport(config, *args); };
    });
  }
  {
    auto table = std::make_shared<std::string>();
    auto retention = std::make_shared<double>(24.0 * 7);
    auto dry_run = std::make_shared<bool>(false);
    auto force = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "vacuum", "Delete data files no retained version needs (default retention 168 hours)");
    command->add_option("table", *table, "layer.table")->required();
    command->add_option("--retention-hours", *retention, "Keep files needed within this many hours")
        ->check(CLI::NonNegativeNumber);
    command->add_flag("--dry-run", *dry_run, "List what would be deleted");
    command->add_flag("--force", *force,
                      "Accept a retention under 168 hours (files of running writers are kept)");
    command->callback([action, table, retention, dry_run, force] {
      *action = [table, retention, dry_run, force](const Config& config) {
        return RunVacuum(config, *table, *retention, *dry_run, *force);
      };
    });
  }
  {
    auto table = std::make_shared<std::string>();
    CLI::App* command =
        app.add_subcommand("optimize", "Compact small data files (data unchanged, one commit)");
    command->add_option("table", *table, "layer.table")->required();
    command->callback([action, table] {
      *action = [table](const Config& config) { return RunOptimize(config, *table); };
    });
  }
}

}  // namespace dhl::cli
