#include "databricks/bundle_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "base/text.h"
#include "lake/schema.h"
#include "pipeline/pipeline_runner.h"
#include "source/bronze_table.h"
#include "sql/dialect.h"
#include "sql/literal.h"
#include "sql/shared_sql.h"

namespace dhl::databricks {
namespace {

using lake::TableName;

std::string DuckView(const TableName& table) {
  return sql::QuoteName(table.layer) + "." + sql::QuoteName(table.name);
}

Result<lake::Schema> Describe(engine::Connection& connection, const TableName& table) {
  DHL_ASSIGN_OR_RETURN(auto described,
                       connection.Query("DESCRIBE SELECT * FROM " + DuckView(table)));
  std::vector<std::string> names;
  std::vector<std::string> types;
  for (size_t row = 0; row < described.row_count(); ++row) {
    names.push_back(described.GetString(0, row).value_or(""));
    types.push_back(described.GetString(1, row).value_or(""));
  }
  auto schema = lake::Schema::FromDuckDb(names, types);
  if (!schema.ok()) return schema.status().WithContext("describing " + table.ToString());
  return schema;
}

// An empty view with the columns source/bronze_table.h defines for a bronze table.
Status CreateBronzeStandIn(engine::Connection& connection, const TableName& table) {
  const source::BronzeTable* bronze = source::FindBronzeTable(table.name);
  if (bronze == nullptr) {
    return NotFound("source table " + table.ToString() +
                    " is neither in the lake nor a known bronze table: run `dhis2lake sync` first");
  }
  std::vector<std::string> columns;
  auto add = [&](const std::string& name, std::string_view type) {
    columns.push_back(fmt::format("CAST(NULL AS {}) AS {}", type, sql::QuoteName(name)));
  };
  for (const source::BronzeColumn& column : bronze->columns) {
    add(column.name, column.type == source::ColumnType::kTimestamp ? "TIMESTAMPTZ"
                     : column.type == source::ColumnType::kBoolean ? "BOOLEAN"
                                                                   : "VARCHAR");
  }
  if (bronze->metadata) add("object", "VARCHAR");
  if (bronze->keep_record) add("record", "VARCHAR");
  add("_run_id", "VARCHAR");
  add("_ingested_at", "TIMESTAMPTZ");
  add("_source", "VARCHAR");
  add("_chunk", "VARCHAR");
  return connection.Execute(fmt::format(
      "CREATE SCHEMA IF NOT EXISTS {0}; CREATE OR REPLACE VIEW {1} AS SELECT {2} WHERE FALSE",
      sql::QuoteName(table.layer), DuckView(table), fmt::join(columns, ", ")));
}

}  // namespace

std::string TaskKey(const TableName& table, bool load) {
  return (load ? "load_" : "") + table.layer + "_" + table.name;
}

const BundleTask* BundlePlan::Find(const std::string& key) const {
  for (const BundleTask& task : tasks) {
    if (task.key == key) return &task;
  }
  return nullptr;
}

Result<BundlePlan> PlanBundle(const lake::LakeCatalog& catalog, engine::Connection& connection,
                              const pipeline::ModelSet& declared, const PlanOptions& options) {
  DHL_RETURN_IF_ERROR(options.names.Validate());
  // `depends_on: layer.*` inputs are the tables of those layers in the lake now, as locally.
  std::vector<pipeline::Model> expanded;
  for (const pipeline::Model& model : declared.models()) {
    DHL_ASSIGN_OR_RETURN(pipeline::Model with_inputs, pipeline::WithLayerInputs(model, catalog));
    expanded.push_back(std::move(with_inputs));
  }
  DHL_ASSIGN_OR_RETURN(pipeline::ModelSet models, pipeline::ModelSet::FromModels(expanded));
  const pipeline::GeneratorRegistry& registry =
      options.generators != nullptr ? *options.generators : pipeline::BuiltinGenerators();
  DHL_ASSIGN_OR_RETURN(auto present, catalog.ListTables());
  std::set<TableName> in_lake(present.begin(), present.end());
  for (const TableName& table : present) {
    auto registered = catalog.Register(connection, table);
    if (!registered.ok()) {
      return registered.WithContext("reading " + table.ToString() + " for the bundle's schemas");
    }
  }

  // The models' Spark JSON and array functions, as DuckDB macros (docs/models.md), so that their
  // DuckDB renderings describe.
  for (const std::string& macro : sql::DuckDbSparkFunctionMacros()) {
    DHL_RETURN_IF_ERROR(connection.Execute(macro));
  }
  BundlePlan plan;
  for (const TableName& source : models.Sources()) {
    bool absent = in_lake.count(source) == 0;
    if (absent) {
      if (source.layer != "bronze") {
        return NotFound("model input " + source.ToString() +
                        " is not in the lake and no model produces it");
      }
      DHL_RETURN_IF_ERROR(CreateBronzeStandIn(connection, source));
    }
    SparkTable table;
    table.name = source;
    DHL_ASSIGN_OR_RETURN(table.schema, Describe(connection, source));
    table.append_only = source.layer == "bronze";  // ref.* tables are replaced by imports
    plan.tables.push_back(table);
    BundleTask task;
    task.key = TaskKey(source, /*load=*/true);
    task.table = source;
    task.load = true;
    task.absent = absent;
    task.depends_on = {"setup"};
    // An absent table's task only counts its (empty) table, so the job's graph keeps its shape.
    task.statements = {absent ? "SELECT COUNT(*) AS rows_loaded FROM " + options.names.Table(source)
                              : RenderBronzeLoad(options.names, source)};
    plan.tasks.push_back(std::move(task));
  }

  pipeline::GeneratorContext context;
  context.connection = &connection;
  context.relation = [](const TableName& table) -> Result<std::string> { return DuckView(table); };
  DHL_RETURN_IF_ERROR(
      pipeline::ValidateSettings(options.settings).WithContext("the bundle's settings"));
  context.settings = &options.settings;
  std::vector<SparkTable> model_tables;
  for (const pipeline::Model& model : models.models()) {
    // DuckDB rendering: describes the output when the table is not in the lake yet.
    if (in_lake.count(model.name) == 0) {
      context.dialect = sql::Dialect::kDuckDb;
      DHL_ASSIGN_OR_RETURN(std::string duck, pipeline::ExpandGenerated(model, registry, context));
      std::string body(WithoutTrailingSemicolons(pipeline::RenderRefsIn(
          model.path, duck, [](const TableName& table) { return DuckView(table); })));
      auto created = connection.Execute(
          fmt::format("CREATE SCHEMA IF NOT EXISTS {0}; CREATE OR REPLACE VIEW {1} AS {2}",
                      sql::QuoteName(model.name.layer), DuckView(model.name), body));
      if (!created.ok()) return created.WithContext(model.path);
    }
    SparkModel spark;
    spark.model = &model;
    DHL_ASSIGN_OR_RETURN(spark.schema, Describe(connection, model.name));
    auto body = RenderSparkBody(model, registry, context, options.names);
    if (!body.ok()) return body.status().WithContext(model.path);
    spark.body = std::move(*body);
    auto statements = RenderModel(options.names, spark, options.run_id_sql);
    if (!statements.ok()) return statements.status().WithContext(model.path);

    BundleTask task;
    task.key = TaskKey(model.name, /*load=*/false);
    task.table = model.name;
    task.statements = std::move(*statements);
    for (const std::string& name : model.generated) {
      if (std::find(task.generators.begin(), task.generators.end(), name) ==
          task.generators.end()) {
        task.generators.push_back(name);
      }
    }
    task.embeds_metadata = !model.generated.empty();
    std::set<std::string> depends = {"setup"};
    for (const pipeline::Ref& ref : model.refs) {
      depends.insert(TaskKey(ref.table, models.Find(ref.table) == nullptr));
    }
    if (depends.size() > 1) depends.erase("setup");  // reached through the inputs
    task.depends_on.assign(depends.begin(), depends.end());
    plan.tasks.push_back(std::move(task));

    SparkTable table;
    table.name = model.name;
    table.schema = spark.schema;
    table.partition_by = model.partition_by;
    model_tables.push_back(std::move(table));
  }
  plan.tables.insert(plan.tables.end(), model_tables.begin(), model_tables.end());
  for (SparkTable& table : PipelineTables()) {
    bool produced = std::any_of(plan.tables.begin(), plan.tables.end(),
                                [&](const SparkTable& t) { return t.name == table.name; });
    if (!produced) plan.tables.push_back(std::move(table));
  }
  DHL_ASSIGN_OR_RETURN(plan.setup, RenderSetup(options.names, plan.tables));
  return plan;
}

}  // namespace dhl::databricks
