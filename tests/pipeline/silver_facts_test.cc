// The silver fact models (models/silver/{data_value,complete_registration,event,enrollment,
// tracked_entity}.sql) over hand-written bronze rows and stub dimension tables: typing by value
// type, each reject's expectation (invalid UTF-8 kept by the extractor included), re-deliveries,
// conflicts, the latest (invalid or deleted) version deciding, incremental equal to a full rebuild,
// and a second run changing nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "pipeline/model_set.h"
#include "pipeline/pipeline_runner.h"
#include "tests/pipeline/model_lake_fixture.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

const char* kFactModels[] = {"silver/data_value.sql", "silver/complete_registration.sql",
                             "silver/event.sql", "silver/enrollment.sql",
                             "silver/tracked_entity.sql"};

// Bronze data values: (dataElement, period, orgUnit, coc, aoc, value, lastUpdated, deleted).
const char* kValues1 =
    "('deInt','202401','ou1','cocA','aocA','12.0','2024-02-01',false),"        // 12, ".0" dropped
    "('deInt','2023Q1','ou1','cocA','aocA','2147483648','2024-02-01',false),"  // over 32 bits
    "('deNum','202401','ou1','cocA','aocA','12a','2024-02-01',false),"
    "('deNum','2023Q1','ou1','cocA','aocA','-0.5','2024-02-01',false),"
    "('deNum','202401','ou2','cocA','aocA','.5','2024-02-01',false),"  // NUMBER is strict
    "('deBool','202401','ou1','cocA','aocA','YES','2024-02-01',false),"
    "('deBool','202401','ou2','cocA','aocA','maybe','2024-02-01',false),"
    "('deTrue','202401','ou1','cocA','aocA','false','2024-02-01',false),"
    "('deDate','202401','ou1','cocA','aocA','2024-02-30','2024-02-01',false),"
    "('deDate','202401','ou2','cocA','aocA','2024-02-29','2024-02-01',false),"
    "('deText','202401','ou1','cocA','aocA','hello','2024-02-01',false),"
    "('deNope','202401','ou1','cocA','aocA','1','2024-02-01',false),"
    "('deInt','2024W99','ou1','cocA','aocA','1','2024-02-01',false),"
    "('deInt','202401','ouX','cocA','aocA','1','2024-02-01',false),"
    "('deInt','2023Q1','ou2','cocX','aocA','1','2024-02-01',false),"
    "('dePct','202401','ou1','cocA','aocA','101','2024-02-01',false),"
    "('deZero','202401','ou1','cocA','aocA','3','2024-02-01',false),"  // conflict
    "('deZero','202401','ou1','cocA','aocA','4','2024-02-01',false),"
    "('deZero','202401','ou2','cocA','aocA','5','2024-02-01',false),"  // re-delivered
    "('deZero','202401','ou2','cocA','aocA','5','2024-02-01',false),"
    "('deInt','202401','ou2','cocA','aocA','7','2024-02-01',false),"
    "('deNum','2023Q1','ou2','cocA','aocA','3','2024-02-01',false),"
    // "café" from a server sending Latin-1, as the extractor keeps it (é's byte 0xE9 as U+F00E9)
    "('deText','202401','ou2','cocA','aocA','caf\xF3\xB0\x83\xA9','2024-02-01',false)";
// An update, an invalid latest version, a deletion, and a late older version that must not win.
const char* kValues2 =
    "('deInt','202401','ou1','cocA','aocA','13','2024-03-01',false),"
    "('deInt','202401','ou2','cocA','aocA','x7','2024-03-01',false),"
    "('deNum','2023Q1','ou2','cocA','aocA','3','2024-03-01',true),"
    "('deNum','2023Q1','ou1','cocA','aocA','9','2024-01-01',false),"
    "('deText','202401','ou2','cocA','aocA','cafe','2024-03-01',false)";  // sent again, fixed

class SilverFactsTest : public ModelLakeFixture {
 protected:
  void SetUp() override {
    ModelLakeFixture::SetUp();
    UseModels({std::begin(kFactModels), std::end(kFactModels)});
  }

