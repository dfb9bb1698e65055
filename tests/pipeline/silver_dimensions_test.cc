// The silver dimension models (models/silver/*.sql other than the facts) over hand-written bronze
// metadata rows, checked value by value against hand-computed answers: the org-unit hierarchy
// flattened and its type 2 history across two runs (a unit moved, one renamed, one closed; an
// incremental run equal to a full rebuild), rejects of too deep and path-less units, the period
// structure, one column per category in category_option_combo, data set assignments, DHIS2's
// defaults for absent fields, and the long-form tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/dimension_generators.h"
#include "pipeline/generator.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "pipeline/sql_subset_check.h"
#include "sql/literal.h"
#include "sql/shared_sql.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

// A metadata object as bronze holds it: lastUpdated, the ingestion time (the run), the JSON.
struct MetadataRow {
  std::string last_updated;
  std::string json;
};

class SilverDimensionsTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({});  // every shipped model, run up to silver
    run_options_.stop_after_layer = "silver";
  }

  // Appends metadata objects to bronze.metadata_<type> as the extractor does (id, code, name pulled
  // out of the object), ingested by run `run` (ingestion time 2025-0<run>-01).
  void Metadata(lake::LakeCatalog& catalog, const std::string& type,
                const std::vector<MetadataRow>& rows, int run) {
    std::string values;
    for (const MetadataRow& row : rows) {
      if (!values.empty()) values += ", ";
      values +=
          "(" +
          (row.last_updated.empty() ? std::string("NULL") : sql::StringLiteral(row.last_updated)) +
          ", " + sql::StringLiteral(row.json) + ")";
    }
    std::string where;
    if (rows.empty()) {  // an empty table of the right columns
      values = "(NULL, '{}')";
      where = " WHERE false";
    }
    std::string run_text = std::to_string(run);
    Append(
        catalog, "bronze.metadata_" + type,
        "SELECT json_extract_string(o, '$.id') AS id, json_extract_string(o, '$.code') AS code, "
        "json_extract_string(o, '$.name') AS name, CAST('2020-01-01' AS TIMESTAMPTZ) AS created, "
        "CAST(lu AS TIMESTAMPTZ) AS lastUpdated, o AS object, '" +
            run_text + "' AS _run_id, CAST('2025-0" + run_text +
            "-01' AS TIMESTAMPTZ) AS _ingested_at, 'test' AS _source, 'metadata/" + run_text +
            "' AS _chunk FROM (VALUES " + values + ") AS t(lu, o)" + where);
  }

  // Appends the objects of `key` in a recorded DHIS2 payload (tests/data/dhis2/...) to
  // bronze.metadata_<type>, each with its own lastUpdated (NULL when the payload lacks it).
  void Payload(lake::LakeCatalog& catalog, const std::string& file, const std::string& key,
               const std::string& type) {
    std::ifstream in(std::string(DHL_SOURCE_DIR) + "/tests/data/dhis2/" + file);
    nlohmann::json page = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(page.is_discarded()) << file;
    std::vector<MetadataRow> rows;
    for (const nlohmann::json& object : page[key]) {
      rows.push_back({object.value("lastUpdated", std::string()), object.dump()});
    }
    Metadata(catalog, type, rows, 1);
  }

  // The fact sources, small: the periods of the data come from here.
  void Facts(lake::LakeCatalog& catalog, bool registrations = true) {
    Append(
        catalog, "bronze.data_value",
        "SELECT 'deAncVisit1' AS dataElement, pe AS period, 'Rp268JB6Ne4' AS orgUnit, "
        "'HllvX50cXC0' AS categoryOptionCombo, 'HllvX50cXC0' AS attributeOptionCombo, '5' AS "
        "value, 'admin' AS storedBy, CAST('2024-01-15' AS TIMESTAMPTZ) AS created, "
        "CAST('2024-03-01' AS TIMESTAMPTZ) AS lastUpdated, CAST(NULL AS VARCHAR) AS comment, "
        "false AS followup, false AS deleted, '1' AS _run_id, CAST('2025-01-01' AS TIMESTAMPTZ) "
        "AS _ingested_at FROM (VALUES ('2024W5'), ('2024Q4'), ('202401'), ('202401'), "
        "('20240229'), ('2024BiW1'), ('2024April'), ('2024NovS1'), ('2024W53'), ('bad')) AS t(pe)");
    if (registrations) {
      Append(
          catalog, "bronze.complete_registration",
          "SELECT '2023' AS period, 'BfMAe6Itzgt' AS dataSet, 'Rp268JB6Ne4' AS organisationUnit, "
          "'HllvX50cXC0' AS attributeOptionCombo, CAST('2024-02-03' AS TIMESTAMPTZ) AS date, "
          "'admin' AS storedBy, true AS completed, CAST('2024-02-03' AS TIMESTAMPTZ) AS "
          "lastUpdated, 'admin' AS lastUpdatedBy, '{}' AS record, '1' AS _run_id, "
          "CAST('2025-01-01' AS TIMESTAMPTZ) AS _ingested_at");
    }
    Append(catalog, "bronze.event",
           "SELECT event, 'prog1' AS program, 'stage1' AS programStage, NULL AS enrollment, "
           "NULL AS trackedEntity, 'Rp268JB6Ne4' AS orgUnit, 'ACTIVE' AS status, "
           "CAST('2024-01-02' AS TIMESTAMPTZ) AS occurredAt, CAST(NULL AS TIMESTAMPTZ) AS "
           "scheduledAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS createdAt, CAST(u AS TIMESTAMPTZ) "
           "AS updatedAt, CAST(NULL AS TIMESTAMPTZ) AS completedAt, deleted, 'admin' AS storedBy, "
           "'HllvX50cXC0' AS attributeOptionCombo, dv AS dataValues, '{}' AS record, '1' AS "
           "_run_id, CAST('2025-01-01' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES "
           "('ev1', '2024-01-02', false, '[{\"dataElement\":\"deAncVisit1\",\"value\":\"3\"}]'), "
           "('ev1', '2024-01-05', false, '[{\"dataElement\":\"deAncVisit1\",\"value\":\"4\","
           "\"updatedAt\":\"2024-01-05T10:00:00.000\"},{\"dataElement\":\"deRemarks01\","
           "\"value\":\"ok\"},{\"dataElement\":\"deSmoker001\",\"value\":\"true\"}]'), "
           "('ev2', '2024-01-02', false, '[{\"dataElement\":\"deAncVisit1\",\"value\":\"1\"}]'), "
           "('ev2', '2024-01-06', true, '[{\"dataElement\":\"deAncVisit1\",\"value\":\"1\"}]'), "
           "('ev3', '2024-01-06', false, NULL)) AS t(event, u, deleted, dv)");
    Append(catalog, "bronze.enrollment",
           "SELECT 'en1' AS enrollment, 'te1' AS trackedEntity, 'prog1' AS program, 'Rp268JB6Ne4' "
           "AS orgUnit, 'ACTIVE' AS status, CAST('2024-01-02' AS TIMESTAMPTZ) AS enrolledAt, "
           "CAST('2024-01-02' AS TIMESTAMPTZ) AS occurredAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS "
           "createdAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS updatedAt, CAST(NULL AS TIMESTAMPTZ) "
           "AS completedAt, false AS deleted, false AS followUp, '[]' AS attributes, '{}' AS "
           "record, '1' AS _run_id, CAST('2025-01-01' AS TIMESTAMPTZ) AS _ingested_at");
    Append(catalog, "bronze.tracked_entity",
           "SELECT te AS trackedEntity, 'person' AS trackedEntityType, 'Rp268JB6Ne4' AS orgUnit, "
           "CAST('2024-01-02' AS TIMESTAMPTZ) AS createdAt, CAST(u AS TIMESTAMPTZ) AS updatedAt, "
           "deleted, false AS inactive, a AS attributes, '{}' AS record, '1' AS _run_id, "
           "CAST('2025-01-01' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES "
           "('te1', '2024-01-02', false, '[{\"attribute\":\"atName00001\",\"value\":\"old\"}]'), "
           "('te1', '2024-01-03', false, '[{\"attribute\":\"atName00001\",\"value\":"
           "\"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\"},"
           "{\"attribute\":\"atAge000001\",\"value\":\"34\"}]'), "
           "('te2', '2024-01-02', true, '[{\"attribute\":\"atAge000001\",\"value\":\"20\"}]')) "
           "AS t(te, u, deleted, a)");
    Append(catalog, "bronze.min_max_data_element",
           "SELECT '{\"id\":\"Rp268JB6Ne4\"}' AS source, '{\"id\":\"deAncVisit1\"}' AS "
           "dataElement, '{\"id\":\"HllvX50cXC0\"}' AS optionCombo, mn AS min, mx AS max, g AS "
           "generated, '{}' AS record, r AS _run_id, CAST(i AS TIMESTAMPTZ) AS _ingested_at FROM "
           "(VALUES ('0', '10', true, '1', '2025-01-01'), ('2', '12', false, '2', '2025-02-01')) "
           "AS t(mn, mx, g, r, i)");
  }

  // Run 1's metadata: a four-level hierarchy, categories, data elements, a data set, ...
  void MetadataRun1(lake::LakeCatalog& catalog) {
    Metadata(catalog, "organisation_unit",
             {{"2020-01-01", R"({"id":"ImspTQPwCqd","name":"Sierra Leone","shortName":"SL",)"
                             R"("path":"/ImspTQPwCqd","level":1,)"
                             R"("openingDate":"1994-01-01T00:00:00.000"})"},
              {"2020-01-01", R"({"id":"at6UHUQatSo","code":"OU_BO","name":"Bo",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo","parent":{"id":"ImspTQPwCqd"}})"},
              {"2020-01-01", R"({"id":"fdc6uOvgoji","name":"Bombali",)"
                             R"("path":"/ImspTQPwCqd/fdc6uOvgoji"})"},
              {"2020-01-01", R"({"id":"qtr8GGlm4gg","name":"Badjia",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo/qtr8GGlm4gg"})"},
              {"2020-01-01", R"({"id":"KKkLOTpMXGV","name":"Bombali Sebora",)"
                             R"("path":"/ImspTQPwCqd/fdc6uOvgoji/KKkLOTpMXGV"})"},
              {"2021-05-01", R"({"id":"Rp268JB6Ne4","name":"Adonkia CHP",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo/qtr8GGlm4gg/Rp268JB6Ne4",)"
                             R"("geometry":{"type":"Point","coordinates":[-11.5,7.9]}})"},
              {"2021-05-01", R"({"id":"DiszpKrYNg8","name":"Ngelehun CHC",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo/qtr8GGlm4gg/DiszpKrYNg8"})"},
              {"2021-05-01", R"({"id":"deep0000009","name":"Too deep",)"
                             R"("path":"/ImspTQPwCqd/l2/l3/l4/l5/l6/l7/l8/deep0000009"})"},
              {"2021-05-01", R"({"id":"nopath00001","name":"No path","level":3})"},
              // As DHIS2's metadata import files hold them: a parent, no path, no level.
              {"2021-05-01", R"({"id":"impRoot0001","name":"Imported root"})"},
              {"2021-05-01",
               R"({"id":"impDist0001","name":"Imported district","parent":{"id":"impRoot0001"}})"},
              {"2021-05-01",
               R"({"id":"impFac00001","name":"Imported facility","parent":{"id":"impDist0001"}})"},
              {"2021-05-01",
               R"({"id":"impOrphan01","name":"Orphan","level":4,"parent":{"id":"unknownPar1"}})"}},
             1);
    Metadata(catalog, "organisation_unit_level",
             {{"2020-01-01", R"({"id":"lvl00000001","name":"National","level":1})"},
              {"2020-01-01", R"({"id":"lvl00000002","name":"District","level":2})"},
              {"2020-01-01", R"({"id":"lvl00000004","name":"Facility","level":"4"})"}},
             1);
    Metadata(catalog, "organisation_unit_group",
             {{"2020-01-01", R"({"id":"CXw2yu5fodb","name":"CHC","shortName":"CHC",)"
                             R"("organisationUnits":[{"id":"DiszpKrYNg8"}]})"},
              {"2020-01-01", R"({"id":"uYxK4wmcPqA","name":"CHP",)"
                             R"("organisationUnits":[{"id":"Rp268JB6Ne4"},{"id":"DiszpKrYNg8"}]})"},
              {"2020-01-01", R"({"id":"emptyGroup1","name":"Empty","organisationUnits":[]})"}},
             1);
    Metadata(catalog, "organisation_unit_group_set",
             {{"2020-01-01",
               R"({"id":"J5jldMd8OHv","name":"Facility Type",)"
               R"("organisationUnitGroups":[{"id":"CXw2yu5fodb"},{"id":"uYxK4wmcPqA"}]})"}},
             1);
    Metadata(catalog, "category_option",
             {{"2020-01-01", R"({"id":"male0000001","name":"Male"})"},
              {"2020-01-01", R"({"id":"female00001","name":"Female","startDate":"2020-01-01",)"
                             R"("endDate":"2030-12-31T00:00:00.000"})"},
              {"2020-01-01", R"({"id":"under500001","name":"<5"})"},
              {"2020-01-01", R"({"id":"over5000001","name":"5+"})"},
              {"2020-01-01", R"({"id":"xYerKDKCefk","name":"default"})"}},
             1);
    Metadata(catalog, "category",
             {{"2020-01-01", R"({"id":"cX5k9anHEHd","name":"Gender","dataDimension":false,)"
                             R"("categoryOptions":[{"id":"male0000001"},{"id":"female00001"}]})"},
              {"2020-01-01", R"({"id":"Cow9nZikDgD","name":"Age",)"
                             R"("categoryOptions":[{"id":"under500001"},{"id":"over5000001"}]})"},
              {"2020-01-01", R"({"id":"GLevLNI9wkL","name":"default",)"
                             R"("categoryOptions":[{"id":"xYerKDKCefk"}]})"}},
             1);
    Metadata(
        catalog, "category_combo",
        {{"2020-01-01", R"({"id":"m2jTvAj5kkm","name":"Gender and Age",)"
                        R"("categories":[{"id":"cX5k9anHEHd"},{"id":"Cow9nZikDgD"}],)"
                        R"("categoryOptionCombos":[{"id":"cocMaleU5xx"},{"id":"cocFemO5xxx"}]})"},
         {"2020-01-01", R"({"id":"bjDvmb4bfuf","name":"default",)"
                        R"("categories":[{"id":"GLevLNI9wkL"}]})"}},
        1);
    Metadata(catalog, "category_option_combo",
             {{"2020-01-01", R"({"id":"cocMaleU5xx","name":"Male, <5",)"
                             R"("categoryCombo":{"id":"m2jTvAj5kkm"},)"
                             R"("categoryOptions":[{"id":"under500001"},{"id":"male0000001"}]})"},
              // no categoryCombo: found through the combo's categoryOptionCombos
              {"2020-01-01", R"({"id":"cocFemO5xxx","name":"Female, 5+",)"
                             R"("categoryOptions":[{"id":"female00001"},{"id":"over5000001"}]})"},
              {"2020-01-01", R"({"id":"HllvX50cXC0","name":"default",)"
                             R"("categoryCombo":{"id":"bjDvmb4bfuf"},)"
                             R"("categoryOptions":[{"id":"xYerKDKCefk"}]})"}},
             1);
    Metadata(catalog, "data_element",
             {{"2020-01-01", R"({"id":"deAncVisit1","code":"ANC1","name":"ANC 1st visit",)"
                             R"("shortName":"ANC1","valueType":"INTEGER_ZERO_OR_POSITIVE",)"
                             R"("aggregationType":"AVERAGE","domainType":"AGGREGATE",)"
                             R"("categoryCombo":{"id":"m2jTvAj5kkm"},"zeroIsSignificant":true})"},
              // the Sierra Leone recordings' shape: no valueType, domainType, categoryCombo
              {"2020-01-01", R"({"id":"deRemarks01","name":"Remarks","valueType":"TEXT",)"
                             R"("domainType":"TRACKER","optionSet":{"id":"optSet00001"}})"},
              {"2020-01-01", R"({"id":"deSmoker001","name":"Smoker","valueType":"BOOLEAN"})"},
              {"2020-01-01", R"({"id":"deBare00001","name":"Bare"})"}},
             1);
    Metadata(catalog, "data_set",
             {{"2020-01-01", R"({"id":"BfMAe6Itzgt","name":"Child Health","periodType":"Monthly",)"
                             R"("timelyDays":15,"expiryDays":10,"openFuturePeriods":2,)"
                             R"("organisationUnits":[{"id":"Rp268JB6Ne4"},{"id":"DiszpKrYNg8"}],)"
                             R"("dataSetElements":[{"dataElement":{"id":"deAncVisit1"}},)"
                             R"({"dataElement":{"id":"deBare00001"},)"
                             R"("categoryCombo":{"id":"m2jTvAj5kkm"}}]})"},
              {"2020-01-01", R"({"id":"bareDataSet","name":"Bare"})"}},
             1);
    Metadata(catalog, "indicator_type",
             {{"2020-01-01", R"({"id":"JkWynlWMjJR","name":"Per cent","factor":100})"},
              {"2020-01-01", R"({"id":"numType0001","name":"Number","factor":1,"number":true})"}},
             1);
    Metadata(catalog, "indicator",
             {{"2020-01-01", R"({"id":"Uvn6LCg7dVU","name":"ANC 1 Coverage","shortName":"ANC1c",)"
                             R"("numerator":"#{deAncVisit1}","denominator":"#{h0xKKjijTdI}",)"
                             R"("indicatorType":{"id":"JkWynlWMjJR"},"annualized":true,)"
                             R"("decimals":1})"},
              {"2020-01-01", R"({"id":"ReUHfIn0pTQ","name":"Dropout","numerator":"1",)"
                             R"("denominator":"1"})"}},
             1);
    Metadata(catalog, "constant",
             {{"2020-01-01", R"({"id":"bWRYLZ5RIi9","name":"Pi","value":3.14})"},
              {"2020-01-01", R"({"id":"noValue0001","name":"Zero"})"}},
             1);
    Metadata(catalog, "validation_rule",
             {{"2020-01-01", R"({"id":"vrAnc000001","name":"ANC 1 >= ANC 2",)"
                             R"("operator":"greater_than_or_equal_to","periodType":"Monthly",)"
                             R"("importance":"HIGH","organisationUnitLevels":[3, 4],)"
                             R"("leftSide":{"expression":"#{deAncVisit1}",)"
                             R"("missingValueStrategy":"NEVER_SKIP"},)"
                             R"("rightSide":{"expression":"#{deBare00001}"}})"},
              {"2020-01-01", R"({"id":"vrBare00001","name":"Bare","operator":"equal_to",)"
                             R"("leftSide":{"expression":"1"},"rightSide":{"expression":"1"}})"}},
             1);
  }

  // Run 2: the facility moves to another district (2022-03-01), the district Bo is renamed
  // (2022-06-01), Ngelehun closes (2023-01-01); the root is delivered again unchanged with a newer
  // lastUpdated (no new version); the data set loses Ngelehun.
  void MetadataRun2(lake::LakeCatalog& catalog) {
    Metadata(catalog, "organisation_unit",
             {{"2022-03-01", R"({"id":"Rp268JB6Ne4","name":"Adonkia CHP",)"
                             R"("path":"/ImspTQPwCqd/fdc6uOvgoji/KKkLOTpMXGV/Rp268JB6Ne4",)"
                             R"("geometry":{"type":"Point","coordinates":[-11.5,7.9]}})"},
              {"2022-06-01", R"({"id":"at6UHUQatSo","code":"OU_BO","name":"Bo District",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo","parent":{"id":"ImspTQPwCqd"}})"},
              {"2023-01-01", R"({"id":"DiszpKrYNg8","name":"Ngelehun CHC",)"
                             R"("path":"/ImspTQPwCqd/at6UHUQatSo/qtr8GGlm4gg/DiszpKrYNg8",)"
                             R"("closedDate":"2022-12-31T00:00:00.000"})"},
              {"2024-01-01", R"({"id":"ImspTQPwCqd","name":"Sierra Leone","shortName":"SL",)"
                             R"("path":"/ImspTQPwCqd","level":1,)"
                             R"("openingDate":"1994-01-01T00:00:00.000","translations":[]})"}},
             2);
    Metadata(catalog, "data_set",
             {{"2023-02-01", R"({"id":"BfMAe6Itzgt","name":"Child Health","periodType":"Monthly",)"
                             R"("timelyDays":15,"expiryDays":10,"openFuturePeriods":2,)"
                             R"("organisationUnits":[{"id":"Rp268JB6Ne4"}],)"
                             R"("dataSetElements":[{"dataElement":{"id":"deAncVisit1"}},)"
                             R"({"dataElement":{"id":"deBare00001"},)"
                             R"("categoryCombo":{"id":"m2jTvAj5kkm"}}]})"}},
             2);
  }

  // Every column of every row of `table` as text, for comparing two lakes.
  std::vector<std::string> AllRows(lake::LakeCatalog& catalog, const std::string& table) {
    return QueryRows(catalog, table, "SELECT CAST(to_json(t) AS VARCHAR) FROM " + table + " AS t");
  }

  std::vector<std::string> OrgUnits(lake::LakeCatalog& catalog) {
    return QueryRows(catalog, "silver.org_unit",
                     "SELECT concat_ws('|', uid, name, level, parent, COALESCE(level2_name, '-'), "
                     "COALESCE(level3_name, '-'), COALESCE(level4_uid, '-'), "
                     "COALESCE(strftime(valid_from, '%Y-%m-%d'), 'NULL'), "
                     "COALESCE(strftime(valid_to, '%Y-%m-%d'), 'NULL'), is_current, "
                     "COALESCE(CAST(closed_date AS VARCHAR), '-')) FROM silver.org_unit");
  }
};

