// The Spark SQL statements that run the lake's pipeline on a Databricks SQL warehouse: the set-up
// (schemas, the volume, every table with properties that keep it readable by our Delta reader), one
// COPY INTO per bronze table and the statements of each silver and gold model. The models' own
// text comes from models/**.sql rendered through sql/shared_sql.h and their generators' Spark
// output; this file adds only what wraps a model (materialization, expectations). Pure;
// thread-safe.
//
// Per model (docs/models.md semantics, as pipeline_runner.cc implements them locally):
//   table         INSERT OVERWRITE TABLE target SELECT <columns> FROM (<body>)
//   partitioned   the same: a full rebuild gives the table the local partial recomputation gives
//   incremental   MERGE INTO target USING (one row per unique_key: the latest by order_by
//                 DESC NULLS LAST, from the whole input) ON the key (null-safe)
//                 WHEN MATCHED AND s.deleted THEN DELETE / WHEN MATCHED THEN UPDATE /
//                 WHEN NOT MATCHED AND NOT s.deleted THEN INSERT (never WHEN NOT MATCHED BY
//                 SOURCE). Recomputing every key from the whole input gives the table a full
//                 rebuild gives.
//   expectations  the rows are staged in ops._stage_<layer>_<table> first; each expectation adds a
//                 row to ops.dq_result; quarantine copies failing rows to silver.rejects (and, for
//                 an incremental model, removes the key as a deletion does); fail raises an error
//                 that fails the task, so that its descendants do not run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "databricks/spark_names.h"
#include "lake/lake_catalog.h"
#include "lake/schema.h"
#include "pipeline/generator.h"
#include "pipeline/model.h"

namespace dhl::databricks {

// A table the set-up creates.
struct SparkTable {
  lake::TableName name;
  lake::Schema schema;
  std::vector<std::string> partition_by;
  bool append_only = false;  // bronze
};

// A model ready to render: its Spark SELECT (generated() expanded for Spark, refs resolved to
// SparkNames::Table, shared SQL rendered) and its output columns.
struct SparkModel {
  const pipeline::Model* model = nullptr;
  std::string body;
  lake::Schema schema;
};

// The Spark DDL type of a Delta type ("long" -> BIGINT, {"type":"array",...} -> ARRAY<...>).
// Unsupported for a type Spark cannot hold.
Result<std::string> SparkColumnType(const nlohmann::json& delta_type);

// The TBLPROPERTIES every created table carries (pairs of quoted literals, in order).
std::vector<std::pair<std::string, std::string>> TableProperties(bool append_only);

// The tables the pipeline writes besides the models: silver.rejects and ops.dq_result.
std::vector<SparkTable> PipelineTables();

// CREATE SCHEMA for each layer in `tables`, CREATE VOLUME, then per table CREATE TABLE IF NOT
// EXISTS (explicit columns, partitioning and properties) and ALTER TABLE ... SET TBLPROPERTIES (so
// that a table created earlier by someone else gets the properties too).
Result<std::vector<std::string>> RenderSetup(const SparkNames& names,
                                             const std::vector<SparkTable>& tables);

// COPY INTO the bronze table from its volume folder (Parquet; COPY INTO loads each file once).
std::string RenderBronzeLoad(const SparkNames& names, const lake::TableName& table);

// The statements of one model, in order. `run_id_sql` is a Spark expression naming the run in
// silver.rejects and ops.dq_result.
Result<std::vector<std::string>> RenderModel(const SparkNames& names, const SparkModel& model,
                                             std::string_view run_id_sql);

// The model's body in Spark SQL: its own text rendered by sql::RenderShared, each generated('name')
// replaced by the generator's Spark text (context.dialect is set to Spark), each ref('layer.table')
// by SparkNames::Table, a trailing ';' removed. Errors name the model's file and line.
Result<std::string> RenderSparkBody(const pipeline::Model& model,
                                    const pipeline::GeneratorRegistry& registry,
                                    const pipeline::GeneratorContext& context,
                                    const SparkNames& names);

}  // namespace dhl::databricks