  // The dimension tables the fact models look up (normally built by the dimension models).
  void WriteDimensions(lake::LakeCatalog& catalog) {
    Append(catalog, "silver.data_element",
           "SELECT * FROM (VALUES ('deInt','INTEGER'),('deNum','NUMBER'),('deBool','BOOLEAN'),"
           "('deTrue','TRUE_ONLY'),('deDate','DATE'),('deText','TEXT'),('dePct','PERCENTAGE'),"
           "('deZero','INTEGER_ZERO_OR_POSITIVE')) AS t(uid, value_type)");
    Append(
        catalog, "silver.period",
        "SELECT pe, period_type, CAST(s AS DATE) AS start_date, CAST(e AS DATE) AS end_date, "
        "year, yearly FROM (VALUES ('202401','Monthly','2024-01-01','2024-01-31',2024,'2024'),"
        "('2023Q1','Quarterly','2023-01-01','2023-03-31',2023,'2023'),"
        // 2025W1 starts in 2024 and belongs to 2025 (its start + 3 days, dhis2::StructurePeriod).
        "('2025W1','Weekly','2024-12-30','2025-01-05',2024,'2025')) AS t(pe, period_type, s, e, "
        "year, yearly)");
    Append(catalog, "silver.org_unit",
           "SELECT uid, version, path, CAST(valid_to AS TIMESTAMPTZ) AS valid_to FROM (VALUES "
           "('ou1', 1, '/ou1', NULL), ('ou2', 1, '/ou1/ou2', '2024-01-01'), "
           "('ou2', 2, '/ou1/ou2', NULL)) AS t(uid, version, path, valid_to)");
    Append(catalog, "silver.category_option_combo",
           "SELECT * FROM (VALUES ('cocA'), ('aocA')) AS t(uid)");
    Append(catalog, "silver.data_set", "SELECT * FROM (VALUES ('ds1')) AS t(uid)");
  }

  void AppendValues(lake::LakeCatalog& catalog, const std::string& rows, const std::string& run) {
    Append(catalog, "bronze.data_value",
           "SELECT de AS dataElement, pe AS period, ou AS orgUnit, coc AS categoryOptionCombo, "
           "aoc AS attributeOptionCombo, value, 'admin' AS storedBy, "
           "CAST('2024-01-15' AS TIMESTAMPTZ) AS created, CAST(lu AS TIMESTAMPTZ) AS lastUpdated, "
           "CAST(NULL AS VARCHAR) AS comment, false AS followup, deleted, '" +
               run + "' AS _run_id, CAST('2024-04-0" + run +
               "' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES " + rows +
               ") AS t(de, pe, ou, coc, aoc, value, lu, deleted)");
  }

