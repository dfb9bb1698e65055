#include "pipeline/absent_input.h"

#include "pipeline/predictor_generator.h"
#include "source/bronze_table.h"
#include "sql/literal.h"

namespace dhl::pipeline {

std::optional<std::string> EmptyInputSelect(const lake::TableName& table) {
  if (table.layer == "gold" && table.name == "predicted_value") {
    return EmptyPredictedValueSelect();
  }
  if (table.layer == "silver" && table.name == "indicator") {
    return "SELECT CAST(NULL AS VARCHAR) AS uid, CAST(NULL AS VARCHAR) AS code, CAST(NULL AS "
           "VARCHAR) AS name, CAST(NULL AS VARCHAR) AS short_name, CAST(NULL AS VARCHAR) AS "
           "numerator, CAST(NULL AS VARCHAR) AS denominator, CAST(NULL AS VARCHAR) AS "
           "indicator_type, CAST(NULL AS DOUBLE) AS factor, CAST(NULL AS BOOLEAN) AS number, "
           "CAST(NULL AS BOOLEAN) AS annualized, CAST(NULL AS INTEGER) AS decimals WHERE FALSE";
  }
  return EmptyBronzeSelect(table);
}

bool IsEssentialInput(const lake::TableName& table) {
  return table.layer == "bronze" &&
         (table.name == "data_value" || table.name == "metadata_organisation_unit" ||
          table.name == "metadata_data_element");
}

std::string HowToGet(const lake::TableName& table) {
  if (table.layer != "bronze") return "";
  if (table.name == "data_value") {
    return "no data values reached bronze: put DHIS2 dataValueSets exports (JSON or CSV) in the "
           "export folder, or give the server user read access to the data sets' data";
  }
  if (table.name == "metadata_organisation_unit") {
    return "no org units reached bronze: put a metadata export with organisationUnits in the "
           "export folder, or give the server user access to /api/organisationUnits";
  }
  if (table.name == "metadata_data_element") {
    return "no data elements reached bronze: put a metadata export with dataElements in the "
           "export folder, or give the server user access to /api/dataElements";
  }
  return "";
}

std::optional<std::string> EmptyBronzeSelect(const lake::TableName& table) {
  if (table.layer != "bronze" || IsEssentialInput(table)) return std::nullopt;
  const source::BronzeTable* bronze = source::FindBronzeTable(table.name);
  if (bronze == nullptr) return std::nullopt;
  std::string select;
  auto add = [&](const std::string& column, const char* type) {
    select += std::string(select.empty() ? "SELECT " : ", ") + "CAST(NULL AS " + type + ") AS " +
              sql::QuoteName(column);
  };
  for (const source::BronzeColumn& column : bronze->columns) {
    add(column.name, column.type == source::ColumnType::kTimestamp ? "TIMESTAMPTZ"
                     : column.type == source::ColumnType::kBoolean ? "BOOLEAN"
                                                                   : "VARCHAR");
  }
  if (bronze->metadata) {
    add("object", "VARCHAR");
  } else if (bronze->keep_record) {
    add("record", "VARCHAR");
  }
  add("_run_id", "VARCHAR");
  add("_ingested_at", "TIMESTAMPTZ");
  add("_source", "VARCHAR");
  add("_chunk", "VARCHAR");
  return select + " WHERE FALSE";
}

}  // namespace dhl::pipeline
