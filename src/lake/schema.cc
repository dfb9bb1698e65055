#include "lake/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <utility>

#include "base/text.h"
#include "sql/literal.h"

namespace dhl::lake {
namespace {

using nlohmann::json;

// Splits `text` at commas outside parentheses and double quotes.
std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '(') {
      ++depth;
    } else if (!quoted && c == ')') {
      --depth;
    } else if (!quoted && depth == 0 && c == ',') {
      parts.push_back(Trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(Trim(text.substr(start)));
  return parts;
}

// Splits a STRUCT member "name TYPE" (name possibly double-quoted) into its name and type.
bool SplitMember(std::string_view member, std::string* name, std::string_view* type) {
  if (member.empty()) {
    return false;
  }
  if (member.front() == '"') {
    std::string unquoted;
    size_t i = 1;
    for (; i < member.size(); ++i) {
      if (member[i] == '"') {
        if (i + 1 < member.size() && member[i + 1] == '"') {
          unquoted += '"';
          ++i;
          continue;
        }
        break;
      }
      unquoted += member[i];
    }
    *name = unquoted;
    *type = Trim(member.substr(std::min(member.size(), i + 1)));
    return !type->empty();
  }
  size_t space = member.find(' ');
  if (space == std::string_view::npos) {
    return false;
  }
  *name = std::string(member.substr(0, space));
  *type = Trim(member.substr(space + 1));
  return true;
}

Result<json> DeltaTypeOfImpl(std::string_view duckdb_type, std::string* write_type);

// "T[]" and fixed-size "T[3]" (written as a LIST).
Result<json> ArrayDeltaType(std::string_view element_type, std::string* write_type) {
  std::string element_write;
  DHL_ASSIGN_OR_RETURN(json element, DeltaTypeOfImpl(element_type, &element_write));
  *write_type = element_write + "[]";
  return json{{"type", "array"}, {"elementType", element}, {"containsNull", true}};
}

// STRUCT(name type, ...) given what is inside the parentheses.
Result<json> StructDeltaType(std::string_view type, std::string_view inside,
                             std::string* write_type) {
  json fields = json::array();
  std::string write = "STRUCT(";
  bool first = true;
  for (std::string_view member : SplitTopLevel(inside)) {
    std::string name;
    std::string_view member_type;
    if (!SplitMember(member, &name, &member_type)) {
      return Unsupported(fmt::format("cannot read struct member '{}' of type {}", member, type));
    }
    std::string member_write;
    auto delta = DeltaTypeOfImpl(member_type, &member_write);
    if (!delta.ok()) {
      return delta.status().WithContext(fmt::format("struct field \"{}\"", name));
    }
    fields.push_back(
        json{{"name", name}, {"type", *delta}, {"nullable", true}, {"metadata", json::object()}});
    write += (first ? "" : ", ") + sql::QuoteName(name) + " " + member_write;
    first = false;
  }
  *write_type = write + ")";
  return json{{"type", "struct"}, {"fields", fields}};
}

// MAP(key, value) given what is inside the parentheses.
Result<json> MapDeltaType(std::string_view type, std::string_view inside, std::string* write_type) {
  auto parts = SplitTopLevel(inside);
  if (parts.size() != 2) {
    return Unsupported(fmt::format("cannot read map type {}", type));
  }
  std::string key_write;
  std::string value_write;
  DHL_ASSIGN_OR_RETURN(json key, DeltaTypeOfImpl(parts[0], &key_write));
  DHL_ASSIGN_OR_RETURN(json value, DeltaTypeOfImpl(parts[1], &value_write));
  *write_type = "MAP(" + key_write + ", " + value_write + ")";
  return json{{"type", "map"}, {"keyType", key}, {"valueType", value}, {"valueContainsNull", true}};
}

// The precision and scale of "decimal(p,s)" / "DECIMAL(p, s)" (any case); nullopt unless both are
// integers within Delta's limits (precision 1..38, scale 0..precision).
std::optional<std::pair<int64_t, int64_t>> DecimalArguments(std::string_view type) {
  const std::string upper = AsciiUpper(type);
  if (!upper.starts_with("DECIMAL(") || !upper.ends_with(")")) {
    return std::nullopt;
  }
  auto parts = SplitTopLevel(std::string_view(upper).substr(8, upper.size() - 9));
  if (parts.size() != 2) {
    return std::nullopt;
  }
  auto precision = ParseInt64(Trim(parts[0]), "precision", 1, 38);
  auto scale = ParseInt64(Trim(parts[1]), "scale", 0, 38);
  if (!precision.ok() || !scale.ok() || *scale > *precision) {
    return std::nullopt;
  }
  return std::make_pair(*precision, *scale);
}

// DECIMAL(p,s); DuckDB's default DECIMAL(18,3) when it names no (readable) precision and scale.
json DecimalDeltaType(std::string_view upper, std::string* write_type) {
  auto [precision, scale] = DecimalArguments(upper).value_or(std::make_pair(18, 3));
  *write_type = fmt::format("DECIMAL({},{})", precision, scale);
  return json(fmt::format("decimal({},{})", precision, scale));
}

// The primitive types by their DuckDB name: the type written and the Delta type.
Result<json> PrimitiveDeltaType(std::string_view type, const std::string& upper,
                                std::string* write_type) {
  struct Mapping {
    const char* duckdb;
    const char* write;
    const char* delta;
  };
  static constexpr Mapping kMappings[] = {
      {"VARCHAR", "VARCHAR", "string"},
      {"JSON", "VARCHAR", "string"},
      {"UUID", "VARCHAR", "string"},
      {"BIGINT", "BIGINT", "long"},
      {"INTEGER", "INTEGER", "integer"},
      {"SMALLINT", "SMALLINT", "short"},
      {"TINYINT", "TINYINT", "byte"},
      {"UTINYINT", "SMALLINT", "short"},
      {"USMALLINT", "INTEGER", "integer"},
      {"UINTEGER", "BIGINT", "long"},
      {"UBIGINT", "DECIMAL(38,0)", "decimal(38,0)"},
      {"HUGEINT", "DECIMAL(38,0)", "decimal(38,0)"},
      {"UHUGEINT", "DECIMAL(38,0)", "decimal(38,0)"},
      {"DOUBLE", "DOUBLE", "double"},
      {"FLOAT", "FLOAT", "float"},
      {"BOOLEAN", "BOOLEAN", "boolean"},
      {"BLOB", "BLOB", "binary"},
      {"DATE", "DATE", "date"},
      {"TIMESTAMP", "TIMESTAMPTZ", "timestamp"},
      {"TIMESTAMP_S", "TIMESTAMPTZ", "timestamp"},
      {"TIMESTAMP_MS", "TIMESTAMPTZ", "timestamp"},
      {"TIMESTAMP_NS", "TIMESTAMPTZ", "timestamp"},
      {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "timestamp"},
      {"TIMESTAMPTZ", "TIMESTAMPTZ", "timestamp"},
  };
  for (const auto& mapping : kMappings) {
    if (upper == mapping.duckdb) {
      *write_type = mapping.write;
      return json(mapping.delta);
    }
  }
  return Unsupported(fmt::format("DuckDB type {} has no Delta type (cast it first)", type));
}

Result<json> DeltaTypeOfImpl(std::string_view duckdb_type, std::string* write_type) {
  std::string_view type = Trim(duckdb_type);
  std::string upper = AsciiUpper(type);
  if (upper.size() > 2 && upper.ends_with("[]")) {
    return ArrayDeltaType(type.substr(0, type.size() - 2), write_type);
  }
  if (upper.ends_with("]")) {
    size_t open = upper.rfind('[');
    if (open != std::string::npos && open > 0) {
      return ArrayDeltaType(type.substr(0, open), write_type);
    }
  }
  if (upper.starts_with("STRUCT(") && upper.ends_with(")")) {
    return StructDeltaType(type, type.substr(7, type.size() - 8), write_type);
  }
  if (upper.starts_with("MAP(") && upper.ends_with(")")) {
    return MapDeltaType(type, type.substr(4, type.size() - 5), write_type);
  }
  if (upper.starts_with("DECIMAL")) {
    return DecimalDeltaType(upper, write_type);
  }
  if (upper.starts_with("ENUM(")) {
    *write_type = "VARCHAR";
    return json("string");
  }
  return PrimitiveDeltaType(type, upper, write_type);
}

}  // namespace

Result<Schema> Schema::Parse(std::string_view schema_string) {
  json parsed = json::parse(schema_string, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || parsed.value("type", "") != "struct" || !parsed.contains("fields") ||
      !parsed["fields"].is_array()) {
    return Corruption("schemaString is not a JSON struct type");
  }
  std::vector<SchemaField> fields;
  for (const auto& field : parsed["fields"]) {
    if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
        !field.contains("type")) {
      return Corruption("schemaString has a field without name or type");
    }
    SchemaField out;
    out.name = field["name"].get<std::string>();
    out.type = field["type"];
    out.nullable = field.value("nullable", true);
    if (field.contains("metadata") && field["metadata"].is_object()) {
      out.metadata = field["metadata"];
    }
    fields.push_back(std::move(out));
  }
  return Schema(std::move(fields));
}

