// Figures for gold.analytics + gold.aggregate + gold.outlier (docs/gold_aggregate.md): silver ->
// gold on the simulator's data at a scale, a full build and an incremental one after one month
// changes; each run in its own child process so that its peak memory is its own.
//
//   gold_bench prepare --scale small|medium|large --dir DIR [--seed N] [--csv DIR]
//       writes the silver tables the two models read into the lake DIR/lake (straight from the
//       simulator's country and value store, as silver would hold them), and with --csv the
//       data values, org units and periods as CSV files for the PostgreSQL baseline
//   gold_bench run --dir DIR [--full] [--threads N]
//       runs the three models once; prints `seconds=S rows=R` and each model's seconds/rows
//   gold_bench change --dir DIR
//       adds 1 to every value of the latest month in silver.data_value (one partition rewritten)
//   gold_bench baseline --dir DIR [--threads N]
//       copies silver's values, org units and periods once to plain Parquet files and times the
//       hand-written query (SUM per element x levels 1-4 x month, quarter and year) over them
//   gold_bench explain --dir DIR [--model aggregate] [--threads N] [--partitions Y,...]
//       runs a gold model's full query over the lake (its generators expanded) with DuckDB's
//       profiler on: DIR/profile_<model>.json; with --partitions, as a run recomputing those
//       partitions (the generators see them; the inputs are read whole); --plan-only plans it
//       (EXPLAIN) without running it; the rendered query goes to DIR/<model>.sql; the models
//       over tracker or quality tables need a lake synced from the simulator,
//       e.g. `dhis2lake sync --only extract,silver,gold`
//   gold_bench all --scale S --dir DIR [--threads N]
//       prepare, then full and incremental runs in child processes, one line each, the baseline
//       and the ratio of gold's full run to it
//
// bench/gold_bench.sh runs `all` beside the PostgreSQL 15 baseline (bench/pg_analytics.sql).
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dhis2/period.h"
#include "dhis2/period_type.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/generator.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "sim/country.h"
#include "sim/data_value_store.h"
#include "sim/sim_options.h"
#include "sql/dialect.h"
#include "sql/literal.h"