TEST_F(SilverDimensionsTest, OrgUnitHierarchyHistoryAndIncrementalEqualsFull) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog);
  MetadataRun1(catalog);
  auto first = Run(catalog);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->ok()) << first->ToString();
  // uid|name|level|parent|level2|level3|level4 uid|valid_from|valid_to|current|closed
  EXPECT_EQ(
      OrgUnits(catalog),
      (std::vector<std::string>{
          "DiszpKrYNg8|Ngelehun CHC|4|qtr8GGlm4gg|Bo|Badjia|DiszpKrYNg8|NULL|NULL|true|-",
          "ImspTQPwCqd|Sierra Leone|1|-|-|-|NULL|NULL|true|-",
          "KKkLOTpMXGV|Bombali Sebora|3|fdc6uOvgoji|Bombali|Bombali Sebora|-|NULL|NULL|true|-",
          "Rp268JB6Ne4|Adonkia CHP|4|qtr8GGlm4gg|Bo|Badjia|Rp268JB6Ne4|NULL|NULL|true|-",
          "at6UHUQatSo|Bo|2|ImspTQPwCqd|Bo|-|-|NULL|NULL|true|-",
          "fdc6uOvgoji|Bombali|2|ImspTQPwCqd|Bombali|-|-|NULL|NULL|true|-",
          // the path from the chain of parents
          "impDist0001|Imported district|2|impRoot0001|Imported district|-|-|NULL|NULL|true|-",
          "impFac00001|Imported facility|3|impDist0001|Imported district|Imported facility|-|NULL|"
          "NULL|true|-",
          "impRoot0001|Imported root|1|-|-|-|NULL|NULL|true|-",
          "qtr8GGlm4gg|Badjia|3|at6UHUQatSo|Bo|Badjia|-|NULL|NULL|true|-",
      }));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT concat_ws('|', level1_uid, level1_name, level2_uid, level3_uid, "
                      "short_name, CAST(opening_date AS VARCHAR), geometry_type, "
                      "CAST(json_extract(geometry, '$.coordinates[0]') AS VARCHAR), "
                      "COALESCE(level5_uid, '-'), COALESCE(level8_name, '-')) FROM silver.org_unit "
                      "WHERE uid IN ('ImspTQPwCqd', 'Rp268JB6Ne4')"),
            (std::vector<std::string>{
                "ImspTQPwCqd|Sierra Leone|SL|1994-01-01|-|-",
                "ImspTQPwCqd|Sierra Leone|at6UHUQatSo|qtr8GGlm4gg|Point|-11.5|-|-",
            }));
  EXPECT_EQ(
      QueryRows(catalog, "silver.rejects",
                "SELECT concat_ws('|', expectation, json_extract_string(record, '$.uid')) FROM "
                "silver.rejects WHERE table_name = 'silver.org_unit'"),
      (std::vector<std::string>{"hierarchy_deeper_than_8_levels|deep0000009",
                                "org_unit_without_path|impOrphan01",
                                "org_unit_without_path|nopath00001"}));

  MetadataRun2(catalog);
  auto second = Run(catalog);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(second->ok()) << second->ToString();
  std::vector<std::string> history = {
      // closed: a new version from the unit's own lastUpdated
      "DiszpKrYNg8|Ngelehun CHC|4|qtr8GGlm4gg|Bo District|Badjia|DiszpKrYNg8|2023-01-01|NULL|true|"
      "2022-12-31",
      // the version before the closure ended after the rename of its district
      "DiszpKrYNg8|Ngelehun CHC|4|qtr8GGlm4gg|Bo District|Badjia|DiszpKrYNg8|NULL|2023-01-01|"
      "false|-",
      // delivered again with a newer lastUpdated, unchanged: still one version
      "ImspTQPwCqd|Sierra Leone|1|-|-|-|NULL|NULL|true|-",
      "KKkLOTpMXGV|Bombali Sebora|3|fdc6uOvgoji|Bombali|Bombali Sebora|-|NULL|NULL|true|-",
      // moved: the old version keeps the old hierarchy (and the district's name of that time)
      "Rp268JB6Ne4|Adonkia CHP|4|KKkLOTpMXGV|Bombali|Bombali Sebora|Rp268JB6Ne4|2022-03-01|NULL|"
      "true|-",
      "Rp268JB6Ne4|Adonkia CHP|4|qtr8GGlm4gg|Bo|Badjia|Rp268JB6Ne4|NULL|2022-03-01|false|-",
      // renamed
      "at6UHUQatSo|Bo District|2|ImspTQPwCqd|Bo District|-|-|2022-06-01|NULL|true|-",
      "at6UHUQatSo|Bo|2|ImspTQPwCqd|Bo|-|-|NULL|2022-06-01|false|-",
      "fdc6uOvgoji|Bombali|2|ImspTQPwCqd|Bombali|-|-|NULL|NULL|true|-",
      "impDist0001|Imported district|2|impRoot0001|Imported district|-|-|NULL|NULL|true|-",
      "impFac00001|Imported facility|3|impDist0001|Imported district|Imported facility|-|NULL|NULL|"
      "true|-",
      "impRoot0001|Imported root|1|-|-|-|NULL|NULL|true|-",
      // a child's current version carries the current names of its ancestors
      "qtr8GGlm4gg|Badjia|3|at6UHUQatSo|Bo District|Badjia|-|NULL|NULL|true|-",
  };
  EXPECT_EQ(OrgUnits(catalog), history);
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT strftime(last_updated, '%Y-%m-%d') FROM silver.org_unit WHERE uid = "
                      "'ImspTQPwCqd'"),
            (std::vector<std::string>{"2024-01-01"}));
  EXPECT_EQ(QueryRows(catalog, "silver.data_set_org_unit",
                      "SELECT concat_ws('|', data_set, ou) FROM silver.data_set_org_unit"),
            (std::vector<std::string>{"BfMAe6Itzgt|Rp268JB6Ne4"}));

  // A full rebuild from the same bronze in another lake gives the same tables.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  Facts(fresh);
  MetadataRun1(fresh);
  MetadataRun2(fresh);
  auto rebuilt = Run(fresh, /*full=*/true);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  ASSERT_TRUE(rebuilt->ok()) << rebuilt->ToString();
  for (const char* table :
       {"silver.org_unit", "silver.data_set_org_unit", "silver.period", "silver.data_value",
        "silver.category_option_combo", "silver.event_data_value", "silver.min_max"}) {
    EXPECT_EQ(AllRows(fresh, table), AllRows(catalog, table)) << table;
  }
  // A second run in a row changes nothing.
  auto again = Run(catalog);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->succeeded, 0) << again->ToString();
}