  void WriteOtherBronze(lake::LakeCatalog& catalog) {
    Append(catalog, "bronze.complete_registration",
           "SELECT pe AS period, ds AS dataSet, ou AS organisationUnit, 'aocA' AS "
           "attributeOptionCombo, CAST('2024-02-03' AS TIMESTAMPTZ) AS date, 'admin' AS storedBy, "
           "true AS completed, CAST('2024-02-03' AS TIMESTAMPTZ) AS lastUpdated, 'admin' AS "
           "lastUpdatedBy, '{}' AS record, '1' AS _run_id, CAST('2024-04-01' AS TIMESTAMPTZ) AS "
           "_ingested_at FROM (VALUES ('202401','ds1','ou1'),('202401','ds1','ou1'),"
           "('2024W99','ds1','ou1'),('202401','dsX','ou1'),('202401','ds1','ouX'),"
           "('2025W1','ds1','ou1')) AS t(pe, ds, ou)");
    Append(catalog, "bronze.event",
           "SELECT event, 'prog1' AS program, 'stage1' AS programStage, NULL AS enrollment, "
           "NULL AS trackedEntity, 'ou1' AS orgUnit, status, CAST('2024-01-02' AS TIMESTAMPTZ) AS "
           "occurredAt, CAST(NULL AS TIMESTAMPTZ) AS scheduledAt, CAST('2024-01-02' AS "
           "TIMESTAMPTZ) AS createdAt, CAST(u AS TIMESTAMPTZ) AS updatedAt, CAST(NULL AS "
           "TIMESTAMPTZ) AS completedAt, deleted, 'admin' AS storedBy, 'aocA' AS "
           "attributeOptionCombo, '[]' AS dataValues, '{}' AS record, '1' AS _run_id, "
           "CAST('2024-04-01' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES "
           "('e1','ACTIVE','2024-01-02',false),('e1','COMPLETED','2024-01-05',false),"
           "('e2','ACTIVE','2024-01-02',false),('e2','ACTIVE','2024-01-06',true)) AS "
           "t(event, status, u, deleted)");
    Append(catalog, "bronze.enrollment",
           "SELECT 'en1' AS enrollment, 'te1' AS trackedEntity, 'prog1' AS program, 'ou1' AS "
           "orgUnit, 'ACTIVE' AS status, CAST('2024-01-02' AS TIMESTAMPTZ) AS enrolledAt, "
           "CAST('2024-01-02' AS TIMESTAMPTZ) AS occurredAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS "
           "createdAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS updatedAt, CAST(NULL AS TIMESTAMPTZ) "
           "AS completedAt, false AS deleted, false AS followUp, '[]' AS attributes, '{}' AS "
           "record, '1' AS _run_id, CAST('2024-04-01' AS TIMESTAMPTZ) AS _ingested_at");
    Append(catalog, "bronze.tracked_entity",
           "SELECT te AS trackedEntity, 'person' AS trackedEntityType, 'ou1' AS orgUnit, "
           "CAST('2024-01-02' AS TIMESTAMPTZ) AS createdAt, CAST('2024-01-02' AS TIMESTAMPTZ) AS "
           "updatedAt, deleted, false AS inactive, '[]' AS attributes, '{}' AS record, '1' AS "
           "_run_id, CAST('2024-04-01' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES "
           "('te1', false), ('te2', true)) AS t(te, deleted)");
  }

  std::vector<std::string> Values(lake::LakeCatalog& catalog) {
    return QueryRows(catalog, "silver.data_value",
                     "SELECT concat_ws('|', de, pe, ou, coc, COALESCE(CAST(value AS VARCHAR), "
                     "'null'), COALESCE(value_text, 'null'), COALESCE(period_type, 'null'), "
                     "CAST(year AS VARCHAR), CAST(deliveries AS VARCHAR)) FROM silver.data_value");
  }
  std::vector<std::string> Rejects(lake::LakeCatalog& catalog, const std::string& table) {
    return QueryRows(catalog, "silver.rejects",
                     "SELECT concat_ws('|', expectation, json_extract_string(record, '$.de'), "
                     "json_extract_string(record, '$.pe'), json_extract_string(record, '$.ou'), "
                     "CASE WHEN expectation = 'conflicting_duplicate' THEN 'either' ELSE "
                     "COALESCE(json_extract_string(record, '$.value_text'), 'null') END) FROM "
                     "silver.rejects WHERE table_name = '" +
                         table + "'");
  }
  int64_t Version(lake::LakeCatalog& catalog, const std::string& table) {
    auto name = lake::ParseTableName(table);
    auto snapshot = catalog.Table(*name).Load(*connection_);
    return snapshot.ok() ? snapshot->version : -1;
  }
};

