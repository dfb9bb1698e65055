// `dhis2lake demo`: the first thing a newcomer runs. Until the simulator, sync and dashboard land, it
// is a short end-to-end showcase on the local lake: it imports a sample file into a lake table, runs
// SQL over it, and shows the table's history.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/lake_session.h"
#include "cli/result_printer.h"
#include "lake/lake_catalog.h"

namespace dhl::cli {
namespace {

// Illustrative population estimates (not official figures) for four Sierra Leone districts, 2020-2024,
// in the reference
// data shape (item, ou, pe, value) that indicators use as denominators.
std::string SamplePopulationCsv() {
  const char* regions[][2] = {
      {"O6uvpzGd5pu", "Bo"}, {"fdc6uOvgoji", "Bombali"}, {"lc3eMKXaEfw", "Bonthe"},
      {"jUb8gELQApl", "Kailahun"}};
  const double base[] = {575478, 606544, 200781, 526379};
  std::string csv = "item,ou,ou_name,pe,value\n";
  for (int year = 2020; year <= 2024; ++year) {
    for (int r = 0; r < 4; ++r) {
      double value = base[r] * (1.0 + 0.022 * (year - 2020));
      csv += fmt::format("DkmMEcubiPv,{},{},{},{:.0f}\n", regions[r][0], regions[r][1], year, value);
    }
  }
  return csv;
}

int Step(const std::string& title) {
  fmt::print(stdout, "\n== {}\n", title);
  std::fflush(stdout);
  return 0;
}

int RunDemo(const Config& config) {
  namespace fs = std::filesystem;
  fmt::print(stdout, "dhis2lake demo: a lakehouse in {}\n", fs::absolute(config.lake_dir).lexically_normal().string());
  std::error_code error;
  fs::path sample = fs::temp_directory_path(error) / fmt::format("dhis2lake-demo-{}.csv", getpid());
  {
    std::ofstream out(sample);
    out << SamplePopulationCsv();
    if (!out) {
      return ReportFailure(IoError("cannot write " + sample.string()));
    }
  }
  Result<LakeSession> session = LakeSession::Open(config.lake_dir, /*register_tables=*/false);
  if (!session.ok()) {
    return ReportFailure(session.status());
  }
  Step("import " + sample.string() + " into ref.population (replacing its rows)");
  Result<std::string> source = lake::ImportSourceQuery(sample.string());
  if (!source.ok()) {
    return ReportFailure(source.status());
  }
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kOverwrite;
  options.partition_columns = {"pe"};
  Result<lake::WriteResult> written =
      session->catalog().Table({"ref", "population"}).Write(session->connection(), *source, options);
  fs::remove(sample, error);
  if (!written.ok()) {
    return ReportFailure(written.status());
  }
  fmt::print(stdout, "wrote {} rows as {} Parquet files, Delta version {}\n", written->rows_written,
             written->files_added, written->version);

  Result<std::vector<std::string>> skipped = session->catalog().RegisterAll(session->connection());
  if (!skipped.ok()) {
    return ReportFailure(skipped.status());
  }
  const std::string query =
      "SELECT pe AS year, count(*) AS regions, sum(value) AS population, "
      "round(100 * (sum(value) / lag(sum(value)) OVER (ORDER BY pe) - 1), 1) AS growth_pct "
      "FROM ref.population GROUP BY pe ORDER BY pe";
  Step("dhis2lake sql \"" + query + "\"");
  Result<engine::QueryResult> result = session->connection().Query(query);
  if (!result.ok()) {
    return ReportFailure(result.status());
  }
  PrintResult(*result, OutputFormat::kTable, stdout);

  Step("dhis2lake history ref.population");
  Result<lake::DeltaTable> table = session->catalog().Open({"ref", "population"});
  if (!table.ok()) {
    return ReportFailure(table.status());
  }
  Result<std::vector<lake::HistoryEntry>> history = table->History(5);
  if (!history.ok()) {
    return ReportFailure(history.status());
  }
  for (const lake::HistoryEntry& entry : *history) {
    fmt::print(stdout, "version {:>3}  {}  {:<8} +{} files -{} files\n", entry.version,
               FormatIsoUtcMillis(entry.timestamp_ms), entry.operation, entry.files_added,
               entry.files_removed);
  }
  fmt::print(stdout,
             "\nThe table is a Delta Lake table: Spark, Databricks, delta-rs and DuckDB read {}.\n"
             "Try: dhis2lake --lake {} sql \"SELECT * FROM ref.population LIMIT 5\"\n",
             (fs::path(config.lake_dir) / "ref" / "population").string(), config.lake_dir);
  return kExitOk;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Action* action) {
  CLI::App* command = app.add_subcommand("demo", "A short end-to-end showcase on the local lake");
  command->callback([action] { *action = [](const Config& config) { return RunDemo(config); }; });
}

}  // namespace dhl::cli