// Metadata DHIS2 deleted (/api/deletedObjects) leaves the current dimensions; an org unit's history
// keeps it, closed at the deletion; an object created again under its uid after the deletion stays.
TEST_F(SilverDimensionsTest, DeletedMetadataLeavesTheCurrentDimensions) {
  auto deletions = [&](lake::LakeCatalog& catalog) {
    Append(catalog, "bronze.deleted_object",
           "SELECT klass, uid, CAST(NULL AS VARCHAR) AS code, CAST(deleted_on AS TIMESTAMPTZ) AS "
           "deletedAt, 'admin' AS deletedBy, 'run-d' AS _run_id, CAST('2024-06-01' AS "
           "TIMESTAMPTZ) AS _ingested_at FROM (VALUES "
           "('OrganisationUnit', 'KKkLOTpMXGV', '2024-05-01'), "
           "('DataElement', 'deRemarks01', '2024-05-01'), "
           // deleted before the version bronze holds (2020-01-01): created again since
           "('DataElement', 'deSmoker001', '2019-01-01')) AS t(klass, uid, deleted_on)");
  };
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog);
  MetadataRun1(catalog);
  RunOk(catalog);
  const std::vector<std::string> before =
      QueryRows(catalog, "silver.data_element", "SELECT uid FROM silver.data_element");
  ASSERT_EQ(std::count(before.begin(), before.end(), "deRemarks01"), 1);
  deletions(catalog);
  RunOk(catalog);
  std::vector<std::string> expected;
  for (const std::string& uid : before) {
    if (uid != "deRemarks01") expected.push_back(uid);
  }
  EXPECT_EQ(QueryRows(catalog, "silver.data_element", "SELECT uid FROM silver.data_element"),
            expected);
  std::vector<std::string> units = OrgUnits(catalog);
  EXPECT_EQ(std::count(units.begin(), units.end(),
                       "KKkLOTpMXGV|Bombali Sebora|3|fdc6uOvgoji|Bombali|Bombali Sebora|-|NULL|"
                       "2024-05-01|false|-"),
            1);
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT uid FROM silver.org_unit WHERE uid = 'KKkLOTpMXGV' AND is_current"),
            std::vector<std::string>{});

  // A full rebuild from the same bronze gives the same tables.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  Facts(fresh);
  MetadataRun1(fresh);
  deletions(fresh);
  RunOk(fresh, /*full=*/true);
  for (const char* table : {"silver.org_unit", "silver.data_element", "silver.data_set"}) {
    EXPECT_EQ(AllRows(fresh, table), AllRows(catalog, table)) << table;
  }
}