TEST_F(SilverFactsTest, TypesValuesRejectsEachKindAndIncrementalEqualsFull) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  WriteDimensions(catalog);
  WriteOtherBronze(catalog);
  AppendValues(catalog, kValues1, "1");
  auto first = Run(catalog);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->ok()) << first->ToString();
  // Hand-computed: typed values, period columns, re-deliveries counted.
  EXPECT_EQ(Values(catalog), (std::vector<std::string>{
                                 "deBool|202401|ou1|cocA|1.0|true|Monthly|2024|1",
                                 "deDate|202401|ou2|cocA|null|2024-02-29|Monthly|2024|1",
                                 "deInt|202401|ou1|cocA|12.0|12|Monthly|2024|1",
                                 "deInt|202401|ou2|cocA|7.0|7|Monthly|2024|1",
                                 "deNum|2023Q1|ou1|cocA|-0.5|-0.5|Quarterly|2023|1",
                                 "deNum|2023Q1|ou2|cocA|3.0|3|Quarterly|2023|1",
                                 "deText|202401|ou1|cocA|null|hello|Monthly|2024|1",
                                 "deZero|202401|ou2|cocA|5.0|5|Monthly|2024|2",
                             }));
  EXPECT_EQ(Rejects(catalog, "silver.data_value"),
            (std::vector<std::string>{
                "conflicting_duplicate|deZero|202401|ou1|either",  // 3 or 4
                "invalid_period|deInt|2024W99|ou1|1",
                "invalid_utf8|deText|202401|ou2|caf\xF3\xB0\x83\xA9",
                "unknown_category_option_combo|deInt|2023Q1|ou2|1",
                "unknown_data_element|deNope|202401|ou1|1",
                "unknown_org_unit|deInt|202401|ouX|1",
                "value_invalid_for_value_type|deBool|202401|ou2|maybe",
                "value_invalid_for_value_type|deDate|202401|ou1|2024-02-30",
                "value_invalid_for_value_type|deInt|2023Q1|ou1|2147483648",
                "value_invalid_for_value_type|deNum|202401|ou1|12a",
                "value_invalid_for_value_type|deNum|202401|ou2|.5",
                "value_invalid_for_value_type|dePct|202401|ou1|101",
                "value_invalid_for_value_type|deTrue|202401|ou1|false",
            }));
  EXPECT_EQ(
      QueryRows(catalog, "silver.complete_registration",
                "SELECT concat_ws('|', data_set, pe, ou, period_type, year) FROM "
                "silver.complete_registration"),
      (std::vector<std::string>{"ds1|202401|ou1|Monthly|2024", "ds1|2025W1|ou1|Weekly|2025"}));
  EXPECT_EQ(
      QueryRows(catalog, "silver.event", "SELECT concat_ws('|', event, status) FROM silver.event"),
      (std::vector<std::string>{"e1|COMPLETED"}));
  EXPECT_EQ(QueryRows(catalog, "silver.tracked_entity",
                      "SELECT tracked_entity FROM silver.tracked_entity"),
            (std::vector<std::string>{"te1"}));
  EXPECT_EQ(QueryRows(catalog, "silver.enrollment", "SELECT enrollment FROM silver.enrollment"),
            (std::vector<std::string>{"en1"}));

  // A second run in a row changes nothing.
  int64_t version = Version(catalog, "silver.data_value");
  auto again = Run(catalog);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->succeeded, 0) << again->ToString();
  EXPECT_EQ(Version(catalog, "silver.data_value"), version);

  // Incremental: an update, an invalid latest version (the key leaves silver), a deletion, a late
  // older version that loses.
  AppendValues(catalog, kValues2, "2");
  auto second = Run(catalog);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(second->ok()) << second->ToString();
  std::vector<std::string> expected = {
      "deBool|202401|ou1|cocA|1.0|true|Monthly|2024|1",
      "deDate|202401|ou2|cocA|null|2024-02-29|Monthly|2024|1",
      "deInt|202401|ou1|cocA|13.0|13|Monthly|2024|1",
      "deNum|2023Q1|ou1|cocA|-0.5|-0.5|Quarterly|2023|1",
      "deText|202401|ou1|cocA|null|hello|Monthly|2024|1",
      "deText|202401|ou2|cocA|null|cafe|Monthly|2024|1",
      "deZero|202401|ou2|cocA|5.0|5|Monthly|2024|2",
  };
  EXPECT_EQ(Values(catalog), expected);
  auto rejects = Rejects(catalog, "silver.data_value");
  EXPECT_NE(
      std::find(rejects.begin(), rejects.end(), "value_invalid_for_value_type|deInt|202401|ou2|x7"),
      rejects.end());

  // A full rebuild from the same bronze gives the same table.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteDimensions(fresh);
  WriteOtherBronze(fresh);
  AppendValues(fresh, kValues1, "1");
  AppendValues(fresh, kValues2, "2");
  auto rebuilt = Run(fresh, /*full=*/true);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  ASSERT_TRUE(rebuilt->ok()) << rebuilt->ToString();
  EXPECT_EQ(Values(fresh), expected);
}

