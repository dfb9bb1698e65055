// `dhis2lake export databricks DIR`: a Databricks Asset Bundle running the lake's models on a SQL
// warehouse (src/databricks/bundle_writer.h). Column types and generated SQL come from the lake.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/lake_session.h"
#include "databricks/bundle_plan.h"
#include "databricks/bundle_writer.h"
#include "pipeline/embedded_models.h"
#include "pipeline/model_set.h"

namespace dhl::cli {
namespace {

struct ExportArgs {
  std::string dir;
  std::string models_dir;
  std::string catalog = "main";
  std::vector<std::string> schemas;  // layer=schema
  std::string volume = "landing";
  std::string warehouse_id;
  std::string host;
  std::string bundle_name = "dhis2lake";
};

int RunExport(const Config& config, const ExportArgs& args) {
  databricks::SparkNames names;
  names.catalog = args.catalog;
  names.volume = args.volume;
  for (const std::string& item : args.schemas) {
    size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      fmt::print(stderr, "error: --schema {}: expected LAYER=SCHEMA, e.g. silver=dhis2_silver\n",
                 item);
      return kExitUsage;
    }
    names.schemas[item.substr(0, equals)] = item.substr(equals + 1);
  }
  if (Status valid = names.Validate(); !valid.ok()) {
    return ReportFailure(valid, /*usage_on_invalid=*/true);
  }
  Result<pipeline::ModelSet> models = args.models_dir.empty()
                                          ? pipeline::ModelSet::LoadMap(pipeline::EmbeddedModels())
                                          : pipeline::ModelSet::LoadDirectory(args.models_dir);
  if (!models.ok()) return ReportFailure(models.status());
  Result<LakeSession> session =
      LakeSession::Open(config.lake_dir, /*register_tables=*/false, config.memory_limit_bytes);
  if (!session.ok()) return ReportFailure(session.status());
  databricks::PlanOptions plan_options;
  plan_options.names = names;
  plan_options.settings = config.settings;
  Result<databricks::BundlePlan> plan =
      databricks::PlanBundle(session->catalog(), session->connection(), *models, plan_options);
  if (!plan.ok()) return ReportFailure(plan.status());
  databricks::BundleOptions options;
  options.bundle_name = args.bundle_name;
  options.warehouse_id = args.warehouse_id;
  options.host = args.host;
  Result<std::vector<std::string>> written =
      databricks::WriteBundle(args.dir, *plan, names, options);
  if (!written.ok()) return ReportFailure(written.status());
  int embedding = 0;
  for (const databricks::BundleTask& task : plan->tasks) embedding += task.embeds_metadata ? 1 : 0;
  fmt::print(stdout,
             "wrote {} files to {} ({} tasks; {} embed metadata: export again when it changes)\n",
             written->size(), args.dir, plan->tasks.size() + 1, embedding);
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, Action* action) {
  CLI::App* command = app.add_subcommand("export", "Export the lake's pipeline to another engine");
  command->require_subcommand(1);
  auto args = std::make_shared<ExportArgs>();
  CLI::App* bundle = command->add_subcommand(
      "databricks", "A Databricks Asset Bundle running the models on a SQL warehouse");
  bundle->add_option("DIR", args->dir, "Folder to write the bundle into")->required();
  bundle->add_option("--catalog", args->catalog, "Unity Catalog catalog (default main)");
  bundle->add_option("--schema", args->schemas, "LAYER=SCHEMA, repeatable (default dhis2_<layer>)");
  bundle->add_option("--volume", args->volume,
                     "Volume in the bronze schema receiving bronze files (default landing)");
  bundle->add_option("--warehouse-id", args->warehouse_id,
                     "Default SQL warehouse id (else --var warehouse_id=… at deploy)");
  bundle->add_option("--host", args->host, "Workspace URL written into the targets");
  bundle->add_option("--bundle-name", args->bundle_name, "Bundle name (default dhis2lake)");
  bundle->add_option("--models", args->models_dir,
                     "A folder of models instead of the built-in ones");
  bundle->callback([action, args] {
    *action = [args](const Config& config) { return RunExport(config, *args); };
  });
}

}  // namespace dhl::cli
