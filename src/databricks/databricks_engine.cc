#include "databricks/databricks_engine.h"

#include <toml++/toml.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <set>

#include "databricks/databricks_client.h"
#include "databricks/databricks_credentials.h"
#include "databricks/databricks_runner.h"
#include "http/curl_transport.h"
#include "http/sleeper.h"

namespace dhl::databricks {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

// Catches SIGINT for its lifetime, so that a running statement is cancelled rather than left
// running on the warehouse.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted.store(false);
    previous_ = std::signal(SIGINT, &OnInterrupt);
  }
  ~InterruptScope() { std::signal(SIGINT, previous_); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_)(int) = SIG_DFL;
};

pipeline::ModelStatus StatusOf(const std::string& status) {
  if (status == "succeeded") return pipeline::ModelStatus::kSucceeded;
  if (status == "upstream failed") return pipeline::ModelStatus::kUpstreamFailed;
  return pipeline::ModelStatus::kFailed;
}

}  // namespace

Result<DatabricksSettings> LoadDatabricksSettings(const std::string& config_file) {
  DatabricksSettings settings;
  if (config_file.empty()) return settings;
  toml::table table;
  try {
    table = toml::parse_file(config_file);
  } catch (const toml::parse_error& error) {
    return InvalidArgument("configuration file " + config_file + ", line " +
                           std::to_string(error.source().begin.line) + ": " +
                           std::string(error.description()));
  }
  const toml::table* section = table["databricks"].as_table();
  if (section == nullptr) return settings;
  for (const auto& [key, value] : *section) {
    std::string name(key.str());
    const std::string* text = value.as_string() ? &value.as_string()->get() : nullptr;
    if (text == nullptr) {
      return InvalidArgument("configuration file " + config_file + ": [databricks] " + name +
                             " must be a string");
    }
    if (name == "catalog") {
      settings.names.catalog = *text;
    } else if (name == "volume") {
      settings.names.volume = *text;
    } else if (name == "warehouse_id") {
      settings.warehouse_id = *text;
    } else if (name.size() > 7 && name.substr(name.size() - 7) == "_schema") {
      settings.names.schemas[name.substr(0, name.size() - 7)] = *text;
    } else {
      return InvalidArgument("configuration file " + config_file + ": [databricks] has no key '" +
                             name + "' (catalog, volume, warehouse_id, <layer>_schema)");
    }
  }
  DHL_RETURN_IF_ERROR(settings.names.Validate());
  return settings;
}

Result<pipeline::ModelEngine> MakeDatabricksEngine(const source::EnvironmentLookup& environment,
                                                   const std::string& config_file) {
  DHL_ASSIGN_OR_RETURN(DatabricksSettings settings, LoadDatabricksSettings(config_file));
  const char* home = std::getenv("HOME");
  DHL_ASSIGN_OR_RETURN(DatabricksCredentials credentials,
                       ResolveCredentials(environment, home != nullptr ? home : "."));
  if (settings.warehouse_id.empty()) settings.warehouse_id = credentials.warehouse_id;
  if (settings.warehouse_id.empty()) {
    return InvalidArgument(
        "--engine databricks: no SQL warehouse; set warehouse_id in [databricks] of the "
        "configuration file or DATABRICKS_WAREHOUSE_ID");
  }
  return pipeline::ModelEngine(
      [settings, credentials](lake::LakeCatalog& catalog, engine::Connection& connection,
                              const pipeline::ModelSet& set,
                              const pipeline::RunOptions& run) -> Result<pipeline::RunSummary> {
        http::CurlTransport transport;
        http::SystemSleeper sleeper;
        DatabricksClient client(credentials, transport, sleeper);
        DatabricksRunOptions options;
        options.names = settings.names;
        options.warehouse_id = settings.warehouse_id;
        options.run_id = run.run_id;
        options.generators = run.generators;
        options.settings = run.settings;
        options.interrupted = [] { return g_interrupted.load(); };
        // The selection: models outside it are left alone (their tasks do not run).
        for (const std::string& model : run.models) {
          auto name = lake::ParseTableName(model);
          if (name.ok()) options.models.insert(TaskKey(*name, /*load=*/false));
        }
        InterruptScope scope;
        DHL_ASSIGN_OR_RETURN(DatabricksRunSummary ran,
                             RunOnDatabricks(catalog, connection, set, client, options));
        pipeline::RunSummary summary;
        summary.run_id = run.run_id;
        for (const DatabricksTaskResult& task : ran.tasks) {
          if (task.key == "setup" || task.status == "not selected") continue;
          pipeline::ModelResult result;
          result.name = task.table;
          result.status = StatusOf(task.status);
          result.error = task.error;
          if (result.status == pipeline::ModelStatus::kSucceeded) ++summary.succeeded;
          if (result.status == pipeline::ModelStatus::kFailed) ++summary.failed;
          if (result.status == pipeline::ModelStatus::kUpstreamFailed) ++summary.skipped;
          summary.models.push_back(std::move(result));
        }
        return summary;
      });
}

}  // namespace dhl::databricks
