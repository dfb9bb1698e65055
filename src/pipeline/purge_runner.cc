#include "pipeline/purge_runner.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "base/logging.h"
#include "base/progress.h"
#include "engine/database.h"
#include "engine/memory_limit.h"
#include "engine/spill_folder.h"
#include "lake/lake_catalog.h"
#include "pipeline/embedded_models.h"
#include "pipeline/sync_runner.h"
#include "source/bronze_table.h"
#include "source/landing_file.h"
#include "sql/literal.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;
using lake::TableName;

const TableName kPurgedRejects{"silver", "rejects"};
const TableName kModelRuns{"ops", "model_run"};
constexpr const char* kErrorRemoved =
    "(error text removed by dhis2lake purge: the model reads tracker data, which it may have "
    "quoted)";

std::string PendingMarker(const std::string& lake_dir) {
  return lake_dir + "/_system/purge_pending";
}

bool IsBronzeTrackerTable(const TableName& name) {
  const source::BronzeTable* table = source::FindBronzeTable(name.name);
  return name.layer == "bronze" && table != nullptr && table->tracker;
}

// The models that read a bronze tracker table, with every model downstream of them, in run order.
Result<std::vector<TableName>> ModelsToRebuildModels(const ModelSet& set) {
  std::vector<std::string> selectors;
  for (const Model& model : set.models()) {
    for (const Ref& ref : model.refs) {
      if (IsBronzeTrackerTable(ref.table)) {
        selectors.push_back(model.name.ToString() + "+");
        break;
      }
    }
  }
  if (selectors.empty()) {
    return std::vector<TableName>();
  }
  return SelectModels(set, selectors);
}

std::string ModelNameList(const std::vector<TableName>& names) {
  std::string list;
  for (const TableName& name : names) {
    list += (list.empty() ? "" : ", ") + sql::StringLiteral(name.ToString());
  }
  return list;
}

// Overwrites `table` with the rows of `select` in one commit named PURGE.
Status RewriteForPurge(engine::Connection& connection, lake::DeltaTable& table,
                       const std::string& select, const std::string& what) {
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kOverwrite;
  options.rewrite_operation = "PURGE";
  return table.Write(connection, select, options).status().WithContext(what);
}

// Removes the rows of `models` from silver.rejects (the rebuild writes them again, hashed); returns
// how many there were.
Result<int64_t> RemoveRejects(engine::Connection& connection, const lake::LakeCatalog& catalog,
                              const std::vector<TableName>& models) {
  lake::DeltaTable rejects = catalog.Table(kPurgedRejects);
  if (!rejects.Exists() || models.empty()) {
    return int64_t{0};
  }
  DHL_RETURN_IF_ERROR(catalog.Register(connection, kPurgedRejects));
  const std::string rebuilt = "table_name IN (" + ModelNameList(models) + ")";
  DHL_ASSIGN_OR_RETURN(engine::QueryResult counted,
                       connection.Query("SELECT count(*) FROM silver.rejects WHERE " + rebuilt));
  int64_t rows = counted.GetInt64(0, 0).value_or(0);
  if (rows == 0) {
    return rows;
  }
  DHL_RETURN_IF_ERROR(RewriteForPurge(
      connection, rejects,
      "SELECT * FROM silver.rejects WHERE table_name IS NULL OR NOT (" + rebuilt + ")",
      "purge: removing the rebuilt models' rows from silver.rejects"));
  return rows;
}

// The error text of ops.model_run's rows of `models` (and of models `set` no longer has, whose
// inputs cannot be told) replaced by a note: a failing cast quotes the value it failed on, so the
// error of a model reading tracker data may quote personal data. Returns how many were replaced.
Result<int64_t> RemoveModelErrors(engine::Connection& connection, const lake::LakeCatalog& catalog,
                                  const ModelSet& set, const std::vector<TableName>& models) {
  lake::DeltaTable runs = catalog.Table(kModelRuns);
  if (!runs.Exists()) {
    return int64_t{0};
  }
  std::vector<TableName> known;
  for (const Model& model : set.models()) {
    known.push_back(model.name);
  }
  DHL_RETURN_IF_ERROR(catalog.Register(connection, kModelRuns));
  std::string removed = "error IS NOT NULL AND error <> " + sql::StringLiteral(kErrorRemoved) +
                        " AND (model NOT IN (" + ModelNameList(known) + ")" +
                        (models.empty() ? "" : " OR model IN (" + ModelNameList(models) + ")") +
                        ")";
  DHL_ASSIGN_OR_RETURN(engine::QueryResult counted,
                       connection.Query("SELECT count(*) FROM ops.model_run WHERE " + removed));
  int64_t rows = counted.GetInt64(0, 0).value_or(0);
  if (rows == 0) {
    return rows;
  }
  DHL_RETURN_IF_ERROR(RewriteForPurge(connection, runs,
                                      "SELECT * REPLACE (CASE WHEN " + removed + " THEN " +
                                          sql::StringLiteral(kErrorRemoved) +
                                          " ELSE error END AS error) FROM ops.model_run",
                                      "purge: removing the errors of models reading tracker data"));
  return rows;
}