TEST_F(SilverDimensionsTest, PeriodStructureByStartDate) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog);
  MetadataRun1(catalog);
  auto run = Run(catalog);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->ok()) << run->ToString();
  // Hand-computed (DHIS2_FACTS section 0): every id of the data once, invalid ones ('2024W53': 2024
  // has 52 ISO weeks; 'bad') absent; 2023 from the complete registrations.
  EXPECT_EQ(
      QueryRows(catalog, "silver.period",
                "SELECT concat_ws('|', pe, period_type, start_date, end_date, days, year) FROM "
                "silver.period"),
      (std::vector<std::string>{
          "2023|Yearly|2023-01-01|2023-12-31|365|2023",
          "202401|Monthly|2024-01-01|2024-01-31|31|2024",
          "20240229|Daily|2024-02-29|2024-02-29|1|2024",
          "2024April|FinancialApril|2024-04-01|2025-03-31|365|2024",
          "2024BiW1|BiWeekly|2024-01-01|2024-01-14|14|2024",
          "2024NovS1|SixMonthlyNov|2023-11-01|2024-04-30|182|2023",
          "2024Q4|Quarterly|2024-10-01|2024-12-31|92|2024",
          "2024W5|Weekly|2024-01-29|2024-02-04|7|2024",
      }));
  auto structure = [&](const std::string& pe) {
    return QueryRows(
               catalog, "silver.period",
               "SELECT concat_ws('|', COALESCE(daily, '-'), COALESCE(weekly, '-'), "
               "COALESCE(weeklywednesday, '-'), COALESCE(biweekly, '-'), COALESCE(monthly, '-'), "
               "COALESCE(bimonthly, '-'), COALESCE(quarterly, '-'), COALESCE(quarterlynov, '-'), "
               "COALESCE(sixmonthly, '-'), COALESCE(sixmonthlyapril, '-'), "
               "COALESCE(sixmonthlynov, '-'), COALESCE(yearly, '-'), "
               "COALESCE(financialapril, '-'), COALESCE(financialoct, '-'), "
               "COALESCE(financialnov, '-')) FROM silver.period WHERE pe = '" +
                   pe + "'")
        .at(0);
  };
  // daily|weekly|weeklywed|biweekly|monthly|bimonthly|quarterly|quarterlynov|sixmonthly|
  // sixmonthlyapril|sixmonthlynov|yearly|financialapril|financialoct|financialnov
  // 2024W5 (2024-01-29..02-04) by start + 3 days = 2024-02-01: February, 2024Nov.
  EXPECT_EQ(structure("2024W5"),
            "-|-|-|2024BiW3|202402|202401B|2024Q1|2024NovQ2|2024S1|2023AprilS2|2024NovS1|2024|"
            "2023April|2023Oct|2024Nov");
  // 2024Q4 (2024-10-01..12-31) by its start: SixMonthlyApril 2024AprilS2 (2024-10..2025-03),
  // FinancialNov 2024Nov (2023-11-01..2024-10-31),
  // although only October lies inside; QuarterlyNov is as long, so empty.
  EXPECT_EQ(structure("2024Q4"),
            "-|-|-|-|-|-|-|-|2024S2|2024AprilS2|2024NovS2|2024|2024April|2024Oct|2024Nov");
  EXPECT_EQ(structure("20240229"),
            "-|2024W9|2024WedW9|2024BiW5|202402|202401B|2024Q1|2024NovQ2|2024S1|2023AprilS2|"
            "2024NovS1|2024|2023April|2023Oct|2024Nov");
  // Financial years are as long as Yearly: no yearly column for them.
  EXPECT_EQ(structure("2024April"), "-|-|-|-|-|-|-|-|-|-|-|-|-|-|-");
  // The data value model quarantines the invalid ids.
  EXPECT_EQ(QueryRows(catalog, "silver.rejects",
                      "SELECT json_extract_string(record, '$.pe') FROM silver.rejects WHERE "
                      "table_name = 'silver.data_value' AND expectation = 'invalid_period'"),
            (std::vector<std::string>{"2024W53", "bad"}));
}