// The cheaper forms of two rules (models/silver/data_value.sql): invalid_utf8 searches only text
// with a character beyond ASCII, and repeated versions are found by sorting their hashes. Text
// well-formed beyond ASCII, or holding the code points just outside U+F0080..U+F00FF, is kept; a
// kept ill-formed byte is rejected after ASCII or non-ASCII text, in the value, the comment or
// storedBy; a version delivered three times by one run counts 3, once by each of two runs 1.
TEST_F(SilverFactsTest, NonAsciiTextAndRepeatedVersionsKeepTheirRules) {
  lake::LakeCatalog catalog((dir_ / "lake").string());
  WriteDimensions(catalog);
  WriteOtherBronze(catalog);
  auto values = [&](const std::string& run, const std::string& rows) {
    Append(catalog, "bronze.data_value",
           "SELECT de AS dataElement, pe AS period, ou AS orgUnit, 'cocA' AS categoryOptionCombo, "
           "'aocA' AS attributeOptionCombo, value, stored_by AS storedBy, "
           "CAST('2024-01-15' AS TIMESTAMPTZ) AS created, "
           "CAST('2024-02-01' AS TIMESTAMPTZ) AS lastUpdated, CAST(comment AS VARCHAR) AS comment, "
           "false AS followup, "
           "false AS deleted, '" +
               run + "' AS _run_id, CAST('2024-04-0" + run +
               "' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES " + rows +
               ") AS t(de, pe, ou, value, stored_by, comment)");
  };
  values("1",
         "('deText','202401','ou1','caf\xC3\xA9','admin',NULL),"               // well-formed é
         "('deText','202401','ou2','x\xF3\xB0\x81\xBF','admin',NULL),"         // U+F007F
         "('deText','2023Q1','ou1','x\xF3\xB0\x84\x80','admin',NULL),"         // U+F0100
         "('deText','2023Q1','ou2','\xC3\xA9\xF3\xB0\x82\x80','admin',NULL),"  // é, U+F0080
         "('deInt','202401','ou1','5','admin','ok\xF3\xB0\x83\xBF'),"          // U+F00FF
         "('deInt','202401','ou2','6','jos\xF3\xB0\x83\xA9',NULL),"            // U+F00E9
         "('deInt','2023Q1','ou1','7','admin',NULL),"
         "('deInt','2023Q1','ou1','7','admin',NULL),"
         "('deInt','2023Q1','ou1','7','admin',NULL),"
         "('deInt','2023Q1','ou2','8','admin',NULL)");
  values("2",
         "('deInt','2023Q1','ou1','7','admin',NULL),"
         "('deInt','2023Q1','ou2','8','admin',NULL)");
  auto run = Run(catalog);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_TRUE(run->ok()) << run->ToString();
  EXPECT_EQ(Values(catalog), (std::vector<std::string>{
                                 "deInt|2023Q1|ou1|cocA|7.0|7|Quarterly|2023|3",
                                 "deInt|2023Q1|ou2|cocA|8.0|8|Quarterly|2023|1",
                                 "deText|2023Q1|ou1|cocA|null|x\xF3\xB0\x84\x80|Quarterly|2023|1",
                                 "deText|202401|ou1|cocA|null|caf\xC3\xA9|Monthly|2024|1",
                                 "deText|202401|ou2|cocA|null|x\xF3\xB0\x81\xBF|Monthly|2024|1",
                             }));
  EXPECT_EQ(Rejects(catalog, "silver.data_value"),
            (std::vector<std::string>{
                "invalid_utf8|deInt|202401|ou1|5",
                "invalid_utf8|deInt|202401|ou2|6",
                "invalid_utf8|deText|2023Q1|ou2|\xC3\xA9\xF3\xB0\x82\x80",
            }));
}