Result<Schema> Schema::FromDuckDb(const std::vector<std::string>& names,
                                  const std::vector<std::string>& duckdb_types) {
  std::vector<SchemaField> fields;
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!seen.insert(AsciiLower(names[i])).second) {
      return InvalidArgument(fmt::format(
          "column \"{}\" appears twice (Delta column names are case-insensitive)", names[i]));
    }
    std::string write_type;
    auto type = DeltaTypeOf(duckdb_types[i], &write_type);
    if (!type.ok()) {
      return type.status().WithContext(fmt::format("column \"{}\"", names[i]));
    }
    fields.push_back({names[i], *type, true, json::object()});
  }
  return Schema(std::move(fields));
}

std::string Schema::ToSchemaString() const {
  json fields = json::array();
  for (const auto& field : fields_) {
    fields.push_back(json{{"name", field.name},
                          {"type", field.type},
                          {"nullable", field.nullable},
                          {"metadata", field.metadata}});
  }
  return json{{"type", "struct"}, {"fields", fields}}.dump(-1, ' ', false,
                                                           json::error_handler_t::replace);
}

const SchemaField* Schema::Find(std::string_view name) const {
  for (const auto& field : fields_) {
    if (field.name == name) {
      return &field;
    }
  }
  return nullptr;
}