TEST_F(SilverDimensionsTest, CategoriesDataElementsDataSetsAndTheRest) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog);
  MetadataRun1(catalog);
  auto run = Run(catalog);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->ok()) << run->ToString();
  // One column per category, named by its uid, holding the option.
  EXPECT_EQ(
      QueryRows(catalog, "silver.category_option_combo",
                "SELECT concat_ws('|', uid, name, category_combo, COALESCE(cX5k9anHEHd, '-'), "
                "COALESCE(Cow9nZikDgD, '-'), COALESCE(GLevLNI9wkL, '-')) FROM "
                "silver.category_option_combo"),
      (std::vector<std::string>{
          "HllvX50cXC0|default|bjDvmb4bfuf|-|-|xYerKDKCefk",
          "cocFemO5xxx|Female, 5+|m2jTvAj5kkm|female00001|over5000001|-",
          "cocMaleU5xx|Male, <5|m2jTvAj5kkm|male0000001|under500001|-",
      }));
  EXPECT_EQ(QueryRows(catalog, "silver.category_option_combo_option",
                      "SELECT concat_ws('|', coc, category, category_option) FROM "
                      "silver.category_option_combo_option"),
            (std::vector<std::string>{
                "HllvX50cXC0|GLevLNI9wkL|xYerKDKCefk",
                "cocFemO5xxx|Cow9nZikDgD|over5000001",
                "cocFemO5xxx|cX5k9anHEHd|female00001",
                "cocMaleU5xx|Cow9nZikDgD|under500001",
                "cocMaleU5xx|cX5k9anHEHd|male0000001",
            }));
  EXPECT_EQ(QueryRows(catalog, "silver.category",
                      "SELECT concat_ws('|', uid, name, data_dimension) FROM silver.category"),
            (std::vector<std::string>{"Cow9nZikDgD|Age|true", "GLevLNI9wkL|default|true",
                                      "cX5k9anHEHd|Gender|false"}));
  EXPECT_EQ(QueryRows(catalog, "silver.category_option",
                      "SELECT concat_ws('|', uid, COALESCE(CAST(start_date AS VARCHAR), '-'), "
                      "COALESCE(CAST(end_date AS VARCHAR), '-')) FROM silver.category_option WHERE "
                      "uid IN ('male0000001', 'female00001')"),
            (std::vector<std::string>{"female00001|2020-01-01|2030-12-31", "male0000001|-|-"}));
  EXPECT_EQ(QueryRows(catalog, "silver.category_combo",
                      "SELECT concat_ws('|', uid, name) FROM silver.category_combo"),
            (std::vector<std::string>{"bjDvmb4bfuf|default", "m2jTvAj5kkm|Gender and Age"}));
  // Absent fields take DHIS2's defaults (the default combo included).
  EXPECT_EQ(
      QueryRows(catalog, "silver.data_element",
                "SELECT concat_ws('|', uid, COALESCE(code, '-'), COALESCE(short_name, '-'), "
                "value_type, aggregation_type, domain_type, category_combo, zero_is_significant, "
                "COALESCE(option_set, '-'), strftime(last_updated, '%Y-%m-%d')) FROM "
                "silver.data_element"),
      (std::vector<std::string>{
          "deAncVisit1|ANC1|ANC1|INTEGER_ZERO_OR_POSITIVE|AVERAGE|AGGREGATE|m2jTvAj5kkm|"
          "true|-|2020-01-01",
          "deBare00001|-|-|NUMBER|SUM|AGGREGATE|bjDvmb4bfuf|false|-|2020-01-01",
          "deRemarks01|-|-|TEXT|SUM|TRACKER|bjDvmb4bfuf|false|optSet00001|2020-01-01",
          "deSmoker001|-|-|BOOLEAN|SUM|AGGREGATE|bjDvmb4bfuf|false|-|2020-01-01",
      }));
  EXPECT_EQ(
      QueryRows(catalog, "silver.data_set",
                "SELECT concat_ws('|', uid, COALESCE(period_type, '-'), timely_days, expiry_days, "
                "open_future_periods, category_combo) FROM silver.data_set"),
      (std::vector<std::string>{"BfMAe6Itzgt|Monthly|15.0|10|2|bjDvmb4bfuf",
                                "bareDataSet|-|0.0|0|0|bjDvmb4bfuf"}));
  EXPECT_EQ(QueryRows(catalog, "silver.data_set_element",
                      "SELECT concat_ws('|', data_set, de, COALESCE(category_combo, '-')) FROM "
                      "silver.data_set_element"),
            (std::vector<std::string>{"BfMAe6Itzgt|deAncVisit1|-",
                                      "BfMAe6Itzgt|deBare00001|m2jTvAj5kkm"}));
  EXPECT_EQ(QueryRows(catalog, "silver.data_set_org_unit",
                      "SELECT concat_ws('|', data_set, ou) FROM silver.data_set_org_unit"),
            (std::vector<std::string>{"BfMAe6Itzgt|DiszpKrYNg8", "BfMAe6Itzgt|Rp268JB6Ne4"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit_level",
                      "SELECT concat_ws('|', level, name) FROM silver.org_unit_level"),
            (std::vector<std::string>{"1|National", "2|District", "4|Facility"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit_group",
                      "SELECT concat_ws('|', uid, name, COALESCE(short_name, '-')) FROM "
                      "silver.org_unit_group"),
            (std::vector<std::string>{"CXw2yu5fodb|CHC|CHC", "emptyGroup1|Empty|-",
                                      "uYxK4wmcPqA|CHP|-"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit_group_member",
                      "SELECT concat_ws('|', group_uid, ou) FROM silver.org_unit_group_member"),
            (std::vector<std::string>{"CXw2yu5fodb|DiszpKrYNg8", "uYxK4wmcPqA|DiszpKrYNg8",
                                      "uYxK4wmcPqA|Rp268JB6Ne4"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit_group_set",
                      "SELECT concat_ws('|', uid, name) FROM silver.org_unit_group_set"),
            (std::vector<std::string>{"J5jldMd8OHv|Facility Type"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit_group_set_member",
                      "SELECT concat_ws('|', group_set, group_uid) FROM "
                      "silver.org_unit_group_set_member"),
            (std::vector<std::string>{"J5jldMd8OHv|CXw2yu5fodb", "J5jldMd8OHv|uYxK4wmcPqA"}));
  EXPECT_EQ(
      QueryRows(catalog, "silver.indicator",
                "SELECT concat_ws('|', uid, COALESCE(short_name, '-'), numerator, denominator, "
                "COALESCE(indicator_type, '-'), factor, number, annualized, "
                "COALESCE(CAST(decimals AS VARCHAR), 'default')) FROM silver.indicator"),
      (std::vector<std::string>{
          "ReUHfIn0pTQ|-|1|1|-|1.0|false|false|default",
          "Uvn6LCg7dVU|ANC1c|#{deAncVisit1}|#{h0xKKjijTdI}|JkWynlWMjJR|100.0|false|true|1",
      }));
  EXPECT_EQ(
      QueryRows(catalog, "silver.indicator_type",
                "SELECT concat_ws('|', uid, name, factor, number) FROM silver.indicator_type"),
      (std::vector<std::string>{"JkWynlWMjJR|Per cent|100.0|false",
                                "numType0001|Number|1.0|true"}));
  EXPECT_EQ(QueryRows(catalog, "silver.constant",
                      "SELECT concat_ws('|', uid, name, value) FROM silver.constant"),
            (std::vector<std::string>{"bWRYLZ5RIi9|Pi|3.14", "noValue0001|Zero|0.0"}));
  EXPECT_EQ(QueryRows(catalog, "silver.validation_rule",
                      "SELECT concat_ws('|', uid, left_expression, right_expression, operator, "
                      "importance, COALESCE(period_type, '-'), left_missing_value_strategy, "
                      "right_missing_value_strategy, COALESCE(organisation_unit_levels, '-')) FROM "
                      "silver.validation_rule"),
            (std::vector<std::string>{
                "vrAnc000001|#{deAncVisit1}|#{deBare00001}|greater_than_or_equal_to|HIGH|Monthly|"
                "NEVER_SKIP|SKIP_IF_ALL_VALUES_MISSING|3,4",
                "vrBare00001|1|1|equal_to|MEDIUM|-|SKIP_IF_ALL_VALUES_MISSING|"
                "SKIP_IF_ALL_VALUES_MISSING|-",
            }));
  // The latest extraction run's ranges only.
  EXPECT_EQ(
      QueryRows(catalog, "silver.min_max",
                "SELECT concat_ws('|', de, ou, coc, min, max, generated) FROM silver.min_max"),
      (std::vector<std::string>{"deAncVisit1|Rp268JB6Ne4|HllvX50cXC0|2.0|12.0|false"}));
  // Event values from each event's latest version; deleted events have none.
  EXPECT_EQ(QueryRows(catalog, "silver.event_data_value",
                      "SELECT concat_ws('|', event, de, COALESCE(CAST(value AS VARCHAR), '-'), "
                      "value_text, COALESCE(strftime(updated_at, '%Y-%m-%d %H:%M'), '-')) FROM "
                      "silver.event_data_value"),
            (std::vector<std::string>{"ev1|deAncVisit1|4.0|4|2024-01-05 10:00",
                                      "ev1|deRemarks01|-|ok|-", "ev1|deSmoker001|1.0|true|-"}));
  // Attributes from each entity's latest version; the hash stays a hash.
  EXPECT_EQ(QueryRows(catalog, "silver.tracked_entity_attribute",
                      "SELECT concat_ws('|', tracked_entity, attribute, value) FROM "
                      "silver.tracked_entity_attribute"),
            (std::vector<std::string>{
                "te1|atAge000001|34",
                "te1|atName00001|5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
            }));
}

// A server without complete registrations (no bronze table) still gets its periods and values.
TEST_F(SilverDimensionsTest, PeriodsWithoutRegistrations) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog, /*registrations=*/false);
  MetadataRun1(catalog);
  auto run = Run(catalog);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->ok()) << run->ToString();
  EXPECT_EQ(
      QueryRows(catalog, "silver.period", "SELECT pe FROM silver.period WHERE pe LIKE '2023%'"),
      std::vector<std::string>{});
  EXPECT_EQ(QueryRows(catalog, "silver.data_value",
                      "SELECT CAST(count(*) AS VARCHAR) FROM silver.data_value"),
            (std::vector<std::string>{"7"}));  // 10 rows: 2 invalid ids, 1 re-delivery
}

TEST(PeriodRowsSqlTest, EmptyAndDeduplicated) {
  EXPECT_NE(PeriodRowsSql({}, sql::Dialect::kDuckDb).find("WHERE 1 = 0"), std::string::npos);
  std::string sql = PeriodRowsSql({"2024-01", "202401", "nonsense"}, sql::Dialect::kSpark);
  EXPECT_EQ(sql.find("'nonsense'"), std::string::npos);
  EXPECT_NE(sql.find("'202401'"), std::string::npos);
  EXPECT_EQ(sql.find("'2024-01'"), std::string::npos);
  EXPECT_NE(sql.find("`monthly`"), std::string::npos);
}

// The dictionary type of a text column (generator 'text_dictionary'): DuckDB's ENUM of the distinct
// values in byte order, VARCHAR when none or more than kTextDictionaryLimit, STRING for Spark.
TEST(TextDictionaryTypeTest, SortedDistinctValuesUpToTheLimit) {
  EXPECT_EQ(TextDictionaryType({"b", "a", "B", "b", "it's"}, sql::Dialect::kDuckDb),
            "ENUM('B', 'a', 'b', 'it''s')");
  EXPECT_EQ(TextDictionaryType({}, sql::Dialect::kDuckDb), "VARCHAR");
  EXPECT_EQ(TextDictionaryType({"a"}, sql::Dialect::kSpark), "STRING");
  std::vector<std::string> many;
  for (int i = 0; i < kTextDictionaryLimit; ++i) many.push_back("u" + std::to_string(i));
  EXPECT_TRUE(TextDictionaryType(many, sql::Dialect::kDuckDb).starts_with("ENUM('u0', 'u1', "));
  many.push_back("one more");
  EXPECT_EQ(TextDictionaryType(many, sql::Dialect::kDuckDb), "VARCHAR");

  // The enum's order is the text's: MIN, MAX and ORDER BY on the cast column agree with the text.
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  const std::string type = TextDictionaryType({"b", "B", "a", "aa", "Z9"}, sql::Dialect::kDuckDb);
  auto result = connection->Query(
      "SELECT CAST(min(e) AS VARCHAR) = min(t), CAST(max(e) AS VARCHAR) = max(t), "
      "string_agg(CAST(e AS VARCHAR), ',' ORDER BY e) = string_agg(t, ',' ORDER BY t) "
      "FROM (SELECT t, CAST(t AS " +
      type + ") AS e FROM (VALUES ('b'), ('B'), ('a'), ('aa'), ('Z9')) AS v(t))");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->GetString(0, 0).value_or(""), "true");
  EXPECT_EQ(result->GetString(1, 0).value_or(""), "true");
  EXPECT_EQ(result->GetString(2, 0).value_or(""), "true");
}

