#include "source/bronze_table.h"

#include <map>

namespace dhl::source {
namespace {

BronzeColumn Text(const char* name) { return {name, ColumnType::kText}; }
BronzeColumn Time(const char* name) { return {name, ColumnType::kTimestamp}; }
BronzeColumn Bool(const char* name) { return {name, ColumnType::kBoolean}; }

std::map<std::string, BronzeTable, std::less<>> BuildTables() {
  std::map<std::string, BronzeTable, std::less<>> tables;
  auto add = [&](BronzeTable table) { tables.emplace(table.name, std::move(table)); };
  add({"data_value",
       {Text("dataElement"), Text("period"), Text("orgUnit"), Text("categoryOptionCombo"),
        Text("attributeOptionCombo"), Text("value"), Text("storedBy"), Time("created"),
        Time("lastUpdated"), Text("comment"), Bool("followup"), Bool("deleted")},
       false,
       false});
  add({"complete_registration",
       {Text("period"), Text("dataSet"), Text("organisationUnit"), Text("attributeOptionCombo"),
        Time("date"), Text("storedBy"), Bool("completed"), Time("lastUpdated"),
        Text("lastUpdatedBy")},
       false,
       true});
  // The windows a server's registration chunks covered, one row per data set x subtree root x
  // period: a registration of such a window that the run did not deliver was deleted in DHIS2
  // (which hard-deletes registrations and serves no tombstones). Written after the run's
  // registration chunks; export folders write none (a file is never a snapshot).
  add({"complete_registration_window",
       {Text("dataSet"), Text("orgUnit"), Text("period")},
       false,
       false});
  // Metadata objects DHIS2 deleted (/api/deletedObjects; the database's deletedobject table): the
  // silver dimensions drop an object whose latest version is not newer than its deletion.
  add({"deleted_object",
       {Text("klass"), Text("uid"), Text("code"), Time("deletedAt"), Text("deletedBy")},
       false,
       false});
  add({"event",
       {Text("event"), Text("program"), Text("programStage"), Text("enrollment"),
        Text("trackedEntity"), Text("orgUnit"), Text("status"), Time("occurredAt"),
        Time("scheduledAt"), Time("createdAt"), Time("updatedAt"), Time("completedAt"),
        Bool("deleted"), Text("storedBy"), Text("attributeOptionCombo"), Text("dataValues")},
       false,
       true,
       true});
  add({"enrollment",
       {Text("enrollment"), Text("trackedEntity"), Text("program"), Text("orgUnit"), Text("status"),
        Time("enrolledAt"), Time("occurredAt"), Time("createdAt"), Time("updatedAt"),
        Time("completedAt"), Bool("deleted"), Bool("followUp"), Text("attributes")},
       false,
       true,
       true});
  add({"tracked_entity",
       {Text("trackedEntity"), Text("trackedEntityType"), Text("orgUnit"), Time("createdAt"),
        Time("updatedAt"), Bool("deleted"), Bool("inactive"), Text("attributes")},
       false,
       true,
       true});
  // Relationships as the tracked entities list them (one row per listing: a relationship between
  // two tracked entities arrives once from each side); `from` and `to` are JSON text.
  add({"relationship",
       {Text("relationship"), Text("relationshipType"), Text("relationshipName"),
        Bool("bidirectional"), Text("from"), Text("to"), Time("createdAt"), Time("updatedAt"),
        Bool("deleted")},
       false,
       true,
       true});
  add({"min_max_data_element",
       {Text("source"), Text("dataElement"), Text("optionCombo"), Text("min"), Text("max"),
        Bool("generated")},
       false,
       true});
  for (const MetadataType& type : MetadataTypes()) {
    add({type.table,
         {Text("id"), Text("code"), Text("name"), Time("created"), Time("lastUpdated")},
         true,
         false});
  }
  return tables;
}

}  // namespace

const std::vector<MetadataType>& MetadataTypes() {
  static const std::vector<MetadataType> kTypes = {
      {"metadata_organisation_unit_level", "/api/organisationUnitLevels", "organisationUnitLevels"},
      {"metadata_organisation_unit", "/api/organisationUnits", "organisationUnits"},
      {"metadata_organisation_unit_group", "/api/organisationUnitGroups", "organisationUnitGroups"},
      {"metadata_organisation_unit_group_set", "/api/organisationUnitGroupSets",
       "organisationUnitGroupSets"},
      {"metadata_category_option", "/api/categoryOptions", "categoryOptions"},
      {"metadata_category", "/api/categories", "categories"},
      {"metadata_category_combo", "/api/categoryCombos", "categoryCombos"},
      {"metadata_category_option_combo", "/api/categoryOptionCombos", "categoryOptionCombos"},
      {"metadata_data_element", "/api/dataElements", "dataElements"},
      {"metadata_data_element_group", "/api/dataElementGroups", "dataElementGroups"},
      {"metadata_data_set", "/api/dataSets", "dataSets"},
      {"metadata_indicator_type", "/api/indicatorTypes", "indicatorTypes"},
      {"metadata_indicator", "/api/indicators", "indicators"},
      {"metadata_indicator_group", "/api/indicatorGroups", "indicatorGroups"},
      {"metadata_constant", "/api/constants", "constants"},
      {"metadata_validation_rule", "/api/validationRules", "validationRules"},
      {"metadata_predictor", "/api/predictors", "predictors"},
      {"metadata_option_set", "/api/optionSets", "optionSets"},
      {"metadata_tracked_entity_attribute", "/api/trackedEntityAttributes",
       "trackedEntityAttributes"},
      {"metadata_program", "/api/programs", "programs"},
      {"metadata_program_stage", "/api/programStages", "programStages"},
      {"metadata_program_indicator", "/api/programIndicators", "programIndicators"},
      {"metadata_relationship_type", "/api/relationshipTypes", "relationshipTypes"},
  };
  return kTypes;
}

const BronzeTable* FindBronzeTable(std::string_view name) {
  static const auto kTables = BuildTables();
  auto found = kTables.find(name);
  return found == kTables.end() ? nullptr : &found->second;
}

}  // namespace dhl::source
