#include "databricks/spark_names.h"

#include <cctype>

#include "sql/literal.h"

namespace dhl::databricks {
namespace {

bool IsPlainName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string SparkNames::Schema(const std::string& layer) const {
  auto found = schemas.find(layer);
  return found != schemas.end() ? found->second : "dhis2_" + layer;
}

std::string SparkNames::QualifiedSchema(const std::string& layer) const {
  return sql::QuoteName(catalog, sql::Dialect::kSpark) + "." +
         sql::QuoteName(Schema(layer), sql::Dialect::kSpark);
}

std::string SparkNames::Table(const lake::TableName& table) const {
  return QualifiedSchema(table.layer) + "." + sql::QuoteName(table.name, sql::Dialect::kSpark);
}

std::string SparkNames::VolumeRoot() const {
  return "/Volumes/" + catalog + "/" + Schema("bronze") + "/" + volume;
}

std::string SparkNames::VolumeFolder(const lake::TableName& table) const {
  return VolumeRoot() + "/" + table.layer + "/" + table.name + "/";
}

Status SparkNames::Validate() const {
  if (!IsPlainName(catalog)) {
    return InvalidArgument("Databricks catalog '" + catalog + "': use letters, digits and _");
  }
  if (!IsPlainName(volume)) {
    return InvalidArgument("Databricks volume '" + volume + "': use letters, digits and _");
  }
  for (const auto& [layer, schema] : schemas) {
    if (!IsPlainName(schema)) {
      return InvalidArgument("Databricks schema '" + schema + "' of layer " + layer +
                             ": use letters, digits and _");
    }
  }
  return Status::Ok();
}

}  // namespace dhl::databricks
