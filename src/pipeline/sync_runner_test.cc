#include "pipeline/sync_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "lake/temp_lake_fixture.h"
#include "source/extraction_plan.h"
#include "source/landing_file.h"

namespace dhl::pipeline {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Names(const std::vector<lake::TableName>& names) {
  std::vector<std::string> out;
  for (const lake::TableName& name : names) {
    out.push_back(name.ToString());
  }
  return out;
}

TEST(SyncStagesTest, ParsesTheThreeStagesAndRefusesOthers) {
  auto stages = ParseSyncStages("extract, gold");
  ASSERT_TRUE(stages.ok()) << stages.status().ToString();
  EXPECT_EQ(*stages, (std::set<SyncStage>{SyncStage::kExtract, SyncStage::kGold}));
  auto bad = ParseSyncStages("extract,bronze");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown stage 'bronze'"), std::string::npos)
      << bad.status().message();
}

// bronze.x -> silver.a -> silver.b -> gold.c, and gold.a beside them (a name two layers share).
ModelSet Chain() {
  auto models = ModelSet::LoadMap({
      {"silver/a.sql", "-- materialized: table\nSELECT n FROM ref('bronze.x')\n"},
      {"silver/b.sql", "-- materialized: table\nSELECT n FROM ref('silver.a')\n"},
      {"gold/c.sql", "-- materialized: table\nSELECT n FROM ref('silver.b')\n"},
      {"gold/a.sql", "-- materialized: table\nSELECT n FROM ref('silver.a')\n"},
  });
  EXPECT_TRUE(models.ok()) << models.status().ToString();
  return std::move(*models);
}

TEST(SelectModelsTest, SelectsAsDbtDoes) {
  ModelSet models = Chain();
  auto only = SelectModels(models, {"silver.b"});
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(Names(*only), std::vector<std::string>{"silver.b"});
  auto down = SelectModels(models, {"b+"});
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(Names(*down), (std::vector<std::string>{"silver.b", "gold.c"}));
  auto up = SelectModels(models, {"+gold.c"});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(Names(*up), (std::vector<std::string>{"silver.a", "silver.b", "gold.c"}));
  auto both = SelectModels(models, {"c", "+silver.a+"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(Names(*both), (std::vector<std::string>{"silver.a", "silver.b", "gold.a", "gold.c"}));

  auto ambiguous = SelectModels(models, {"a"});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find("silver.a and gold.a"), std::string::npos)
      << ambiguous.status().message();
  auto unknown = SelectModels(models, {"silver.nope"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("--models silver.nope"), std::string::npos);
}

class RunSyncTest : public lake::TempLakeFixture {
 protected:
  void SetUp() override {
    TempLakeFixture::SetUp();
    lake::WriteOptions write;
    auto written = catalog_->Table({"bronze", "numbers"})
                       .Write(*connection_, "SELECT * FROM (VALUES (1), (-2), (3)) AS t(n)", write);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  }

  SyncOptions Options(const ModelSet& models) {
    SyncOptions options;
    options.lake_dir = LakeDir().string();
    options.stages = {SyncStage::kSilver, SyncStage::kGold};  // no extraction
    options.model_set = &models;
    options.progress = false;
    return options;
  }
};

ModelSet Models(const std::string& positive_body) {
  auto models = ModelSet::LoadMap({
      {"silver/all_numbers.sql", "-- materialized: table\nSELECT n FROM ref('bronze.numbers')\n"},
      {"silver/positive.sql",
       "-- materialized: table\n-- expect: is_positive | n > 0 | fail\n" + positive_body},
      {"gold/positive_total.sql",
       "-- materialized: table\nSELECT sum(n) AS total FROM ref('silver.positive')\n"},
      {"gold/count.sql",
       "-- materialized: table\nSELECT count(*) AS numbers FROM ref('silver.all_numbers')\n"},
      {"gold/report.sql",
       "-- materialized: table\n-- expect: small | total < 10 | warn\n"
       "-- expect: even | total % 2 = 0 | quarantine\n"
       "SELECT t.total, c.numbers FROM ref('gold.positive_total') AS t, ref('gold.count') AS c\n"},
  });
  EXPECT_TRUE(models.ok()) << models.status().ToString();
  return std::move(*models);
}

// A failed model stops only its descendants, the summary names them, and the next sync (with the
// model fixed) runs the failed model and its descendants but not what was already up to date.
TEST_F(RunSyncTest, AFailedModelSkipsItsDescendantsAndTheNextSyncPicksUpThere) {
  ModelSet failing = Models("SELECT n FROM ref('bronze.numbers')\n");
  auto summary = RunSync(Options(failing));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_FALSE(summary->ok());
  EXPECT_EQ(summary->models_failed, 1);
  EXPECT_EQ(summary->models_run, 2);      // silver.all_numbers, gold.count
  EXPECT_EQ(summary->models_skipped, 2);  // gold.positive_total, gold.report
  ASSERT_EQ(summary->failures.size(), 1u);
  EXPECT_EQ(summary->failures[0].model.ToString(), "silver.positive");
  EXPECT_EQ(Names(summary->failures[0].skipped_descendants),
            (std::vector<std::string>{"gold.positive_total", "gold.report"}));
  std::string text = summary->ToText();
  EXPECT_NE(text.find("silver.positive failed; skipped because of it: gold.positive_total, "
                      "gold.report"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("is_positive"), std::string::npos) << text;
  EXPECT_NE(text.find("sync: FAILED"), std::string::npos) << text;

  ModelSet fixed = Models("SELECT n FROM ref('bronze.numbers') WHERE n > 0\n");
  auto again = RunSync(Options(fixed));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->ok()) << again->ToText();
  EXPECT_EQ(again->models_run, 3);        // silver.positive and the two it had kept back
  EXPECT_EQ(again->models_unchanged, 2);  // silver.all_numbers, gold.count
  // gold.report: total 1 + 3 = 4, small and even.
  EXPECT_EQ(again->expectations.size(), 0u) << again->ToText();
}

// --only gold runs the gold models only; --models narrows further; counts per expectation come
// from ops.dq_result of this run.
TEST_F(RunSyncTest, StagesAndSelectorsNarrowTheModelsAndExpectationsAreCounted) {
  ModelSet models = Models("SELECT n + 11 AS n FROM ref('bronze.numbers')\n");
  SyncOptions silver = Options(models);
  silver.stages = {SyncStage::kSilver};
  auto first = RunSync(silver);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->models_run, 2) << first->ToText();
  EXPECT_FALSE(catalog_->Table({"gold", "count"}).Exists());

  SyncOptions gold = Options(models);
  gold.stages = {SyncStage::kGold};
  gold.models = {"gold.positive_total+"};  // positive_total and report, not count
  auto second = RunSync(gold);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->ok()) << second->ToText();
  EXPECT_EQ(second->models_run, 1) << second->ToText();  // report has no gold.count yet
  EXPECT_EQ(second->models_missing_input, 1) << second->ToText();
  EXPECT_FALSE(catalog_->Table({"gold", "count"}).Exists());

  gold.models = {};
  auto third = RunSync(gold);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  // total = 12 + 9 + 14 = 35: not small (warned), not even (quarantined).
  EXPECT_EQ(third->models_run, 2) << third->ToText();  // gold.count, gold.report
  EXPECT_EQ(third->models_unchanged, 1) << third->ToText();
  EXPECT_EQ(third->rows_quarantined, 1);
  ASSERT_EQ(third->expectations.size(), 2u) << third->ToText();
  EXPECT_EQ(third->expectations[0].expectation, "even");
  EXPECT_EQ(third->expectations[0].action, "quarantine");
  EXPECT_EQ(third->expectations[1].expectation, "small");
  EXPECT_EQ(third->expectations[1].rows, 1);
  EXPECT_NE(third->ToText().find("quarantine gold.report: 1 rows even"), std::string::npos)
      << third->ToText();
}

// Absent is empty: a bronze table the source did not deliver (constants here) is read as an
// empty table with the extractor's columns and its models run; an essential one (data values) that
// is missing skips its models, the summary says how to get it, and with no gold model built the
// sync is not ok. Once data values arrive, the same models reach gold.
TEST_F(RunSyncTest, AbsentInputsAreEmptyAndAMissingEssentialOneFailsTheSync) {
  auto models = ModelSet::LoadMap({
      {"silver/constant_count.sql",
       "-- materialized: table\nSELECT count(*) AS constants, count(\"lastUpdated\") AS dated "
       "FROM ref('bronze.metadata_constant')\n"},
      {"silver/values.sql",
       "-- materialized: table\nSELECT CAST(value AS INTEGER) AS v FROM "
       "ref('bronze.data_value')\n"},
      {"gold/total.sql",
       "-- materialized: table\nSELECT sum(v) AS total FROM ref('silver.values')\n"},
  });
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  auto first = RunSync(Options(*models));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string text = first->ToText();
  EXPECT_FALSE(first->ok()) << text;
  EXPECT_EQ(first->models_run, 1) << text;            // silver.constant_count, on no constants
  EXPECT_EQ(first->models_missing_input, 2) << text;  // silver.values, gold.total
  EXPECT_EQ(Names(first->empty_inputs), std::vector<std::string>{"bronze.metadata_constant"});
  EXPECT_NE(text.find("empty inputs (not in the source; the models ran without them): "
                      "bronze.metadata_constant"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("silver.values"), std::string::npos) << text;
  EXPECT_NE(text.find("needs bronze.data_value: no data values reached bronze: put DHIS2 "
                      "dataValueSets exports"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("needs silver.values, not built: needs bronze.data_value"), std::string::npos)
      << text;
  EXPECT_NE(text.find("nothing reached gold"), std::string::npos) << text;
  EXPECT_NE(text.find("sync: FAILED"), std::string::npos) << text;
  ASSERT_TRUE(catalog_->Register(*connection_, {"silver", "constant_count"}).ok());
  auto counted = connection_->Query("SELECT constants, dated FROM silver.constant_count");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  ASSERT_EQ(counted->row_count(), 1u);
  EXPECT_EQ(counted->GetInt64(0, 0), 0);
  EXPECT_EQ(counted->GetInt64(1, 0), 0);

  auto written =
      catalog_->Table({"bronze", "data_value"})
          .Write(*connection_, "SELECT CAST(v AS VARCHAR) AS value FROM (VALUES (4), (5)) AS t(v)",
                 {});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto second = RunSync(Options(*models));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->ok()) << second->ToText();
  EXPECT_EQ(second->models_run, 2) << second->ToText();  // silver.values, gold.total
  EXPECT_EQ(second->models_unchanged, 1) << second->ToText();
  ASSERT_TRUE(catalog_->Register(*connection_, {"gold", "total"}).ok());
  auto total = connection_->Query("SELECT total FROM gold.total");
  ASSERT_TRUE(total.ok()) << total.status().ToString();
  EXPECT_EQ(total->GetInt64(0, 0), 9);
}

// An interrupted export-folder run left its clear-text copies of the folder's files in _landing:
// the next extraction (of any source) deletes them first and keeps the plan (resuming that run
// copies the files again).
TEST_F(RunSyncTest, AnExtractionFirstDeletesTheCopiesOfAnInterruptedExportRun) {
  const std::filesystem::path run = LakeDir() / "_landing" / "export" / "interrupted";
  std::filesystem::create_directories(run);
  source::ExtractionPlan interrupted;
  interrupted.run_id = "interrupted";
  interrupted.resource = "export";
  interrupted.source = "folder:" + (LakeDir() / "gone").string();
  ASSERT_TRUE(source::WriteFileAtomically((run / "plan.json").string(), interrupted.ToJson()).ok());
  ASSERT_TRUE(
      source::WriteFileAtomically((run / "0123abcd.json").string(),
                                  R"({"trackedEntities": [{"attributes": [{"value": "John"}]}]})")
          .ok());
  const std::filesystem::path folder =
      LakeDir().parent_path() / (LakeDir().filename().string() + "_export");
  std::filesystem::create_directories(folder);
  std::filesystem::copy_file(std::string(DHL_SOURCE_DIR) +
                                 "/tests/data/source/dhis2-core/"
                                 "dhis-test-e2e__tracker__importer__events__events.json",
                             folder / "events.json");
  SyncOptions options;
  options.lake_dir = LakeDir().string();
  options.stages = {SyncStage::kExtract};
  options.source = folder.string();
  options.secrets.hash_key = std::string(64, 'a');
  options.progress = false;
  auto summary = RunSync(options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(run / "0123abcd.json"));
  EXPECT_TRUE(std::filesystem::exists(run / "plan.json"));
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace dhl::pipeline