// Real payloads: the Sierra Leone demo's 1,332 org units (2.36, fields id,name,level,path,geometry)
// and dhis2-core's end-to-end aggregate metadata export; expected figures computed by hand from
// the files (python over the JSON, independent of the models).
TEST_F(SilverDimensionsTest, RealPayloads) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  Facts(catalog);
  Payload(catalog, "sierra-leone-2.36/organisation_units_1.json", "organisationUnits",
          "organisation_unit");
  Payload(catalog, "sierra-leone-2.36/organisation_units_2.json", "organisationUnits",
          "organisation_unit");
  const std::string core = "dhis2-core/dhis-test-e2e__aggregate__metadata.json";
  Payload(catalog, core, "categories", "category");
  Payload(catalog, core, "categoryOptions", "category_option");
  Payload(catalog, core, "categoryCombos", "category_combo");
  Payload(catalog, core, "categoryOptionCombos", "category_option_combo");
  Payload(catalog, core, "dataElements", "data_element");
  Payload(catalog, core, "dataSets", "data_set");
  Payload(catalog, core, "indicators", "indicator");
  Payload(catalog, core, "indicatorTypes", "indicator_type");
  Payload(catalog, core, "validationRules", "validation_rule");
  for (const char* type : {"organisation_unit_level", "organisation_unit_group",
                           "organisation_unit_group_set", "constant"}) {
    Metadata(catalog, type, {}, 1);
  }
  auto run = Run(catalog);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->ok()) << run->ToString();
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT concat_ws('|', level, count(*), count(DISTINCT uid), "
                      "count(level1_name), count(CASE WHEN is_current THEN 1 END)) FROM "
                      "silver.org_unit GROUP BY level"),
            (std::vector<std::string>{"1|1|1|1|1", "2|13|13|13|13", "3|152|152|152|152",
                                      "4|1166|1166|1166|1166"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT concat_ws('|', geometry_type, count(*)) FROM silver.org_unit WHERE "
                      "geometry_type IS NOT NULL GROUP BY geometry_type"),
            (std::vector<std::string>{"MultiPolygon|22", "Point|601", "Polygon|143"}));
  EXPECT_EQ(QueryRows(catalog, "silver.org_unit",
                      "SELECT concat_ws('|', name, level, parent, level1_name, level2_uid, "
                      "level2_name, level3_name, level4_name, COALESCE(level5_uid, '-')) FROM "
                      "silver.org_unit WHERE uid = 'DiszpKrYNg8'"),
            (std::vector<std::string>{"Ngelehun CHC|4|YuQRtpLP10I|Sierra Leone|O6uvpzGd5pu|Bo|"
                                      "Badjia|Ngelehun CHC|-"}));
  EXPECT_EQ(
      QueryRows(catalog, "silver.category_option_combo",
                "SELECT concat_ws('|', uid, name, category_combo, COALESCE(mFoasCYViMW, '-'), "
                "COALESCE(FRwO58KwwJt, '-'), COALESCE(Xaol8a2c51w, '-')) FROM "
                "silver.category_option_combo WHERE uid IN ('t5FrQ0GTvGf', 'Ngi3BgUod0E', "
                "'hF0pQZIn6Ch')"),
      (std::vector<std::string>{
          "Ngi3BgUod0E|TA Active foci|JuuvtzLw22M|-|-|FYTYL2zIeUe",
          "hF0pQZIn6Ch|TA 15+ years|BwnnrV1AkNj|wTpH7wugXzZ|-|-",
          "t5FrQ0GTvGf|TA 0-4 years, Female|IvYR8mc6prX|UPvKbcqTEY3|FFA9e1yIXCT|-",
      }));
  EXPECT_EQ(QueryRows(catalog, "silver.category_option_combo_option",
                      "SELECT CAST(count(*) AS VARCHAR) FROM silver.category_option_combo_option"),
            (std::vector<std::string>{"18"}));
  EXPECT_EQ(QueryRows(catalog, "silver.data_element",
                      "SELECT concat_ws('|', uid, code, value_type, aggregation_type, domain_type, "
                      "category_combo, zero_is_significant) FROM silver.data_element WHERE uid = "
                      "'tpz77FcntKx'"),
            (std::vector<std::string>{
                "tpz77FcntKx|TA_GEN_EXT_FUND|INTEGER_ZERO_OR_POSITIVE|SUM|AGGREGATE|bjDvmb4bfuf|"
                "true"}));
  QueryRows(catalog, "silver.data_set_element", "SELECT 1");  // registers the table
  EXPECT_EQ(
      QueryRows(catalog, "silver.data_set",
                "SELECT concat_ws('|', d.uid, d.period_type, d.timely_days, (SELECT count(*) FROM "
                "silver.data_set_element e WHERE e.data_set = d.uid AND e.category_combo IS NOT "
                "NULL)) FROM silver.data_set d"),
      (std::vector<std::string>{"VEM58nY22sO|Monthly|15.0|66", "qNtxTrp56wV|Yearly|15.0|7"}));
  EXPECT_EQ(
      QueryRows(catalog, "silver.indicator",
                "SELECT concat_ws('|', numerator, denominator, factor, number, annualized, "
                "COALESCE(CAST(decimals AS VARCHAR), 'default')) FROM silver.indicator WHERE uid "
                "= 'K1DkT2kokjD'"),
      (std::vector<std::string>{"#{pmRn0GsUfr6}|#{DPNsg3wjxGm}+#{pmRn0GsUfr6}|100.0|false|"
                                "false|default"}));
  EXPECT_EQ(QueryRows(catalog, "silver.validation_rule",
                      "SELECT concat_ws('|', operator, importance, period_type, "
                      "left_missing_value_strategy, COALESCE(organisation_unit_levels, '-')) FROM "
                      "silver.validation_rule WHERE uid = 'p5591gkdyU4'"),
            (std::vector<std::string>{"equal_to|MEDIUM|Monthly|NEVER_SKIP|-"}));
}

