#include "sim/metadata_catalog.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "dhis2/period.h"

namespace dhl::sim {
namespace {

using nlohmann::json;

json Ref(const std::string& uid) { return json{{"id", uid}}; }

template <typename T>
json Refs(const std::vector<T>& items, const std::vector<int>& indices) {
  json out = json::array();
  for (int index : indices) {
    out.push_back(Ref(items[static_cast<size_t>(index)].uid));
  }
  return out;
}

json Identifiable(const NamedObject& object) {
  json out = {{"id", object.uid},
              {"name", object.name},
              {"displayName", object.name},
              {"created", FormatLocalMillis(object.created_ms)},
              {"lastUpdated", FormatLocalMillis(object.updated_ms)},
              {"translations", json::array()},
              {"attributeValues", json::array()}};
  if (!object.code.empty()) {
    out["code"] = object.code;
  }
  return out;
}

std::string DateTimeOf(Date date) { return dhis2::FormatDate(date) + "T00:00:00.000"; }

json Polygon(const Box& box) {
  return json{
      {"type", "Polygon"},
      {"coordinates", json::array({json::array(
                          {json::array({box.west, box.south}), json::array({box.east, box.south}),
                           json::array({box.east, box.north}), json::array({box.west, box.north}),
                           json::array({box.west, box.south})})})}};
}

}  // namespace

struct MetadataCatalog::Collections {
  std::map<std::string, std::vector<json>, std::less<>> objects;
  std::map<std::string, const json*, std::less<>> by_uid;
};

MetadataCatalog::MetadataCatalog(const Country& c) : collections_(std::make_unique<Collections>()) {
  auto& all = collections_->objects;
  auto add = [&](const std::string& type, json object) { all[type].push_back(std::move(object)); };

  // Org units, with their groups and data sets.
  std::vector<std::vector<int>> groups_of(c.org_units.size());
  for (size_t g = 0; g < c.org_unit_groups.size(); ++g) {
    for (int member : c.org_unit_groups[g].members) {
      groups_of[static_cast<size_t>(member)].push_back(static_cast<int>(g));
    }
  }
  std::vector<std::vector<int>> sets_of(c.org_units.size());
  for (size_t s = 0; s < c.data_sets.size(); ++s) {
    for (int ou : c.data_sets[s].org_units) {
      sets_of[static_cast<size_t>(ou)].push_back(static_cast<int>(s));
    }
  }
  for (size_t i = 0; i < c.org_units.size(); ++i) {
    const OrgUnit& unit = c.org_units[i];
    json o = {{"id", unit.uid},
              {"code", unit.code},
              {"name", unit.name},
              {"shortName", unit.short_name},
              {"displayName", unit.name},
              {"displayShortName", unit.short_name},
              {"level", unit.level},
              {"path", unit.path},
              {"openingDate", DateTimeOf(unit.opening)},
              {"created", FormatLocalMillis(unit.created_ms)},
              {"lastUpdated", FormatLocalMillis(unit.updated_ms)},
              {"leaf", unit.children.empty()},
              {"children", Refs(c.org_units, unit.children)},
              {"organisationUnitGroups", Refs(c.org_unit_groups, groups_of[i])},
              {"dataSets", Refs(c.data_sets, sets_of[i])},
              {"translations", json::array()},
              {"attributeValues", json::array()}};
    if (unit.parent >= 0) {
      o["parent"] = Ref(c.org_units[unit.parent].uid);
    }
    if (unit.closed) {
      o["closedDate"] = DateTimeOf(*unit.closed);
    }
    if (unit.level == 5) {
      o["geometry"] =
          json{{"type", "Point"},
               {"coordinates", json::array({Round4(unit.box.west), Round4(unit.box.south)})}};
    } else {
      o["geometry"] = Polygon({Round4(unit.box.west), Round4(unit.box.south), Round4(unit.box.east),
                               Round4(unit.box.north)});
    }
    add("organisationUnits", std::move(o));
  }
  for (size_t l = 0; l < c.org_unit_levels.size(); ++l) {
    json o = Identifiable(c.org_unit_levels[l]);
    o["level"] = static_cast<int>(l) + 1;
    o["offlineLevels"] = nullptr;
    o.erase("offlineLevels");
    add("organisationUnitLevels", std::move(o));
  }
  std::vector<std::vector<int>> group_sets_of(c.org_unit_groups.size());
  for (size_t s = 0; s < c.org_unit_group_sets.size(); ++s) {
    for (int g : c.org_unit_group_sets[s].groups) {
      group_sets_of[static_cast<size_t>(g)].push_back(static_cast<int>(s));
    }
    json o = Identifiable(c.org_unit_group_sets[s]);
    o["shortName"] = c.org_unit_group_sets[s].name;
    o["compulsory"] = true;
    o["dataDimension"] = true;
    o["organisationUnitGroups"] = Refs(c.org_unit_groups, c.org_unit_group_sets[s].groups);
    add("organisationUnitGroupSets", std::move(o));
  }
  for (size_t g = 0; g < c.org_unit_groups.size(); ++g) {
    json o = Identifiable(c.org_unit_groups[g]);
    o["shortName"] = c.org_unit_groups[g].name;
    o["organisationUnits"] = Refs(c.org_units, c.org_unit_groups[g].members);
    o["groupSets"] = Refs(c.org_unit_group_sets, group_sets_of[g]);
    add("organisationUnitGroups", std::move(o));
  }

  // Categories.
  std::vector<std::vector<int>> categories_of_option(c.category_options.size());
  std::vector<std::vector<int>> combos_of_option(c.category_options.size());
  std::vector<std::vector<int>> combos_of_category(c.categories.size());
  for (size_t k = 0; k < c.categories.size(); ++k) {
    for (int opt : c.categories[k].options) {
      categories_of_option[static_cast<size_t>(opt)].push_back(static_cast<int>(k));
    }
  }
  for (size_t k = 0; k < c.category_combos.size(); ++k) {
    for (int cat : c.category_combos[k].categories) {
      combos_of_category[static_cast<size_t>(cat)].push_back(static_cast<int>(k));
    }
  }
  for (size_t k = 0; k < c.category_option_combos.size(); ++k) {
    const CategoryOptionCombo& coc = c.category_option_combos[k];
    for (int opt : coc.options) {
      combos_of_option[static_cast<size_t>(opt)].push_back(static_cast<int>(k));
    }
    json o = Identifiable(coc);
    o["categoryCombo"] = Ref(c.category_combos[coc.combo].uid);
    o["categoryOptions"] = Refs(c.category_options, coc.options);
    o["ignoreApproval"] = false;
    add("categoryOptionCombos", std::move(o));
  }
  for (size_t k = 0; k < c.category_options.size(); ++k) {
    json o = Identifiable(c.category_options[k]);
    o["shortName"] = c.category_options[k].name;
    o["categories"] = Refs(c.categories, categories_of_option[k]);
    o["categoryOptionCombos"] = Refs(c.category_option_combos, combos_of_option[k]);
    add("categoryOptions", std::move(o));
  }
  for (size_t k = 0; k < c.categories.size(); ++k) {
    json o = Identifiable(c.categories[k]);
    o["shortName"] = c.categories[k].name;
    o["dataDimensionType"] = c.categories[k].attribute ? "ATTRIBUTE" : "DISAGGREGATION";
    o["dataDimension"] = k != 0;
    o["categoryOptions"] = Refs(c.category_options, c.categories[k].options);
    o["categoryCombos"] = Refs(c.category_combos, combos_of_category[k]);
    add("categories", std::move(o));
  }
  for (size_t k = 0; k < c.category_combos.size(); ++k) {
    json o = Identifiable(c.category_combos[k]);
    o["dataDimensionType"] = c.category_combos[k].attribute ? "ATTRIBUTE" : "DISAGGREGATION";
    o["skipTotal"] = false;
    o["isDefault"] = k == 0;
    o["categories"] = Refs(c.categories, c.category_combos[k].categories);
    o["categoryOptionCombos"] = Refs(c.category_option_combos, c.category_combos[k].option_combos);
    add("categoryCombos", std::move(o));
  }

  // Data elements, groups, data sets.
  std::vector<std::vector<int>> groups_of_element(c.data_elements.size());
  for (size_t g = 0; g < c.data_element_groups.size(); ++g) {
    for (int e : c.data_element_group_members[g]) {
      groups_of_element[static_cast<size_t>(e)].push_back(static_cast<int>(g));
    }
    json o = Identifiable(c.data_element_groups[g]);
    o["shortName"] = c.data_element_groups[g].name;
    o["dataElements"] = Refs(c.data_elements, c.data_element_group_members[g]);
    add("dataElementGroups", std::move(o));
  }
  for (size_t e = 0; e < c.data_elements.size(); ++e) {
    const DataElement& de = c.data_elements[e];
    json o = Identifiable(de);
    o["shortName"] = de.short_name;
    o["displayShortName"] = de.short_name;
    o["formName"] = de.name;
    o["valueType"] = de.value_type;
    o["aggregationType"] = de.aggregation_type;
    o["domainType"] = de.domain_type;
    o["zeroIsSignificant"] = de.zero_is_significant;
    o["aggregationLevels"] = json::array();
    o["categoryCombo"] = Ref(c.category_combos[de.combo].uid);
    o["dataElementGroups"] = Refs(c.data_element_groups, groups_of_element[e]);
    json elements = json::array();
    if (de.data_set >= 0) {
      elements.push_back(
          json{{"dataSet", Ref(c.data_sets[de.data_set].uid)}, {"dataElement", Ref(de.uid)}});
    }
    o["dataSetElements"] = std::move(elements);
    add("dataElements", std::move(o));
  }
  for (const DataSet& ds : c.data_sets) {
    json o = Identifiable(ds);
    o["shortName"] = ds.short_name;
    o["periodType"] = std::string(dhis2::PeriodTypeName(ds.period_type));
    o["timelyDays"] = ds.timely_days;
    o["openFuturePeriods"] = 0;
    o["expiryDays"] = 0;
    o["categoryCombo"] = Ref(c.category_combos[ds.attribute_combo].uid);
    json elements = json::array();
    for (int e : ds.elements) {
      elements.push_back(
          json{{"dataElement", Ref(c.data_elements[e].uid)}, {"dataSet", Ref(ds.uid)}});
    }
    o["dataSetElements"] = std::move(elements);
    o["organisationUnits"] = Refs(c.org_units, ds.org_units);
    o["indicators"] = json::array();
    add("dataSets", std::move(o));
  }

  for (const IndicatorType& type : c.indicator_types) {
    json o = Identifiable(type);
    o["factor"] = type.factor;
    o["number"] = type.number;
    add("indicatorTypes", std::move(o));
  }
  for (const Indicator& ind : c.indicators) {
    json o = Identifiable(ind);
    o["shortName"] = ind.short_name;
    o["displayShortName"] = ind.short_name;
    o["numerator"] = ind.numerator;
    o["numeratorDescription"] = ind.numerator_description;
    o["denominator"] = ind.denominator;
    o["denominatorDescription"] = ind.denominator_description;
    o["indicatorType"] = Ref(c.indicator_types[ind.indicator_type].uid);
    o["annualized"] = ind.annualized;
    o["decimals"] = ind.decimals;
    add("indicators", std::move(o));
  }
  for (const Constant& constant : c.constants) {
    json o = Identifiable(constant);
    o["value"] = constant.value;
    add("constants", std::move(o));
  }
  for (const ValidationRule& rule : c.validation_rules) {
    json o = Identifiable(rule);
    o["importance"] = rule.importance;
    o["operator"] = rule.op;
    o["periodType"] = std::string(dhis2::PeriodTypeName(rule.period_type));
    o["leftSide"] =
        json{{"expression", rule.left}, {"missingValueStrategy", "SKIP_IF_ALL_VALUES_MISSING"}};
    o["rightSide"] =
        json{{"expression", rule.right}, {"missingValueStrategy", "SKIP_IF_ALL_VALUES_MISSING"}};
    add("validationRules", std::move(o));
  }
  for (const Predictor& predictor : c.predictors) {
    json o = Identifiable(predictor);
    o["shortName"] = predictor.short_name;
    o["output"] = Ref(c.data_elements[predictor.output].uid);
    o["outputCombo"] = Ref(c.category_option_combos[predictor.output_combo].uid);
    o["periodType"] = std::string(dhis2::PeriodTypeName(predictor.period_type));
    o["generator"] = json{{"expression", predictor.expression},
                          {"description", predictor.name},
                          {"missingValueStrategy", predictor.missing_value_strategy},
                          {"slidingWindow", false}};
    if (!predictor.skip_test.empty()) {
      o["sampleSkipTest"] = json{{"expression", predictor.skip_test},
                                 {"missingValueStrategy", "SKIP_IF_ALL_VALUES_MISSING"}};
    }
    o["sequentialSampleCount"] = predictor.sequential_sample_count;
    o["annualSampleCount"] = predictor.annual_sample_count;
    o["sequentialSkipCount"] = predictor.sequential_skip_count;
    json levels = json::array();
    for (int level : predictor.levels) {
      levels.push_back(Ref(c.org_unit_levels[static_cast<size_t>(level - 1)].uid));
    }
    o["organisationUnitLevels"] = std::move(levels);
    o["organisationUnitDescendants"] = predictor.descendants;
    o["predictorGroups"] = json::array();
    add("predictors", std::move(o));
  }

  // Tracker metadata.
  for (const TrackedEntityAttribute& attribute : c.tracked_entity_attributes) {
    json o = Identifiable(attribute);
    o["shortName"] = attribute.name;
    o["valueType"] = attribute.value_type;
    o["aggregationType"] = "NONE";
    o["confidential"] = attribute.confidential;
    o["unique"] = attribute.unique;
    add("trackedEntityAttributes", std::move(o));
  }
  {
    json o = Identifiable(c.tracked_entity_type);
    json attributes = json::array();
    for (const auto& attribute : c.tracked_entity_attributes) {
      attributes.push_back(
          json{{"trackedEntityAttribute", Ref(attribute.uid)}, {"displayInList", true}});
    }
    o["trackedEntityTypeAttributes"] = std::move(attributes);
    add("trackedEntityTypes", std::move(o));
  }
  for (const Program& program : c.programs) {
    json o = Identifiable(program);
    o["shortName"] = program.short_name;
    o["programType"] = "WITH_REGISTRATION";
    o["trackedEntityType"] = Ref(program.tracked_entity_type_uid);
    o["categoryCombo"] = Ref(c.category_combos[0].uid);
    o["programStages"] = Refs(c.program_stages, program.stages);
    json attributes = json::array();
    for (int a : program.attributes) {
      attributes.push_back(json{{"trackedEntityAttribute", Ref(c.tracked_entity_attributes[a].uid)},
                                {"mandatory", a < 2},
                                {"displayInList", true}});
    }
    o["programTrackedEntityAttributes"] = std::move(attributes);
    o["organisationUnits"] = Refs(c.org_units, c.facilities);
    add("programs", std::move(o));
  }
  for (const ProgramStage& stage : c.program_stages) {
    json o = Identifiable(stage);
    o["program"] = Ref(c.programs[0].uid);
    o["repeatable"] = stage.repeatable;
    json elements = json::array();
    for (int e : stage.data_elements) {
      elements.push_back(json{{"dataElement", Ref(c.data_elements[e].uid)}, {"compulsory", false}});
    }
    o["programStageDataElements"] = std::move(elements);
    add("programStages", std::move(o));
  }
  for (const ProgramIndicator& indicator : c.program_indicators) {
    json o = Identifiable(indicator);
    o["shortName"] = indicator.name;
    o["program"] = Ref(c.programs[0].uid);
    o["analyticsType"] = indicator.analytics_type;
    o["expression"] = indicator.expression;
    if (!indicator.filter.empty()) {
      o["filter"] = indicator.filter;
    }
    o["aggregationType"] = indicator.aggregation_type;
    o["decimals"] = indicator.decimals;
    if (!indicator.org_unit_field.empty()) {
      o["orgUnitField"] = indicator.org_unit_field;
    }
    json boundaries = json::array();
    for (const PeriodBoundary& boundary : indicator.boundaries) {
      json b = {{"boundaryTarget", boundary.target},
                {"analyticsPeriodBoundaryType", boundary.type}};
      if (!boundary.offset_period_type.empty()) {
        b["offsetPeriods"] = boundary.offset_periods;
        b["offsetPeriodType"] = boundary.offset_period_type;
      }
      boundaries.push_back(std::move(b));
    }
    o["analyticsPeriodBoundaries"] = std::move(boundaries);
    add("programIndicators", std::move(o));
  }
  for (const RelationshipType& type : c.relationship_types) {
    json o = Identifiable(type);
    o["bidirectional"] = type.bidirectional;
    o["fromToName"] = "Companion of";
    o["toFromName"] = "Accompanied by";
    json constraint = {{"relationshipEntity", "TRACKED_ENTITY_INSTANCE"},
                       {"trackedEntityType", Ref(c.tracked_entity_type.uid)}};
    o["fromConstraint"] = constraint;
    o["toConstraint"] = constraint;
    add("relationshipTypes", std::move(o));
  }
  all["optionSets"];
  all["predictors"];

  for (auto& [type, objects] : all) {
    std::stable_sort(objects.begin(), objects.end(), [](const json& a, const json& b) {
      return a.value("name", "") < b.value("name", "");
    });
  }
  for (const auto& [type, objects] : all) {
    for (const json& object : objects) {
      collections_->by_uid.emplace(object.value("id", ""), &object);
    }
  }
  types_ = {"organisationUnits",
            "organisationUnitLevels",
            "organisationUnitGroups",
            "organisationUnitGroupSets",
            "categoryOptions",
            "categories",
            "categoryCombos",
            "categoryOptionCombos",
            "dataElements",
            "dataElementGroups",
            "dataSets",
            "indicatorTypes",
            "indicators",
            "constants",
            "validationRules",
            "predictors",
            "optionSets",
            "trackedEntityAttributes",
            "trackedEntityTypes",
            "programs",
            "programStages",
            "programIndicators",
            "relationshipTypes"};
}

MetadataCatalog::~MetadataCatalog() = default;

const std::vector<json>* MetadataCatalog::Objects(std::string_view type) const {
  auto found = collections_->objects.find(type);
  return found == collections_->objects.end() ? nullptr : &found->second;
}

const json* MetadataCatalog::FindAny(std::string_view uid) const {
  auto found = collections_->by_uid.find(uid);
  return found == collections_->by_uid.end() ? nullptr : found->second;
}

const json* MetadataCatalog::Find(std::string_view type, std::string_view uid) const {
  const std::vector<json>* objects = Objects(type);
  if (objects == nullptr) {
    return nullptr;
  }
  for (const json& object : *objects) {
    if (object.value("id", "") == uid) {
      return &object;
    }
  }
  return nullptr;
}

}  // namespace dhl::sim