// DHIS2 hard-deletes registrations: a server's window (data set x subtree x period) fetched after a
// registration's last delivery, by a run that did not deliver it, removes it from silver. Each
// expected table is read off the bronze rows below by hand.
TEST_F(SilverFactsTest, RegistrationsALaterWindowNoLongerHoldsLeaveSilver) {
  auto registrations = [&](lake::LakeCatalog& catalog, const std::string& run,
                           const std::string& rows) {
    Append(catalog, "bronze.complete_registration",
           "SELECT pe AS period, ds AS dataSet, ou AS organisationUnit, 'aocA' AS "
           "attributeOptionCombo, CAST('2024-02-03' AS TIMESTAMPTZ) AS date, 'admin' AS storedBy, "
           "true AS completed, CAST('2024-02-03' AS TIMESTAMPTZ) AS lastUpdated, 'admin' AS "
           "lastUpdatedBy, '{}' AS record, '" +
               run + "' AS _run_id, CAST('2024-04-0" + run +
               " 10:00' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES " + rows +
               ") AS t(pe, ds, ou)");
  };
  // Windows are written after the run's registrations (12:00 on the run's day).
  auto windows = [&](lake::LakeCatalog& catalog, const std::string& run, const std::string& rows) {
    Append(catalog, "bronze.complete_registration_window",
           "SELECT ds AS dataSet, root AS orgUnit, pe AS period, '" + run +
               "' AS _run_id, CAST('2024-04-0" + run +
               " 12:00' AS TIMESTAMPTZ) AS _ingested_at FROM (VALUES " + rows +
               ") AS t(ds, root, pe)");
  };
  auto rows = [&](lake::LakeCatalog& catalog) {
    return QueryRows(catalog, "silver.complete_registration",
                     "SELECT concat_ws('|', data_set, pe, ou) FROM silver.complete_registration");
  };
  // Run 1 delivers three registrations; its window holds two of them.
  auto run1 = [&](lake::LakeCatalog& catalog) {
    registrations(catalog, "1",
                  "('202401','ds1','ou1'),('202401','ds1','ou2'),('2023Q1','ds1','ou2')");
    windows(catalog, "1", "('ds1','ou1','202401')");
  };
  // Run 2 re-fetches 202401 under ou1: ou2's registration is no longer there (deleted); 2023Q1 is
  // outside its window and stays.
  auto run2 = [&](lake::LakeCatalog& catalog) {
    registrations(catalog, "2", "('202401','ds1','ou1')");
    windows(catalog, "2", "('ds1','ou1','202401')");
  };
  // Run 3: a window of another subtree (ouZ) and of another data set delete nothing.
  auto run3 = [&](lake::LakeCatalog& catalog) {
    windows(catalog, "3", "('ds1','ouZ','2023Q1'),('ds2','ou1','2023Q1')");
  };
  // Run 4: the deleted registration is entered again.
  auto run4 = [&](lake::LakeCatalog& catalog) {
    registrations(catalog, "4", "('202401','ds1','ou1'),('202401','ds1','ou2')");
    windows(catalog, "4", "('ds1','ou1','202401')");
  };

  lake::LakeCatalog catalog((dir_ / "lake").string());
  WriteDimensions(catalog);
  Append(catalog, "silver.data_set", "SELECT * FROM (VALUES ('ds2')) AS t(uid)");
  run1(catalog);
  RunOk(catalog);
  const std::vector<std::string> all = {"ds1|2023Q1|ou2", "ds1|202401|ou1", "ds1|202401|ou2"};
  EXPECT_EQ(rows(catalog), all);
  run2(catalog);
  RunOk(catalog);
  const std::vector<std::string> after_deletion = {"ds1|2023Q1|ou2", "ds1|202401|ou1"};
  EXPECT_EQ(rows(catalog), after_deletion);
  run3(catalog);
  RunOk(catalog);
  EXPECT_EQ(rows(catalog), after_deletion);
  run4(catalog);
  RunOk(catalog);
  EXPECT_EQ(rows(catalog), all);

  // A full rebuild from the bronze of runs 1-2 gives what the incremental run gave.
  lake::LakeCatalog fresh((dir_ / "fresh").string());
  WriteDimensions(fresh);
  Append(fresh, "silver.data_set", "SELECT * FROM (VALUES ('ds2')) AS t(uid)");
  run1(fresh);
  run2(fresh);
  RunOk(fresh, /*full=*/true);
  EXPECT_EQ(rows(fresh), after_deletion);
}

}  // namespace
}  // namespace dhl::pipeline