// Every silver model rendered to Spark SQL (shared-subset text through sql::RenderShared, the
// generators in the Spark dialect, refs as plain names) parses as Spark SQL and calls only Spark
// functions: tests/databricks/spark_sql_check.py with sqlglot, as the bundle's test does.
TEST(SilverSparkTest, EverySilverModelRendersToSparkSql) {
  if (std::system("/usr/bin/python3 -c 'import sqlglot' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with sqlglot is not installed";
  }
  auto models = ModelSet::LoadDirectory(std::string(DHL_SOURCE_DIR) + "/models");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  nlohmann::json statements = nlohmann::json::array();
  // The shipped generators, with fixed inputs for the two that read the lake; their text is
  // expanded in the shared (DuckDB) spelling, then the whole body rendered for Spark.
  GeneratorRegistry registry;
  for (const char* name : {"latest_version", "org_unit_path_uids", "org_unit_level_columns",
                           "org_unit_ancestor_joins"}) {
    const Generator* builtin = BuiltinGenerators().Find(name);
    ASSERT_NE(builtin, nullptr) << name;
    registry.Add(name, *builtin);
  }
  registry.Add("period_rows", [](const GeneratorContext& context) -> Result<std::string> {
    return PeriodRowsSql({"2024W5", "2024Q4"}, context.dialect);
  });
  registry.Add("coc_category_columns", [](const GeneratorContext& context) -> Result<std::string> {
    return CategoryColumnsSql({"cX5k9anHEHd", "GLevLNI9wkL"}, "o.category", "o.category_option",
                              context.dialect);
  });
  for (const Model& model : models->models()) {
    if (model.name.layer != "silver") continue;
    auto expanded = ExpandGenerated(model, registry, GeneratorContext{});
    ASSERT_TRUE(expanded.ok()) << expanded.status().ToString();
    std::string text = sql::RenderShared(*expanded, sql::Dialect::kSpark);
    text = sql::ReplaceCalls(text, sql::Dialect::kSpark, "ref",
                             [](const std::string& table) { return table; });
    statements.push_back({{"where", model.path}, {"sql", text}});
  }
  EXPECT_GE(statements.size(), 28u);
  fs::path file = fs::temp_directory_path() /
                  ("dhl_silver_spark_" +
                   std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  std::ofstream(file) << statements.dump();
  std::string command = "/usr/bin/python3 " + std::string(DHL_SOURCE_DIR) +
                        "/tests/databricks/spark_sql_check.py " + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0);
  fs::remove(file);
}

}  // namespace
}  // namespace dhl::pipeline
