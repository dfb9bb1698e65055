#include "databricks/spark_renderer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/text.h"
#include "pipeline/pipeline_runner.h"
#include "sql/literal.h"
#include "sql/shared_sql.h"

namespace dhl::databricks {
namespace {

using sql::Dialect;

std::string Q(std::string_view name) { return sql::QuoteName(name, Dialect::kSpark); }
std::string S(std::string_view value) { return sql::StringLiteral(value, Dialect::kSpark); }

const lake::TableName kRejects{"silver", "rejects"};

lake::SchemaField Field(std::string name, std::string type) {
  lake::SchemaField field;
  field.name = std::move(name);
  field.type = std::move(type);
  return field;
}

std::string ColumnNames(const lake::Schema& schema, std::string_view prefix = "") {
  std::vector<std::string> names;
  for (const lake::SchemaField& field : schema.fields()) {
    names.push_back(std::string(prefix) + Q(field.name));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// NOT COALESCE((condition), FALSE): the rows an expectation fails on (NULL counts as failing).
std::string Failing(const pipeline::Expectation& expectation) {
  return "NOT COALESCE((" + sql::RenderShared(expectation.condition, Dialect::kSpark) + "), FALSE)";
}

lake::TableName StageTable(const pipeline::Model& model) {
  return lake::TableName{"ops", "_stage_" + model.name.layer + "_" + model.name.name};
}

std::string PropertiesClause(bool append_only) {
  std::vector<std::string> items;
  for (const auto& [key, value] : TableProperties(append_only)) {
    items.push_back(S(key) + " = " + S(value));
  }
  return fmt::format("TBLPROPERTIES ({})", fmt::join(items, ", "));
}

// The name of the merge source's deletion flag: `deleted` unless the model has another column of
// that name.
std::string DeletionFlag(const pipeline::Model& model, const lake::Schema& schema) {
  if (schema.Find("deleted") != nullptr && model.deleted_column != "deleted") {
    return "_dhl_deleted";
  }
  return "deleted";
}

}  // namespace

Result<std::string> SparkColumnType(const nlohmann::json& type) {
  if (type.is_string()) {
    std::string name = type.get<std::string>();
    static const std::pair<const char*, const char*> kPrimitive[] = {
        {"string", "STRING"},  {"long", "BIGINT"},         {"integer", "INT"},
        {"short", "SMALLINT"}, {"byte", "TINYINT"},        {"float", "FLOAT"},
        {"double", "DOUBLE"},  {"boolean", "BOOLEAN"},     {"binary", "BINARY"},
        {"date", "DATE"},      {"timestamp", "TIMESTAMP"}, {"timestamp_ntz", "TIMESTAMP_NTZ"}};
    for (const auto& [delta, spark] : kPrimitive) {
      if (name == delta) return std::string(spark);
    }
    if (name.rfind("decimal(", 0) == 0) {
      std::string upper = "DECIMAL" + name.substr(7);
      return upper;
    }
    return Unsupported("Delta type '" + name + "' has no Spark column type here");
  }
  if (!type.is_object() || !type.contains("type")) {
    return Unsupported("Delta type " + type.dump() + " has no Spark column type here");
  }
  std::string kind = type.value("type", "");
  if (kind == "array") {
    DHL_ASSIGN_OR_RETURN(std::string element, SparkColumnType(type.at("elementType")));
    return "ARRAY<" + element + ">";
  }
  if (kind == "map") {
    DHL_ASSIGN_OR_RETURN(std::string key, SparkColumnType(type.at("keyType")));
    DHL_ASSIGN_OR_RETURN(std::string value, SparkColumnType(type.at("valueType")));
    return "MAP<" + key + ", " + value + ">";
  }
  if (kind == "struct") {
    std::vector<std::string> fields;
    for (const nlohmann::json& field : type.at("fields")) {
      DHL_ASSIGN_OR_RETURN(std::string field_type, SparkColumnType(field.at("type")));
      fields.push_back(Q(field.value("name", "")) + ": " + field_type);
    }
    return fmt::format("STRUCT<{}>", fmt::join(fields, ", "));
  }
  return Unsupported("Delta type " + type.dump() + " has no Spark column type here");
}

std::vector<std::pair<std::string, std::string>> TableProperties(bool append_only) {
  // Our reader reads protocol 1/2 without table features (docs/delta.md): no deletion vectors
  // (Databricks may turn them on for new tables by workspace setting), no row tracking, no column
  // mapping, classic checkpoints only. Liquid clustering is never asked for (no CLUSTER BY).
  std::vector<std::pair<std::string, std::string>> properties = {
      {"delta.enableDeletionVectors", "false"}, {"delta.enableRowTracking", "false"},
      {"delta.columnMapping.mode", "none"},     {"delta.checkpointPolicy", "classic"},
      {"delta.minReaderVersion", "1"},          {"delta.minWriterVersion", "2"}};
  if (append_only) {
    properties.emplace_back("delta.appendOnly", "true");
  }
  return properties;
}

std::vector<SparkTable> PipelineTables() {
  SparkTable rejects;
  rejects.name = kRejects;
  rejects.schema = lake::Schema({Field("table_name", "string"), Field("record", "string"),
                                 Field("reason", "string"), Field("expectation", "string"),
                                 Field("_run_id", "string")});
  SparkTable dq;
  dq.name = pipeline::kDqResultTable;
  dq.schema = lake::Schema({Field("run_id", "string"), Field("model", "string"),
                            Field("expectation", "string"), Field("action", "string"),
                            Field("rows_failing", "long"), Field("rows_total", "long"),
                            Field("recorded_at", "timestamp")});
  return {rejects, dq};
}

Result<std::vector<std::string>> RenderSetup(const SparkNames& names,
                                             const std::vector<SparkTable>& tables) {
  DHL_RETURN_IF_ERROR(names.Validate());
  std::vector<std::string> statements;
  std::vector<std::string> layers = {"bronze"};
  for (const SparkTable& table : tables) {
    if (std::find(layers.begin(), layers.end(), table.name.layer) == layers.end()) {
      layers.push_back(table.name.layer);
    }
  }
  if (std::find(layers.begin(), layers.end(), "ops") == layers.end()) layers.push_back("ops");
  for (const std::string& layer : layers) {
    statements.push_back("CREATE SCHEMA IF NOT EXISTS " + names.QualifiedSchema(layer));
  }
  statements.push_back("CREATE VOLUME IF NOT EXISTS " + names.QualifiedSchema("bronze") + "." +
                       Q(names.volume));
  for (const SparkTable& table : tables) {
    std::vector<std::string> columns;
    for (const lake::SchemaField& field : table.schema.fields()) {
      auto type = SparkColumnType(field.type);
      if (!type.ok()) {
        return type.status().WithContext(table.name.ToString() + " column " + field.name);
      }
      columns.push_back(Q(field.name) + " " + *type);
    }
    if (columns.empty()) {
      return InvalidArgument(table.name.ToString() + ": no columns to create the table with");
    }
    std::string create = "CREATE TABLE IF NOT EXISTS " + names.Table(table.name) + " (\n  " +
                         fmt::format("{}", fmt::join(columns, ",\n  ")) + "\n) USING DELTA";
    if (!table.partition_by.empty()) {
      std::vector<std::string> partition;
      for (const std::string& column : table.partition_by) partition.push_back(Q(column));
      create += fmt::format(" PARTITIONED BY ({})", fmt::join(partition, ", "));
    }
    create += "\n" + PropertiesClause(table.append_only);
    statements.push_back(create);
    statements.push_back("ALTER TABLE " + names.Table(table.name) + " SET TBLPROPERTIES (" +
                         S("delta.enableDeletionVectors") + " = " + S("false") + ", " +
                         S("delta.enableRowTracking") + " = " + S("false") + ")");
  }
  return statements;
}

std::string RenderBronzeLoad(const SparkNames& names, const lake::TableName& table) {
  return "COPY INTO " + names.Table(table) + "\nFROM " + S(names.VolumeFolder(table)) +
         "\nFILEFORMAT = PARQUET\nCOPY_OPTIONS (" + S("mergeSchema") + " = " + S("false") + ")";
}

Result<std::string> RenderSparkBody(const pipeline::Model& model,
                                    const pipeline::GeneratorRegistry& registry,
                                    const pipeline::GeneratorContext& context,
                                    const SparkNames& names) {
  // The model's text is in DuckDB spelling, a generator's text already in Spark's: each generated()
  // call becomes a placeholder word first, so that RenderShared sees one spelling only.
  std::vector<std::string> generated;
  pipeline::GeneratorRegistry placeholders;
  for (const std::string& name : model.generated) {
    const pipeline::Generator* generator = registry.Find(name);
    if (generator == nullptr) continue;  // ExpandGenerated reports it
    placeholders.Add(
        name,
        [&generated, generator](const pipeline::GeneratorContext& own) -> Result<std::string> {
          DHL_ASSIGN_OR_RETURN(std::string text, (*generator)(own));
          generated.push_back(std::move(text));
          return "__dhl_generated_" + std::to_string(generated.size() - 1) + "__";
        });
  }
  pipeline::GeneratorContext spark = context;
  spark.dialect = Dialect::kSpark;
  DHL_ASSIGN_OR_RETURN(std::string text, pipeline::ExpandGenerated(model, placeholders, spark));
  auto resolve = [&](std::string_view spark_text) {
    return sql::ReplaceCalls(spark_text, Dialect::kSpark, "ref", [&](const std::string& argument) {
      auto table = lake::ParseTableName(argument);
      return table.ok() ? names.Table(*table) : "ref(" + S(argument) + ")";
    });
  };
  text = resolve(sql::RenderShared(text, Dialect::kSpark));
  for (size_t i = generated.size(); i-- > 0;) {
    std::string placeholder = "__dhl_generated_" + std::to_string(i) + "__";
    size_t at = text.find(placeholder);
    if (at != std::string::npos) text.replace(at, placeholder.size(), resolve(generated[i]));
  }
  return std::string(WithoutTrailingSemicolons(text));
}

Result<std::vector<std::string>> RenderModel(const SparkNames& names, const SparkModel& spark,
                                             std::string_view run_id_sql) {
  const pipeline::Model& model = *spark.model;
  const lake::Schema& schema = spark.schema;
  if (schema.fields().empty()) {
    return InvalidArgument(model.path + ": no output columns known for " + model.name.ToString());
  }
  std::string target = names.Table(model.name);
  std::string columns = ColumnNames(schema);
  bool incremental = model.materialization == pipeline::Materialization::kIncremental;
  std::string deleted_test =
      model.deleted_column.empty() ? "FALSE" : "COALESCE(" + Q(model.deleted_column) + ", FALSE)";

  // The rows the model writes (before expectations): the body, or for an incremental model the
  // latest version per key over the whole input.
  std::string rows;
  if (incremental) {
    std::vector<std::string> keys;
    for (const std::string& key : model.unique_key) keys.push_back(Q(key));
    std::vector<std::string> order;
    for (const std::string& column : model.order_by)
      order.push_back(Q(column) + " DESC NULLS LAST");
    rows = fmt::format(
        "SELECT {0} FROM (\n  SELECT *, row_number() OVER (PARTITION BY {1} ORDER BY {2}) AS "
        "`_dhl_rank`\n  FROM (\n{3}\n  ) AS m\n) AS r\nWHERE `_dhl_rank` = 1",
        columns, fmt::join(keys, ", "), fmt::join(order, ", "), spark.body);
  } else {
    rows = "SELECT " + columns + " FROM (\n" + spark.body + "\n) AS m";
  }

  std::vector<std::string> statements;
  std::string source = "(\n" + rows + "\n)";  // what the write reads
  std::vector<std::string> quarantined;
  bool staged = !model.expectations.empty();
  std::string stage = names.Table(StageTable(model));
  if (staged) {
    statements.push_back("CREATE OR REPLACE TABLE " + stage + " USING DELTA " +
                         PropertiesClause(false) + "\nAS " + rows);
    // Expectations apply to the rows about to be written: not to deletions.
    std::string live =
        incremental ? "(SELECT * FROM " + stage + " WHERE NOT " + deleted_test + ")" : stage;
    for (const pipeline::Expectation& expectation : model.expectations) {
      std::string failing = Failing(expectation);
      std::string action(pipeline::ExpectationActionName(expectation.action));
      statements.push_back(fmt::format(
          "INSERT INTO {} (`run_id`, `model`, `expectation`, `action`, `rows_failing`, "
          "`rows_total`, `recorded_at`)\nSELECT {}, {}, {}, {}, COUNT_IF({}), COUNT(*), "
          "current_timestamp()\nFROM {} AS l",
          names.Table(pipeline::kDqResultTable), run_id_sql, S(model.name.ToString()),
          S(expectation.name), S(action), failing, live));
      if (expectation.action == pipeline::ExpectationAction::kFail) {
        statements.push_back(fmt::format(
            "SELECT raise_error(concat({}, CAST(COUNT(*) AS STRING), {}))\nFROM {} AS l\nWHERE {}\n"
            "HAVING COUNT(*) > 0",
            S("model " + model.name.ToString() + ": expectation " + expectation.name + " (" +
              expectation.condition + ") failed on "),
            S(" rows"), live, failing));
      } else if (expectation.action == pipeline::ExpectationAction::kQuarantine) {
        statements.push_back(fmt::format(
            "INSERT INTO {} (`table_name`, `record`, `reason`, `expectation`, `_run_id`)\n"
            "SELECT {}, to_json(struct({})), {}, {}, {}\nFROM {} AS l\nWHERE {}",
            names.Table(kRejects), S(model.name.ToString()), ColumnNames(schema, "l."),
            S("failed: " + expectation.condition), S(expectation.name), run_id_sql, live, failing));
        quarantined.push_back(failing);
      }
    }
    source = stage;
  }
  std::string quarantine_test =
      quarantined.empty() ? "" : fmt::format("({})", fmt::join(quarantined, " OR "));

  if (!incremental) {
    std::string write =
        "INSERT OVERWRITE TABLE " + target + "\nSELECT " + columns + " FROM " + source + " AS w";
    if (!quarantine_test.empty()) write += "\nWHERE NOT " + quarantine_test;
    statements.push_back(write);
  } else {
    std::string flag = DeletionFlag(model, schema);
    std::string deletes = deleted_test;
    if (!quarantine_test.empty()) deletes = "(" + deleted_test + " OR " + quarantine_test + ")";
    // The flag takes the place of a column of its name (the model's deleted column: rows that
    // reach the table always hold FALSE there, as locally).
    std::vector<std::string> source_columns;
    for (const lake::SchemaField& field : schema.fields()) {
      if (field.name != flag) source_columns.push_back(Q(field.name));
    }
    std::vector<std::string> on;
    for (const std::string& key : model.unique_key) {
      on.push_back("t." + Q(key) + " <=> s." + Q(key));
    }
    std::vector<std::string> updates;
    std::vector<std::string> values;
    for (const lake::SchemaField& field : schema.fields()) {
      updates.push_back(Q(field.name) + " = s." + Q(field.name));
      values.push_back("s." + Q(field.name));
    }
    statements.push_back(fmt::format(
        "MERGE INTO {0} AS t\nUSING (\n  SELECT {1}, {2} AS {3}\n  FROM {4} AS w\n) AS s\nON {5}\n"
        "WHEN MATCHED AND s.{3} THEN DELETE\nWHEN MATCHED THEN UPDATE SET {6}\n"
        "WHEN NOT MATCHED AND NOT s.{3} THEN INSERT ({8}) VALUES ({7})",
        target, fmt::join(source_columns, ", "), deletes, Q(flag), source, fmt::join(on, " AND "),
        fmt::join(updates, ", "), fmt::join(values, ", "), columns));
  }
  if (staged) {
    statements.push_back("DROP TABLE IF EXISTS " + stage);
  }
  return statements;
}

}  // namespace dhl::databricks