Result<std::string> DuckDbTypeOf(const json& type) {
  if (type.is_string()) {
    std::string name = type.get<std::string>();
    static const std::map<std::string, std::string> kPrimitives = {
        {"string", "VARCHAR"}, {"long", "BIGINT"},           {"integer", "INTEGER"},
        {"short", "SMALLINT"}, {"byte", "TINYINT"},          {"float", "FLOAT"},
        {"double", "DOUBLE"},  {"boolean", "BOOLEAN"},       {"binary", "BLOB"},
        {"date", "DATE"},      {"timestamp", "TIMESTAMPTZ"}, {"timestamp_ntz", "TIMESTAMP"}};
    auto it = kPrimitives.find(name);
    if (it != kPrimitives.end()) {
      return it->second;
    }
    if (name == "decimal") {
      return std::string("DECIMAL(10,0)");
    }
    if (auto arguments = DecimalArguments(name); arguments && name.starts_with("decimal(")) {
      return fmt::format("DECIMAL({},{})", arguments->first, arguments->second);
    }
    return Unsupported(fmt::format("Delta type '{}' is not supported", name));
  }
  if (!type.is_object()) {
    return Corruption("a schema type is neither a name nor an object");
  }
  std::string kind = type.value("type", "");
  if (kind == "array") {
    DHL_ASSIGN_OR_RETURN(std::string element, DuckDbTypeOf(type.value("elementType", json())));
    return element + "[]";
  }
  if (kind == "map") {
    DHL_ASSIGN_OR_RETURN(std::string key, DuckDbTypeOf(type.value("keyType", json())));
    DHL_ASSIGN_OR_RETURN(std::string value, DuckDbTypeOf(type.value("valueType", json())));
    return "MAP(" + key + ", " + value + ")";
  }
  if (kind == "struct") {
    std::string text = "STRUCT(";
    bool first = true;
    for (const auto& field : type.value("fields", json::array())) {
      DHL_ASSIGN_OR_RETURN(std::string member, DuckDbTypeOf(field.value("type", json())));
      text += (first ? "" : ", ") + sql::QuoteName(field.value("name", "")) + " " + member;
      first = false;
    }
    return text + ")";
  }
  return Unsupported(fmt::format("Delta type '{}' is not supported", type.dump()));
}

Result<json> DeltaTypeOf(std::string_view duckdb_type, std::string* write_type) {
  std::string ignored;
  return DeltaTypeOfImpl(duckdb_type, write_type != nullptr ? write_type : &ignored);
}

std::string DeltaTypeName(const json& type) {
  if (type.is_string()) {
    return type.get<std::string>();
  }
  std::string kind = type.is_object() ? type.value("type", "") : "";
  if (kind == "array") {
    return "array<" + DeltaTypeName(type.value("elementType", json())) + ">";
  }
  if (kind == "map") {
    return "map<" + DeltaTypeName(type.value("keyType", json())) + "," +
           DeltaTypeName(type.value("valueType", json())) + ">";
  }
  if (kind == "struct") {
    std::string text = "struct<";
    bool first = true;
    for (const auto& field : type.value("fields", json::array())) {
      text += (first ? "" : ",") + field.value("name", "") + ":" +
              DeltaTypeName(field.value("type", json()));
      first = false;
    }
    return text + ">";
  }
  return type.dump();
}

bool IsPrimitive(const json& type) { return type.is_string(); }

std::string PrimitiveTypeName(const json& type) {
  return type.is_string() ? type.get<std::string>() : "";
}

bool IsIntegralType(std::string_view primitive) {
  return primitive == "byte" || primitive == "short" || primitive == "integer" ||
         primitive == "long";
}

}  // namespace dhl::lake
