#include "databricks/databricks_runner.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "base/logging.h"
#include "databricks/files_client.h"
#include "databricks/statement_client.h"
#include "sql/literal.h"

namespace dhl::databricks {
namespace {

bool Interrupted(const DatabricksRunOptions& options) {
  return options.interrupted && options.interrupted();
}

// Uploads the live data files of `table` that the volume does not hold yet.
Status UploadTable(const lake::LakeCatalog& catalog, engine::Connection& connection,
                   const lake::TableName& table, const DatabricksRunOptions& options,
                   FilesClient& files, DatabricksRunSummary& summary) {
  DHL_ASSIGN_OR_RETURN(lake::DeltaTable delta, catalog.Open(table));
  DHL_ASSIGN_OR_RETURN(lake::Snapshot snapshot, delta.Load(connection));
  std::string folder = options.names.VolumeFolder(table);
  DHL_RETURN_IF_ERROR(files.CreateDirectory(folder.substr(0, folder.size() - 1)));
  for (const auto& [path, add] : snapshot.files) {
    if (Interrupted(options)) return SqlError("interrupted while uploading " + table.ToString());
    if (!add.data_change) continue;  // rewritten by OPTIMIZE: its rows were sent before
    if (!add.partition_values.empty()) {
      return Unsupported(table.ToString() +
                         " is partitioned; its files lack the partition columns COPY INTO needs");
    }
    // Flat names: the file's path with '/' turned into '__' (bronze tables are not partitioned).
    std::string name = path;
    for (size_t at; (at = name.find('/')) != std::string::npos;) name.replace(at, 1, "__");
    std::string remote = folder + name;
    DHL_ASSIGN_OR_RETURN(bool present, files.Exists(remote));
    if (present) {
      ++summary.files_present;
      continue;
    }
    DHL_RETURN_IF_ERROR(files.Upload(snapshot.FilePath(path), remote, /*overwrite=*/false));
    ++summary.files_uploaded;
    summary.bytes_uploaded += add.size;
  }
  return Status::Ok();
}

Status RunStatements(StatementClient& statements, const std::vector<std::string>& list,
                     DatabricksTaskResult& result) {
  for (const std::string& statement : list) {
    auto executed = statements.Execute(statement);
    if (!executed.ok()) return executed.status().WithContext("task " + result.key);
    ++result.statements;
  }
  return Status::Ok();
}

}  // namespace

std::string DatabricksRunSummary::ToString() const {
  std::string out =
      fmt::format("databricks: {} files uploaded ({} bytes), {} already in the volume\n",
                  files_uploaded, bytes_uploaded, files_present);
  int succeeded = 0;
  int counted = 0;
  for (const DatabricksTaskResult& task : tasks) {
    counted += task.status == "not selected" ? 0 : 1;
    if (task.status == "not selected") continue;
    if (task.status == "succeeded") {
      ++succeeded;
      out += fmt::format("  {:<40} succeeded ({} statements)\n", task.key, task.statements);
    } else {
      out += fmt::format("  {:<40} {}{}{}\n", task.key, task.status, task.error.empty() ? "" : ": ",
                         task.error);
    }
  }
  out += fmt::format("databricks: {} tasks succeeded, {} failed or skipped\n", succeeded,
                     counted - succeeded);
  return out;
}

Result<DatabricksRunSummary> RunOnDatabricks(const lake::LakeCatalog& catalog,
                                             engine::Connection& connection,
                                             const pipeline::ModelSet& models,
                                             DatabricksClient& client,
                                             const DatabricksRunOptions& options) {
  PlanOptions plan_options;
  plan_options.names = options.names;
  plan_options.generators = options.generators;
  plan_options.settings = options.settings;
  if (!options.run_id.empty()) {
    plan_options.run_id_sql = sql::StringLiteral(options.run_id, sql::Dialect::kSpark);
  }
  DHL_ASSIGN_OR_RETURN(BundlePlan plan, PlanBundle(catalog, connection, models, plan_options));
  StatementOptions statement_options;
  statement_options.warehouse_id = options.warehouse_id;
  statement_options.interrupted = options.interrupted;
  StatementClient statements(client, statement_options);
  FilesClient files(client);
  DatabricksRunSummary summary;

  DatabricksTaskResult setup{"setup", {"ops", "setup"}, "succeeded", "", 0};
  DHL_RETURN_IF_ERROR(RunStatements(statements, plan.setup, setup));
  summary.tasks.push_back(setup);
  for (const BundleTask& task : plan.tasks) {
    if (task.load && !task.absent) {
      DHL_RETURN_IF_ERROR(UploadTable(catalog, connection, task.table, options, files, summary));
    }
  }
  LogInfo("databricks: {} files uploaded, {} already in {}", summary.files_uploaded,
          summary.files_present, options.names.VolumeRoot());

  std::set<std::string> failed;
  for (const BundleTask& task : plan.tasks) {
    if (Interrupted(options)) return SqlError("interrupted before task " + task.key);
    DatabricksTaskResult result{task.key, task.table, "succeeded", "", 0};
    if (!task.load && !options.models.empty() && options.models.count(task.key) == 0) {
      result.status = "not selected";
      summary.tasks.push_back(std::move(result));
      continue;
    }
    bool upstream_failed = false;
    for (const std::string& dependency : task.depends_on) {
      upstream_failed = upstream_failed || failed.count(dependency) > 0;
    }
    if (upstream_failed) {
      result.status = "upstream failed";
      failed.insert(task.key);
      ++summary.failed;
    } else if (Status ran = RunStatements(statements, task.statements, result); !ran.ok()) {
      if (ran.message().find("interrupted:") != std::string::npos) return ran;
      result.status = "failed";
      result.error = ran.message();
      failed.insert(task.key);
      ++summary.failed;
      LogWarn("databricks: {}", ran.message());
    }
    summary.tasks.push_back(std::move(result));
  }
  return summary;
}

}  // namespace dhl::databricks
