// The scaffolding the model tests share (tests/pipeline/*_test.cc, the SQL logic tests of
// tests/sql/): a temporary lake folder, an in-memory DuckDB with one connection, the lake's
// catalog, a set of model files, and the few steps every such test takes: write a table from a
// SELECT, run the models, read rows back.
//
// ModelLakeFixture is a gtest fixture: SetUp creates a folder named after the test (under the
// system's temporary folder, removed by TearDown), opens the database and the catalog; a test (or
// its own fixture's SetUp) then picks its models with UseModels. Its helpers report failures with
// gtest assertions naming the table and the reason. Not thread-safe: one test at a time.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/temp_lake_fixture.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"

namespace dhl::pipeline {

// The text of models/<relative> in the source tree ("gold/aggregate.sql"); empty when unreadable.
std::string ReadModel(const std::string& relative);

// The shipped model files listed (relative to models/, "silver/period.sql"), as a model set.
Result<ModelSet> LoadShippedModels(const std::vector<std::string>& relatives);

class ModelLakeFixture : public lake::TempLakeFixture {
 protected:
  // The models the runs use: the shipped files listed (relative to models/), or every shipped
  // model when the list is empty.
  void UseModels(const std::vector<std::string>& relatives);

  // Overwrites `table` ("silver.org_unit") of `catalog` with the rows of `select`, partitioned by
  // `partitions` when given.
  void Write(lake::LakeCatalog& catalog, const std::string& table, const std::string& select,
             const std::vector<std::string>& partitions = {});
  void Write(const std::string& table, const std::string& select,
             const std::vector<std::string>& partitions = {}) {
    Write(*catalog_, table, select, partitions);
  }
  // Appends the rows of `select` to `table`, as the extractor appends to bronze.
  void Append(lake::LakeCatalog& catalog, const std::string& table, const std::string& select);

  // Runs the models over `catalog` with run_options_, rebuilding every model when `full`.
  Result<RunSummary> Run(lake::LakeCatalog& catalog, bool full = false);
  // Runs, asserts that the run and every model succeeded, and keeps the summary in last_summary_.
  void RunOk(lake::LakeCatalog& catalog, bool full = false);
  // Asserts that the last RunOk ran `model` ("gold.reporting_rate") as a partial run (no reason to
  // rebuild it whole) that read `rows_in` rows, added `files_added` files and removed
  // `files_removed`.
  void ExpectPartialRun(const std::string& model, int64_t rows_in, int64_t files_added,
                        int64_t files_removed);

  // The first column of every row of `sql`, as text ("NULL" for NULL), sorted; `table` (a table of
  // `catalog`, "layer.name") is registered at its latest version first.
  std::vector<std::string> QueryRows(lake::LakeCatalog& catalog, const std::string& table,
                                     const std::string& sql);
  // The rows of `table` as "(a, b, ...)" text of `columns` (DuckDB's ROW cast), those matching
  // `where`, sorted.
  std::vector<std::string> Rows(lake::LakeCatalog& catalog, const std::string& table,
                                const std::string& columns, const std::string& where = "TRUE");
  // `column` (a number) of the one row of `table` (of catalog_) matching `where`; nullopt when no
  // row matches, a test failure when several do.
  std::optional<double> OneValue(const std::string& table, const std::string& column,
                                 const std::string& where);
  // How many rows of `table` (of catalog_) match `where`; -1 when the query fails.
  int64_t CountWhere(const std::string& table, const std::string& where);

  // Registers `table` ("layer.name") of `catalog` at its latest version (a failure when it cannot).
  void RegisterLatest(lake::LakeCatalog& catalog, const std::string& table);

  // dir_, database_, connection_ and catalog_ (the lake in dir_/lake): TempLakeFixture's.
  std::optional<ModelSet> models_;
  RunOptions run_options_;   // what every Run passes (its `full` set per call)
  RunSummary last_summary_;  // of the last RunOk
};

}  // namespace dhl::pipeline