Status RebuildModels(const PurgeOptions& options, const ModelSet& set,
                     const std::vector<TableName>& models) {
  if (models.empty()) {
    return Status::Ok();
  }
  SyncOptions sync;
  sync.lake_dir = options.lake_dir;
  sync.full = true;
  sync.stages = {SyncStage::kSilver, SyncStage::kGold};
  for (const TableName& name : models) {
    sync.models.push_back(name.ToString());
  }
  sync.extract = options.extract;
  sync.progress = options.progress;
  sync.model_set = &set;
  sync.memory_limit_bytes = options.memory_limit_bytes;
  sync.settings = options.settings;
  DHL_ASSIGN_OR_RETURN(SyncSummary summary, RunSync(sync));
  if (summary.models_failed > 0) {
    std::string failures;
    for (const FailedModel& failed : summary.failures) {
      failures += (failures.empty() ? "" : "; ") + failed.model.ToString() + ": " + failed.error;
    }
    return Internal("purge: rebuilding the models that read tracker tables failed (" + failures +
                    "); bronze is already hashed: run purge again to finish");
  }
  return Status::Ok();
}

}  // namespace

Result<PurgeSummary> RunPurge(const PurgeOptions& options) {
  PurgeSummary summary;
  summary.dry_run = options.dry_run;
  if (options.secrets.hash_key.empty()) {
    return InvalidArgument("purge: the secrets file holds no hash_key to hash personal data with");
  }
  std::optional<ModelSet> embedded;
  const ModelSet* set = options.model_set;
  if (set == nullptr) {
    DHL_ASSIGN_OR_RETURN(ModelSet loaded, ModelSet::LoadMap(EmbeddedModels()));
    embedded.emplace(std::move(loaded));
    set = &*embedded;
  }
  engine::DatabaseOptions database_options =
      engine::ModelEngineOptions(options.lake_dir, options.memory_limit_bytes);
  DHL_ASSIGN_OR_RETURN(engine::SpillFolder spill, engine::SpillFolder::Claim(options.lake_dir));
  database_options.temp_directory = spill.path();
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(database_options));
  std::error_code error;
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(options.lake_dir);

  // 1-3: the rules, bronze, _landing.
  DHL_ASSIGN_OR_RETURN(source::PersonalDataRules rules,
                       source::PurgeRules(connection, catalog, options.extract.personal_attributes,
                                          options.extract.personal_data_elements,
                                          options.extract.personal_geometry));
  summary.every_attribute = rules.every_attribute;
  source::PersonalDataHasher hasher(options.secrets.hash_key, std::move(rules));
  source::PersonalDataPurge purge(connection, catalog, hasher);
  const std::string marker = PendingMarker(options.lake_dir);
  bool pending = fs::exists(marker, error);
  if (!options.dry_run) {
    // Written before bronze changes: a purge cut short after it finishes the rebuild next time.
    fs::create_directories(fs::path(marker).parent_path(), error);
    DHL_RETURN_IF_ERROR(source::WriteFileAtomically(marker, "purge started\n"));
  }
  DHL_ASSIGN_OR_RETURN(summary.bronze, purge.PurgeBronze(options.dry_run));
  summary.every_attribute = summary.every_attribute && !summary.bronze.empty();
  DHL_ASSIGN_OR_RETURN(summary.landing, purge.PurgeLanding(options.dry_run));
  bool changed = pending;
  for (const source::TablePurge& table : summary.bronze) {
    changed = changed || table.rows_rewritten > 0;
  }
  if (!changed) {
    if (!options.dry_run) {
      fs::remove(marker, error);
    }
    return summary;
  }

  // 4: the models that read what changed, rebuilt from their inputs.
  DHL_ASSIGN_OR_RETURN(summary.rebuilt, ModelsToRebuildModels(*set));
  if (options.dry_run) {
    return summary;
  }
  DHL_ASSIGN_OR_RETURN(summary.rejects_removed,
                       RemoveRejects(connection, catalog, summary.rebuilt));
  DHL_RETURN_IF_ERROR(RebuildModels(options, *set, summary.rebuilt));
  DHL_ASSIGN_OR_RETURN(summary.errors_removed,
                       RemoveModelErrors(connection, catalog, *set, summary.rebuilt));

  // 5: the replaced files deleted.
  std::vector<TableName> tables;
  for (const source::TablePurge& table : summary.bronze) {
    if (table.rows_rewritten > 0 || pending) {
      tables.push_back(table.table);
    }
  }
  tables.insert(tables.end(), summary.rebuilt.begin(), summary.rebuilt.end());
  tables.push_back(kPurgedRejects);
  if (summary.errors_removed > 0 || pending) {
    tables.push_back(kModelRuns);
  }
  for (const TableName& name : tables) {
    lake::DeltaTable table = catalog.Table(name);
    if (!table.Exists()) {
      continue;
    }
    lake::VacuumOptions vacuum;
    vacuum.retention = std::chrono::milliseconds(0);
    vacuum.force = true;
    DHL_ASSIGN_OR_RETURN(lake::VacuumResult removed, table.Vacuum(connection, vacuum));
    // The older commits' file statistics quote values too: the log keeps only the latest version.
    DHL_ASSIGN_OR_RETURN(lake::Snapshot latest, table.Load(connection));
    DHL_ASSIGN_OR_RETURN(int64_t log_files, table.log().RemoveHistoryBefore(connection, latest));
    if (!removed.files.empty() || log_files > 0) {
      summary.vacuumed.push_back({name, static_cast<int64_t>(removed.files.size()), removed.bytes,
                                  log_files, latest.version});
    }
  }
  fs::remove(marker, error);
  return summary;
}

