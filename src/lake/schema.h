// A Delta table schema (Spark's StructType JSON, the metaData's schemaString) and the mapping
// between Delta types and DuckDB types (docs/delta.md §4). Values; no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::lake {

struct SchemaField {
  std::string name;
  nlohmann::json type;  // "long", "decimal(10,2)", or {"type":"struct"|"array"|"map", ...}
  bool nullable = true;
  nlohmann::json metadata = nlohmann::json::object();
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<SchemaField> fields) : fields_(std::move(fields)) {}

  // Parses a schemaString. Corruption when it is not a struct type.
  static Result<Schema> Parse(std::string_view schema_string);
  // Builds the schema of a write's input from DuckDB column names and type names (as DESCRIBE shows
  // them). Unsupported (naming the column) for types with no Delta type; InvalidArgument for names
  // that repeat case-insensitively.
  static Result<Schema> FromDuckDb(const std::vector<std::string>& names,
                                   const std::vector<std::string>& duckdb_types);

  std::string ToSchemaString() const;
  const std::vector<SchemaField>& fields() const { return fields_; }
  // The field named `name` (exact match), or nullptr.
  const SchemaField* Find(std::string_view name) const;

 private:
  std::vector<SchemaField> fields_;
};

// The DuckDB type a column of Delta type `type` reads as ("BIGINT", "TIMESTAMPTZ", "STRUCT(...)").
// Unsupported for a type we do not know.
Result<std::string> DuckDbTypeOf(const nlohmann::json& type);
// The Delta type of a DuckDB type name, and (through `write_type`) the DuckDB type the column is
// cast to before it is written to Parquet (docs/delta.md §4). Unsupported for types with no
// mapping.
Result<nlohmann::json> DeltaTypeOf(std::string_view duckdb_type, std::string* write_type);
// The type as text, for messages: "long", "array<string>", "struct<a:int>".
std::string DeltaTypeName(const nlohmann::json& type);
// Whether `type` is a primitive (not struct/array/map).
bool IsPrimitive(const nlohmann::json& type);
// A primitive type's name as the schema spells it ("long", "decimal(10,2)"); "" for
// struct/array/map.
std::string PrimitiveTypeName(const nlohmann::json& type);
// Whether `primitive` (a PrimitiveTypeName) is byte, short, integer or long.
bool IsIntegralType(std::string_view primitive);

}  // namespace dhl::lake