namespace {

namespace fs = std::filesystem;
using dhl::engine::Value;

[[noreturn]] void Fail(const dhl::Status& status, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(dhl::Result<T> result, const char* what) {
  if (!result.ok()) Fail(result.status(), what);
  return std::move(result).value();
}

void Must(const dhl::Status& status, const char* what) {
  if (!status.ok()) Fail(status, what);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

struct Options {
  std::string command;
  std::string scale = "small";
  std::string dir = "/tmp/dhl_gold_bench";
  std::string csv;
  uint64_t seed = 1;
  int threads = 0;
  bool full = false;
  std::string model = "aggregate";
  std::vector<std::string> partitions;  // explain: the partitions an incremental run recomputes
  bool plan_only = false;               // explain: plan the query (EXPLAIN), do not run it
};

std::string Text(const std::string& value) { return dhl::sql::StringLiteral(value); }

// The silver dimension tables from the simulator's country, as SQL over VALUES lists.
void WriteDimensions(dhl::engine::Connection& connection, const dhl::sim::Country& country) {
  using dhl::dhis2::PeriodType;
  std::string org_units;
  for (const dhl::sim::OrgUnit& unit : country.org_units) {
    std::vector<std::string> path;
    for (int at = static_cast<int>(&unit - country.org_units.data()); at >= 0;
         at = country.org_units[at].parent) {
      path.insert(path.begin(), country.org_units[at].uid);
    }
    std::string row = "(" + Text(unit.uid) + ", " + std::to_string(unit.level);
    for (size_t level = 0; level < 8; ++level) {
      row += ", " + (level < path.size() ? Text(path[level]) : std::string("NULL"));
    }
    row += ", DATE '" + dhl::dhis2::FormatDate(unit.opening) + "', " +
           (unit.closed ? "DATE '" + dhl::dhis2::FormatDate(*unit.closed) + "'"
                        : std::string("NULL")) +
           ")";
    org_units += (org_units.empty() ? "" : ", ") + row;
  }
  // A level no unit reaches is NULL throughout: VALUES would type it INTEGER.
  std::string level_columns;
  for (int level = 1; level <= 8; ++level) {
    level_columns += fmt::format("CAST(level{0}_uid AS VARCHAR) AS level{0}_uid, ", level);
  }
  Must(connection.Execute(
           "CREATE TABLE silver_org_unit AS SELECT uid, level, " + level_columns +
           "opening_date, closed_date, CAST(NULL AS TIMESTAMPTZ) AS valid_from, CAST(NULL AS "
           "TIMESTAMPTZ) AS valid_to, TRUE AS is_current FROM (VALUES " +
           org_units +
           ") AS t(uid, level, level1_uid, level2_uid, level3_uid, level4_uid, level5_uid, "
           "level6_uid, level7_uid, level8_uid, opening_date, closed_date)"),
       "org units");

  std::set<dhl::dhis2::Period> periods;
  for (const dhl::sim::DataSet& set : country.data_sets) {
    periods.insert(set.periods.begin(), set.periods.end());
  }
  std::string columns = "pe, period_type, start_date, end_date, days, year";
  for (PeriodType type : dhl::dhis2::kAllPeriodTypes) {
    columns += ", " + std::string(dhl::dhis2::PeriodTypeColumnName(type));
  }
  std::string period_rows;
  for (const dhl::dhis2::Period& period : periods) {
    std::string start = dhl::dhis2::FormatDate(period.start());
    std::string row = "(" + Text(period.id()) + ", " +
                      Text(std::string(dhl::dhis2::PeriodTypeName(period.type()))) + ", DATE '" +
                      start + "', DATE '" + dhl::dhis2::FormatDate(period.end()) + "', " +
                      std::to_string(period.days()) + ", " + start.substr(0, 4);
    for (PeriodType type : dhl::dhis2::kAllPeriodTypes) {
      auto structure =
          type == period.type() ? std::nullopt : dhl::dhis2::StructurePeriod(period, type);
      row += structure ? ", " + Text(structure->id()) : ", CAST(NULL AS VARCHAR)";
    }
    period_rows += (period_rows.empty() ? "" : ", ") + row + ")";
  }
  Must(connection.Execute("CREATE TABLE silver_period AS SELECT * FROM (VALUES " + period_rows +
                          ") AS t(" + columns + ")"),
       "periods");

  std::string elements;
  for (const dhl::sim::DataElement& element : country.data_elements) {
    elements += std::string(elements.empty() ? "" : ", ") + "(" + Text(element.uid) + ", " +
                Text(element.value_type) + ", " + Text(element.aggregation_type) + ", " +
                Text(element.domain_type) + ", " +
                (element.zero_is_significant ? "TRUE" : "FALSE") + ")";
  }
  Must(connection.Execute("CREATE TABLE silver_data_element AS SELECT * FROM (VALUES " + elements +
                          ") AS t(uid, value_type, aggregation_type, domain_type, "
                          "zero_is_significant)"),
       "data elements");
  std::string sets;
  std::string members;
  for (const dhl::sim::DataSet& set : country.data_sets) {
    sets += std::string(sets.empty() ? "" : ", ") + "(" + Text(set.uid) + ", " +
            Text(std::string(dhl::dhis2::PeriodTypeName(set.period_type))) + ")";
    for (int element : set.elements) {
      members += std::string(members.empty() ? "" : ", ") + "(" + Text(set.uid) + ", " +
                 Text(country.data_elements[element].uid) + ")";
    }
  }
  Must(connection.Execute("CREATE TABLE silver_data_set AS SELECT * FROM (VALUES " + sets +
                          ") AS t(uid, period_type)"),
       "data sets");
  Must(connection.Execute("CREATE TABLE silver_data_set_element AS SELECT * FROM (VALUES " +
                          members + ") AS t(data_set, de)"),
       "data set elements");

  // Option combos: one column per category holding the combo's option of it, and the long form.
  std::string category_columns;
  for (const dhl::sim::Category& category : country.categories) {
    category_columns += ", " + dhl::sql::QuoteName(category.uid);
  }
  std::string combos;
  std::string long_form;
  for (const dhl::sim::CategoryOptionCombo& coc : country.category_option_combos) {
    std::string row = "(" + Text(coc.uid) + ", " + Text(country.category_combos[coc.combo].uid);
    for (const dhl::sim::Category& category : country.categories) {
      std::string option = "NULL";
      for (int candidate : coc.options) {
        for (int member : category.options) {
          if (candidate == member) {
            option = Text(country.category_options[member].uid);
            long_form += std::string(long_form.empty() ? "" : ", ") + "(" + Text(coc.uid) + ", " +
                         Text(category.uid) + ", " + option + ")";
          }
        }
      }
      row += ", " + option;
    }
    combos += (combos.empty() ? "" : ", ") + row + ")";
  }
  Must(connection.Execute("CREATE TABLE silver_category_option_combo AS SELECT * FROM (VALUES " +
                          combos + ") AS t(uid, category_combo" + category_columns + ")"),
       "option combos");
  Must(connection.Execute(
           "CREATE TABLE silver_category_option_combo_option AS SELECT * FROM (VALUES " +
           long_form + ") AS t(coc, category, category_option)"),
       "option combo options");

  // Categories as the simulator's metadata gives them (dataDimension false for the first only:
  // gold.aggregate writes per-option rows of the others above the facility level).
  std::string categories;
  for (size_t k = 0; k < country.categories.size(); ++k) {
    const dhl::sim::Category& category = country.categories[k];
    categories += std::string(categories.empty() ? "" : ", ") + "(" + Text(category.uid) + ", " +
                  Text(category.name) + ", " + (k != 0 ? "TRUE" : "FALSE") + ")";
  }
  Must(connection.Execute("CREATE TABLE silver_category AS SELECT uid, CAST(NULL AS VARCHAR) AS "
                          "code, name, data_dimension FROM (VALUES " +
                          categories + ") AS t(uid, name, data_dimension)"),
       "categories");

  // silver.min_max: the generated range of every facility's (element, option combo) of the
  // elements with one, as the simulator serves /api/minMaxDataElements (gold.outlier reads it).
  Must(connection.Execute("CREATE TABLE silver_min_max (de VARCHAR, ou VARCHAR, coc VARCHAR, min "
                          "DOUBLE, max DOUBLE, generated BOOLEAN)"),
       "min-max table");
  auto ranges = Must(connection.CreateAppender("main", "silver_min_max"), "min-max appender");
  for (int ou : country.facilities) {
    for (size_t e = 0; e < country.data_elements.size(); ++e) {
      const dhl::sim::DataElement& element = country.data_elements[e];
      if (!element.min_max) continue;
      for (int coc : country.category_combos[element.combo].option_combos) {
        dhl::sim::Country::MinMax bounds = country.MinMaxRange(ou, static_cast<int>(e), coc);
        for (const Value& cell : std::vector<Value>{
                 element.uid, country.org_units[ou].uid, country.category_option_combos[coc].uid,
                 static_cast<double>(bounds.min), static_cast<double>(bounds.max), true}) {
          Must(ranges.Append(cell), "appending a range");
        }
        Must(ranges.EndRow(), "appending a range");
      }
    }
  }
  Must(ranges.Close(), "closing the min-max appender");
}

// silver.data_value: the simulator's live, valid values, typed as the silver model types them.
int64_t WriteValues(dhl::engine::Connection& connection, const dhl::sim::DataValueStore& store) {
  const dhl::sim::Country& country = store.country();
  Must(connection.Execute(
           "CREATE TABLE silver_data_value (de VARCHAR, pe VARCHAR, ou VARCHAR, coc VARCHAR, aoc "
           "VARCHAR, value DOUBLE, value_text VARCHAR, value_type VARCHAR, period_type VARCHAR, "
           "start_date DATE, end_date DATE, year INTEGER)"),
       "data value table");
  auto appender = Must(connection.CreateAppender("main", "silver_data_value"), "appender");
  int64_t rows = 0;
  dhl::Status status = dhl::Status::Ok();
  store.ForEachValue(dhl::sim::DataQuery{}, [&](const dhl::sim::DataValueRecord& record) {
    if (record.deleted || record.invalid) return true;
    const dhl::sim::DataElement& element = country.data_elements[record.data_element];
    if (element.domain_type != "AGGREGATE") return true;
    std::string start = dhl::dhis2::FormatDate(record.period->start());
    Value value;
    std::string text = record.value;
    if (element.value_type == "BOOLEAN" || element.value_type == "TRUE_ONLY") {
      text = record.value == "true" ? "true" : "false";
      value = record.value == "true" ? 1.0 : 0.0;
    } else if (element.value_type != "TEXT" && element.value_type != "LONG_TEXT") {
      value = std::strtod(record.value.c_str(), nullptr);
    }
    std::vector<Value> row = {country.data_elements[record.data_element].uid,
                              record.period->id(),
                              country.org_units[record.org_unit].uid,
                              country.category_option_combos[record.coc].uid,
                              country.category_option_combos[record.aoc].uid,
                              value,
                              text,
                              element.value_type,
                              std::string(dhl::dhis2::PeriodTypeName(record.period->type())),
                              start,
                              dhl::dhis2::FormatDate(record.period->end()),
                              static_cast<int64_t>(std::stoi(start.substr(0, 4)))};
    for (const Value& cell : row) {
      status = appender.Append(cell);
      if (!status.ok()) return false;
    }
    status = appender.EndRow();
    ++rows;
    return status.ok();
  });
  Must(status, "appending values");
  Must(appender.Close(), "closing the appender");
  return rows;
}

void WriteLake(dhl::engine::Connection& connection, dhl::lake::LakeCatalog& catalog) {
  for (const char* table :
       {"org_unit", "period", "data_element", "data_set", "data_set_element", "category",
        "category_option_combo", "category_option_combo_option", "min_max", "data_value"}) {
    dhl::lake::WriteOptions options;
    options.mode = dhl::lake::WriteMode::kOverwrite;
    if (std::string(table) == "data_value") options.partition_columns = {"year"};
    // DuckDB gives DATE strings in VALUES lists as VARCHAR: cast the known date columns.
    std::string select = "SELECT * FROM silver_" + std::string(table);
    Must(catalog.Table({"silver", table}).Write(connection, select, options), table);
  }
}

int Prepare(const Options& options) {
  auto scale = Must(dhl::sim::ParseScale(options.scale), "--scale");
  auto started = std::chrono::steady_clock::now();
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  dhl::sim::Country country = dhl::sim::Country::Generate(scale, options.seed, today);
  dhl::sim::DataValueStore store(country);
  fs::remove_all(options.dir);
  fs::create_directories(options.dir);
  auto database = Must(dhl::engine::Database::Open(), "database");
  auto connection = Must(database.Connect(), "connection");
  WriteDimensions(connection, country);
  int64_t rows = WriteValues(connection, store);
  dhl::lake::LakeCatalog catalog(options.dir + "/lake");
  WriteLake(connection, catalog);
  if (!options.csv.empty()) {
    fs::create_directories(options.csv);
    Must(connection.Execute(
             "COPY (SELECT de, pe, ou, coc, aoc, value, value_text FROM silver_data_value) TO '" +
             options.csv + "/data_value.csv' (HEADER false)"),
         "data value csv");
    Must(connection.Execute("COPY (SELECT uid, level, level1_uid, level2_uid, level3_uid, "
                            "level4_uid, level5_uid, level6_uid, level7_uid, level8_uid FROM "
                            "silver_org_unit) TO '" +
                            options.csv + "/org_unit.csv' (HEADER false)"),
         "org unit csv");
    Must(connection.Execute("COPY (SELECT pe, period_type, start_date, end_date, days, year, "
                            "COALESCE(monthly, CASE WHEN period_type = 'Monthly' THEN pe END), "
                            "COALESCE(quarterly, CASE WHEN period_type = 'Quarterly' THEN pe END), "
                            "COALESCE(yearly, CASE WHEN period_type = 'Yearly' THEN pe END) FROM "
                            "silver_period) TO '" +
                            options.csv + "/period.csv' (HEADER false)"),
         "period csv");
    Must(connection.Execute("COPY (SELECT uid, aggregation_type FROM silver_data_element) TO '" +
                            options.csv + "/data_element.csv' (HEADER false)"),
         "data element csv");
  }
  std::printf("prepare scale=%s values=%lld seconds=%.1f\n", options.scale.c_str(),
              static_cast<long long>(rows), Seconds(started));
  return 0;
}

// The models gold_bench runs (gold.analytics, gold.aggregate, gold.outlier; `explain` every gold
// model, those reading tracker or quality tables over a lake synced from the simulator) from
// DHL_SOURCE_DIR/models, or from GOLD_BENCH_MODELS (another checkout's models folder, to time an
// older version of the SQL with the same binary).
std::map<std::string, std::string> GoldModels(bool every_model = false) {
  std::map<std::string, std::string> files;
  const char* other = std::getenv("GOLD_BENCH_MODELS");
  std::string models =
      other != nullptr ? std::string(other) : std::string(DHL_SOURCE_DIR) + "/models";
  std::vector<std::string> names = {"analytics", "aggregate", "outlier"};
  if (every_model) {
    names.clear();
    for (const auto& entry : fs::directory_iterator(models + "/gold")) {
      if (entry.path().extension() == ".sql") names.push_back(entry.path().stem().string());
    }
  }
  for (const std::string& name : names) {
    std::string path = models + "/gold/" + name + ".sql";
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      std::exit(1);
    }
    std::string text;
    char buffer[65536];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    std::fclose(file);
    files[std::string("gold/") + name + ".sql"] = text;
  }
  return files;
}

int Run(const Options& options) {
  dhl::engine::DatabaseOptions database_options;
  if (options.threads > 0) database_options.threads = options.threads;
  auto database = Must(dhl::engine::Database::Open(database_options), "database");
  auto connection = Must(database.Connect(), "connection");
  dhl::lake::LakeCatalog catalog(options.dir + "/lake");
  auto models = Must(dhl::pipeline::ModelSet::LoadMap(GoldModels()), "models");
  dhl::pipeline::RunOptions run;
  run.full = options.full;
  auto started = std::chrono::steady_clock::now();
  auto summary = Must(dhl::pipeline::RunPipeline(catalog, connection, models, run), "run");
  double seconds = Seconds(started);
  if (!summary.ok()) {
    std::fprintf(stderr, "%s", summary.ToString().c_str());
    return 1;
  }
  std::string detail;
  int64_t rows = 0;
  for (const auto& model : summary.models) {
    // A model skipped for a missing input would leave its seconds out of the figure unnoticed.
    if (model.status != dhl::pipeline::ModelStatus::kSucceeded &&
        model.status != dhl::pipeline::ModelStatus::kUnchanged) {
      std::fprintf(stderr, "%s %s: %s\n", model.name.ToString().c_str(),
                   std::string(dhl::pipeline::ModelStatusName(model.status)).c_str(),
                   model.error.c_str());
      return 1;
    }
    rows += model.rows_out;
    char part[128];
    std::snprintf(part, sizeof part, " %s=%.2fs/%lld", model.name.name.c_str(), model.seconds,
                  static_cast<long long>(model.rows_out));
    detail += part;
  }
  std::printf("seconds=%.2f rows=%lld%s", seconds, static_cast<long long>(rows), detail.c_str());
  if (options.full) {
    if (FILE* file = std::fopen((options.dir + "/full_seconds").c_str(), "w"); file != nullptr) {
      std::fprintf(file, "%.3f\n", seconds);
      std::fclose(file);
    }
  }
  return 0;
}

int Change(const Options& options) {
  auto database = Must(dhl::engine::Database::Open(), "database");
  auto connection = Must(database.Connect(), "connection");
  dhl::lake::LakeCatalog catalog(options.dir + "/lake");
  dhl::lake::TableName name{"silver", "data_value"};
  Must(catalog.Register(connection, name), "register");
  auto latest = Must(connection.Query("SELECT max(pe), CAST(max(year) AS VARCHAR) FROM "
                                      "silver.data_value WHERE period_type = 'Monthly'"),
                     "latest month");
  std::string month = latest.GetString(0, 0).value_or("");
  std::string year = month.substr(0, 4);
  dhl::lake::WriteOptions write;
  write.mode = dhl::lake::WriteMode::kReplacePartitions;
  write.replace_partitions = {{{"year", year}}};
  Must(catalog.Table(name).Write(
           connection,
           "SELECT * REPLACE (CASE WHEN pe = " + Text(month) +
               " AND value IS NOT NULL AND value_type NOT IN ('BOOLEAN', 'TRUE_ONLY') THEN value "
               "+ 1 ELSE value END AS value) FROM silver.data_value WHERE year = " +
               year,
           write),
       "rewrite");
  std::printf("changed month=%s\n", month.c_str());
  return 0;
}

// The hand-written query the issue measures gold against: SUM per element x org unit of levels 1-4
// x month, quarter and year, over plain Parquet copies of silver's values, units and periods.
int Baseline(const Options& options) {
  dhl::engine::DatabaseOptions database_options;
  if (options.threads > 0) database_options.threads = options.threads;
  auto database = Must(dhl::engine::Database::Open(database_options), "database");
  auto connection = Must(database.Connect(), "connection");
  dhl::lake::LakeCatalog catalog(options.dir + "/lake");
  std::string plain = options.dir + "/plain";
  fs::create_directories(plain);
  for (const char* table : {"data_value", "org_unit", "period"}) {
    Must(catalog.Register(connection, {"silver", table}), table);
    Must(connection.Execute("COPY (SELECT * FROM silver." + std::string(table) + ") TO " +
                            Text(plain + "/" + table + ".parquet") + " (FORMAT PARQUET)"),
         table);
  }
  auto started = std::chrono::steady_clock::now();
  auto result = Must(
      connection.Query(
          "WITH v AS (SELECT v.de, v.value, o.level1_uid, o.level2_uid, o.level3_uid, "
          "o.level4_uid, COALESCE(p.monthly, CASE WHEN v.period_type = 'Monthly' THEN v.pe END) "
          "AS monthly, COALESCE(p.quarterly, CASE WHEN v.period_type = 'Quarterly' THEN v.pe END) "
          "AS quarterly, COALESCE(p.yearly, CASE WHEN v.period_type = 'Yearly' THEN v.pe END) AS "
          "yearly FROM read_parquet(" +
          Text(plain + "/data_value.parquet") + ") v JOIN read_parquet(" +
          Text(plain + "/org_unit.parquet") + ") o ON o.uid = v.ou JOIN read_parquet(" +
          Text(plain + "/period.parquet") +
          ") p ON p.pe = v.pe WHERE v.value IS NOT NULL AND o.valid_to IS NULL), "
          "cells AS (SELECT de, COALESCE(level4_uid, level3_uid, level2_uid, level1_uid) AS ou, "
          "GROUPING(level1_uid, level2_uid, level3_uid, level4_uid) AS g, "
          "COALESCE(monthly, quarterly, yearly) AS pe, SUM(value) AS value FROM v "
          "GROUP BY GROUPING SETS ((de, level1_uid, monthly), (de, level2_uid, monthly), "
          "(de, level3_uid, monthly), (de, level4_uid, monthly), (de, level1_uid, quarterly), "
          "(de, level2_uid, quarterly), (de, level3_uid, quarterly), (de, level4_uid, quarterly), "
          "(de, level1_uid, yearly), (de, level2_uid, yearly), (de, level3_uid, yearly), "
          "(de, level4_uid, yearly))) "
          "SELECT COUNT(*), SUM(value) FROM cells WHERE ou IS NOT NULL AND pe IS NOT NULL"),
      "baseline query");
  double seconds = Seconds(started);
  std::printf("seconds=%.2f cells=%lld", seconds,
              static_cast<long long>(result.GetInt64(0, 0).value_or(0)));
  // The ratio to the latest full gold run in this folder (gold_bench run --full writes it).
  if (FILE* file = std::fopen((options.dir + "/full_seconds").c_str(), "r"); file != nullptr) {
    double gold = 0;
    if (std::fscanf(file, "%lf", &gold) == 1) {
      std::printf(" gold_full_seconds=%.2f ratio=%.1fx", gold, gold / std::max(seconds, 0.01));
    }
    std::fclose(file);
  }
  return 0;
}

// One model's whole query over the lake as it stands, profiled (a profiling aid).
int Explain(const Options& options) {
  dhl::engine::DatabaseOptions database_options;
  if (options.threads > 0) database_options.threads = options.threads;
  auto database = Must(dhl::engine::Database::Open(database_options), "database");
  auto connection = Must(database.Connect(), "connection");
  dhl::lake::LakeCatalog catalog(options.dir + "/lake");
  Must(catalog.RegisterAll(connection), "register");
  for (const std::string& macro : dhl::sql::DuckDbSparkFunctionMacros()) {
    Must(connection.Execute(macro), "macros");
  }
  auto models = Must(dhl::pipeline::ModelSet::LoadMap(GoldModels(/*every_model=*/true)), "models");
  const dhl::pipeline::Model* model = models.Find({"gold", options.model});
  if (model == nullptr) {
    std::fprintf(stderr, "no model gold.%s\n", options.model.c_str());
    return 1;
  }
  dhl::pipeline::GeneratorContext context;
  context.connection = &connection;
  context.relation = [](const dhl::lake::TableName& name) -> dhl::Result<std::string> {
    return name.layer + "." + name.name;
  };
  // As an incremental run that recomputes these partitions only (the inputs are read whole).
  if (!options.partitions.empty()) context.partitions = &options.partitions;
  auto expanded =
      Must(dhl::pipeline::ExpandGenerated(*model, dhl::pipeline::BuiltinGenerators(), context),
           "generators");
  dhl::pipeline::Model rendered = *model;
  rendered.body = expanded;
  std::string sql = dhl::pipeline::RenderRefs(
      rendered, [](const dhl::lake::TableName& name) { return name.layer + "." + name.name; });
  {
    // The rendered query beside the profile, to time or change it by hand (`dhis2lake sql`).
    std::FILE* file = std::fopen((options.dir + "/" + options.model + ".sql").c_str(), "w");
    if (file != nullptr) {
      std::fputs(sql.c_str(), file);
      std::fclose(file);
    }
  }
  if (options.plan_only) {
    // What planning and optimising the query alone costs (EXPLAIN runs nothing).
    auto started = std::chrono::steady_clock::now();
    Must(connection.Query("EXPLAIN " + sql), "plan");
    std::printf("plan_seconds=%.2f\n", Seconds(started));
    return 0;
  }
  // The profile of the whole query as DuckDB's JSON (operator timings, row counts).
  std::string profile = options.dir + "/profile_" + options.model + ".json";
  Must(connection.Execute("PRAGMA enable_profiling = 'json'"), "profiling");
  Must(connection.Execute("PRAGMA profiling_output = " + Text(profile)), "profiling output");
  auto started = std::chrono::steady_clock::now();
  Must(connection.Execute("CREATE TEMP TABLE _explained AS " + sql), "query");
  std::printf("profile=%s ", profile.c_str());
  std::printf("seconds=%.2f\n", Seconds(started));
  return 0;
}

struct ChildUsage {
  double peak_rss_mb = 0;
  double cpu_seconds = 0;  // user + system: what the run cost, whatever else the machine runs
};

// Runs this program with `arguments` in a child; returns its peak RSS and CPU time.
ChildUsage Child(const std::vector<std::string>& arguments) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    std::_Exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "child %s failed\n", arguments[1].c_str());
    std::exit(1);
  }
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return ChildUsage{static_cast<double>(usage.ru_maxrss) / 1024.0,
                    seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

int All(const Options& options) {
  Child({"gold_bench", "prepare", "--scale", options.scale, "--dir", options.dir, "--csv",
         options.csv.empty() ? options.dir + "/csv" : options.csv});
  std::vector<std::string> run = {"gold_bench", "run", "--dir", options.dir};
  if (options.threads > 0) {
    run.push_back("--threads");
    run.push_back(std::to_string(options.threads));
  }
  std::printf("gold full: ");
  std::vector<std::string> full = run;
  full.push_back("--full");
  ChildUsage usage = Child(full);
  std::printf(" peak_rss_mb=%.0f cpu_seconds=%.1f\n", usage.peak_rss_mb, usage.cpu_seconds);
  std::vector<std::string> baseline = {"gold_bench", "baseline", "--dir", options.dir};
  baseline.insert(baseline.end(), run.begin() + 4, run.end());
  std::printf("hand-written query over plain Parquet: ");
  ChildUsage plain = Child(baseline);
  std::printf(" peak_rss_mb=%.0f\n", plain.peak_rss_mb);
  Child({"gold_bench", "change", "--dir", options.dir});
  std::printf("gold incremental: ");
  usage = Child(run);
  std::printf(" peak_rss_mb=%.0f cpu_seconds=%.1f\n", usage.peak_rss_mb, usage.cpu_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (argc < 2) {
    std::fprintf(stderr, "usage: gold_bench prepare|run|change|all [--scale S] [--dir D] ...\n");
    return 2;
  }
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--scale") {
      options.scale = next();
    } else if (flag == "--dir") {
      options.dir = next();
    } else if (flag == "--csv") {
      options.csv = next();
    } else if (flag == "--seed") {
      options.seed = std::stoull(next());
    } else if (flag == "--threads") {
      options.threads = std::stoi(next());
    } else if (flag == "--model") {
      options.model = next();
    } else if (flag == "--plan-only") {
      options.plan_only = true;
    } else if (flag == "--partitions") {
      std::string list = next();
      for (size_t start = 0; start <= list.size();) {
        size_t comma = std::min(list.find(',', start), list.size());
        options.partitions.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (flag == "--full") {
      options.full = true;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (options.command == "prepare") return Prepare(options);
  if (options.command == "run") return Run(options);
  if (options.command == "change") return Change(options);
  if (options.command == "all") return All(options);
  if (options.command == "baseline") return Baseline(options);
  if (options.command == "explain") return Explain(options);
  std::fprintf(stderr, "unknown command %s\n", options.command.c_str());
  return 2;
}