std::string PurgeSummary::ToText() const {
  std::string text;
  if (every_attribute) {
    text +=
        "no trackedEntityAttributes metadata in bronze and no [source] personal_attributes: "
        "every attribute value counts as personal\n";
  }
  for (const source::TablePurge& table : bronze) {
    text += fmt::format("{}: {} rows read, {} rows {}, {} values {}", table.table.ToString(),
                        table.rows, table.rows_rewritten, dry_run ? "to rewrite" : "rewritten",
                        table.values_hashed, dry_run ? "to hash" : "hashed");
    if (table.version) {
      text += fmt::format(" (version {}, {} files replaced)", *table.version, table.files_replaced);
    }
    text += "\n";
  }
  for (const std::string& page : landing.pages_hashed) {
    text += fmt::format("{}hash {}\n", dry_run ? "would " : "hashed: ", page);
  }
  for (const std::string& copy : landing.copies_removed) {
    text += fmt::format("{}delete {}\n", dry_run ? "would " : "deleted: ", copy);
  }
  if (!rebuilt.empty()) {
    std::string names;
    for (const TableName& name : rebuilt) {
      names += (names.empty() ? "" : ", ") + name.ToString();
    }
    text += fmt::format("{} {} models: {}\n", dry_run ? "would rebuild" : "rebuilt", rebuilt.size(),
                        names);
  }
  int64_t files = 0;
  int64_t bytes = 0;
  for (const VacuumedTable& table : vacuumed) {
    text +=
        fmt::format("{}: removed {} old data files ({}) and {} log files before version {}\n",
                    table.table.ToString(), table.files,
                    HumanBytes(static_cast<double>(table.bytes)), table.log_files, table.version);
    files += table.files;
    bytes += table.bytes;
  }
  int64_t rewritten = 0;
  int64_t values = landing.values_hashed;
  for (const source::TablePurge& table : bronze) {
    rewritten += table.rows_rewritten;
    values += table.values_hashed;
  }
  text += fmt::format(
      "purge{}: {} bronze rows, {} landing pages, {} values hashed; {} landing copies deleted; {} "
      "models rebuilt; {} old files removed ({})\n",
      dry_run ? " (dry run, nothing changed)" : "", rewritten, landing.pages_hashed.size(), values,
      landing.copies_removed.size(), rebuilt.size(), files, HumanBytes(static_cast<double>(bytes)));
  if (errors_removed > 0) {
    text += fmt::format("ops.model_run: the error text of {} runs of those models removed\n",
                        errors_removed);
  }
  if (!dry_run && files > 0) {
    text +=
        "the old versions of these tables are gone: readers holding them (a running serve, time "
        "travel) lose them\n";
  }
  if (!dry_run && !rebuilt.empty()) {
    text +=
        "copies of this lake made elsewhere (a Databricks workspace, a backup) still hold the "
        "clear text: replace them with copies of this lake\n";
  }
  return text;
}

}  // namespace dhl::pipeline
