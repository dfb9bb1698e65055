// RunPlansInto: several plans as one pipeline (the next plan downloads while the previous one
// commits), commits and watermarks plan after plan, and a failure that leaves the later plans
// resumable.
#include "source/plan_runner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/file.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "source/landing_file.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("dhl_plan_runner_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A plan of `chunks` min-max chunks (resource "min_max_data_element") or registration chunks.
ExtractionPlan TestPlan(const std::string& resource, const std::string& table,
                        const std::string& records_key, int chunks) {
  ExtractionPlan plan;
  plan.run_id = "run-" + resource;
  plan.resource = resource;
  plan.source = "http://test";
  plan.server_time_zone = "Etc/UTC";
  plan.watermark = "2024-07-26T12:00:00.000Z";
  plan.created_at = "2024-07-26T12:00:00.000Z";
  for (int i = 1; i <= chunks; ++i) {
    Chunk chunk;
    chunk.sequence = i;
    chunk.id = fmt::format("{}/{:06d}", resource, i);
    chunk.table = table;
    chunk.records_key = records_key;
    plan.chunks.push_back(chunk);
  }
  return plan;
}

// One record per chunk: a min-max range of data element "de<sequence>", or a registration of
// period "20240<sequence>".
std::string ChunkBody(const Chunk& chunk) {
  if (chunk.table == "min_max_data_element") {
    return fmt::format(
        R"({{"minMaxDataElements":[{{"source":"ou1","dataElement":"de{}","optionCombo":"coc",)"
        R"("min":"1","max":"9","generated":false}}]}})",
        chunk.sequence);
  }
  return fmt::format(
      R"({{"completeDataSetRegistrations":[{{"period":"20240{}","dataSet":"ds","organisationUnit":)"
      R"("ou1","attributeOptionCombo":"aoc","date":"2024-07-01T00:00:00.000","completed":true}}]}})",
      chunk.sequence);
}

// What a fetcher lands for `chunk`: ChunkBody in <directory>/<sequence>.json.
Result<FetchedChunk> Land(const Chunk& chunk, const std::string& directory) {
  FetchedChunk fetched;
  fetched.files.push_back(fmt::format("{}/{:06d}.json", directory, chunk.sequence));
  DHL_RETURN_IF_ERROR(WriteFileAtomically(fetched.files.back(), ChunkBody(chunk)));
  fetched.bytes = 1;
  return fetched;
}

class PlanRunnerTest : public ::testing::Test {
 protected:
  PlanRunnerTest()
      : lake_(TempDir("lake")),
        database_(engine::Database::Open().value()),
        connection_(database_.Connect().value()),
        catalog_(lake_.string()),
        writer_(connection_, catalog_, clock_),
        watermarks_(connection_, catalog_, clock_) {}
  ~PlanRunnerTest() override { fs::remove_all(lake_); }

  int64_t Count(const std::string& table) {
    auto registered = catalog_.RegisterAll(connection_);
    EXPECT_TRUE(registered.ok()) << registered.status().ToString();
    auto result = connection_.Query("SELECT count(*) FROM bronze." + table);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->GetInt64(0, 0).value_or(-1) : -1;
  }

  // A min-max plan of `ranges` chunks and a registration plan of `registrations`, saved.
  std::pair<ExtractionPlan, ExtractionPlan> SavedPlans(int ranges, int registrations) {
    std::pair<ExtractionPlan, ExtractionPlan> plans = {
        TestPlan("min_max_data_element", "min_max_data_element", "minMaxDataElements", ranges),
        TestPlan("complete_registration", "complete_registration", "completeDataSetRegistrations",
                 registrations)};
    EXPECT_TRUE(SavePlan(lake_.string(), plans.first).ok());
    EXPECT_TRUE(SavePlan(lake_.string(), plans.second).ok());
    return plans;
  }

  Status Run(ExtractSummary& summary, const std::vector<PlanToRun>& runs, const ChunkFetcher& fetch,
             int concurrency) {
    PlanRunnerOptions options;
    options.concurrency = concurrency;
    options.show_progress = false;
    return RunPlansInto(summary, lake_.string(), runs, writer_, watermarks_, fetch, nullptr,
                        options);
  }

  fs::path lake_;
  FakeClock clock_{1721995200000};
  engine::Database database_;
  engine::Connection connection_;
  lake::LakeCatalog catalog_;
  BronzeWriter writer_;
  WatermarkStore watermarks_;
};

TEST_F(PlanRunnerTest, TheNextPlanDownloadsWhileThePreviousPlanIsStillRunning) {
  auto [ranges, registrations] = SavedPlans(70, 1);
  // The first plan's first chunk finishes downloading only once the second plan's chunk has
  // started (or after 10 s): run one plan after the other, or with one window of 64 chunks over
  // both plans (the first plan has 70), it could not have.
  std::mutex mutex;
  std::condition_variable started;
  bool second_plan_started = false;
  bool overlapped = false;
  ChunkFetcher fetch = [&](const Chunk& chunk, const std::string& directory,
                           int) -> Result<FetchedChunk> {
    if (chunk.table == "complete_registration") {
      std::lock_guard lock(mutex);
      second_plan_started = true;
      started.notify_all();
    } else if (chunk.sequence == 1) {
      std::unique_lock lock(mutex);
      overlapped =
          started.wait_for(lock, std::chrono::seconds(10), [&] { return second_plan_started; });
    }
    return Land(chunk, directory);
  };
  ExtractSummary summary;
  Status run = Run(summary, {{&ranges, false, false}, {&registrations, false, true}}, fetch, 2);
  ASSERT_TRUE(run.ok()) << run.ToString();
  EXPECT_TRUE(overlapped);
  EXPECT_EQ(Count("min_max_data_element"), 70);
  EXPECT_EQ(Count("complete_registration"), 1);
  // One summary line per plan, in plan order, each with its own chunks and records.
  ASSERT_EQ(summary.resources.size(), 2u);
  EXPECT_EQ(summary.resources[0].resource, "min_max_data_element");
  EXPECT_EQ(summary.resources[0].chunks, 70);
  EXPECT_EQ(summary.resources[0].records, 70);
  EXPECT_FALSE(summary.resources[0].resumed);
  EXPECT_EQ(summary.resources[1].resource, "complete_registration");
  EXPECT_EQ(summary.resources[1].chunks, 1);
  EXPECT_EQ(summary.resources[1].records, 1);
  EXPECT_TRUE(summary.resources[1].resumed);
  // Both done: watermarks recorded, nothing left to resume.
  for (const char* resource : {"min_max_data_element", "complete_registration"}) {
    auto since = watermarks_.Since(resource, "Etc/UTC", 0);
    ASSERT_TRUE(since.ok()) << since.status().ToString();
    EXPECT_EQ(since->value_or(""), "2024-07-26T12:00:00.000") << resource;
  }
  EXPECT_TRUE(UnfinishedPlans(lake_.string()).value().empty());
}

TEST_F(PlanRunnerTest, AFailureInALaterPlanLeavesTheEarlierDoneAndTheRestResumable) {
  auto [ranges, registrations] = SavedPlans(3, 3);
  bool fail = true;
  ChunkFetcher fetch = [&](const Chunk& chunk, const std::string& directory,
                           int) -> Result<FetchedChunk> {
    if (fail && chunk.id == "complete_registration/000002") {
      return IoError("HTTP 500");
    }
    return Land(chunk, directory);
  };
  ExtractSummary summary;
  Status run = Run(summary, {{&ranges, false, false}, {&registrations, false, false}}, fetch, 3);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.message().find("chunk complete_registration/000002"), std::string::npos)
      << run.ToString();
  // The first plan is done; of the second, only the chunk before the failed one is in bronze.
  EXPECT_EQ(Count("min_max_data_element"), 3);
  EXPECT_EQ(Count("complete_registration"), 1);
  ASSERT_EQ(summary.resources.size(), 1u);
  EXPECT_TRUE(watermarks_.Since("min_max_data_element", "Etc/UTC", 0).value().has_value());
  EXPECT_FALSE(watermarks_.Since("complete_registration", "Etc/UTC", 0).value().has_value());
  std::vector<ExtractionPlan> unfinished = UnfinishedPlans(lake_.string()).value();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(unfinished[0].resource, "complete_registration");
  // Resumed: the committed chunk is skipped, the other two land once.
  fail = false;
  ExtractSummary resumed;
  run = Run(resumed, {{&unfinished[0], false, true}}, fetch, 3);
  ASSERT_TRUE(run.ok()) << run.ToString();
  EXPECT_EQ(Count("complete_registration"), 3);
  ASSERT_EQ(resumed.resources.size(), 1u);
  EXPECT_EQ(resumed.resources[0].chunks_skipped, 1);
  EXPECT_EQ(resumed.resources[0].chunks, 2);
  EXPECT_TRUE(UnfinishedPlans(lake_.string()).value().empty());
}

// A snapshot plan (every chunk a snapshot) whose landed content equals the last committed delivery
// appends nothing; a chunk that fails fails it before anything is committed, so the plan resumed
// whole is still found unchanged; one changed chunk appends the whole plan again.
TEST_F(PlanRunnerTest, AnUnchangedSnapshotPlanIsNotAppendedAgain) {
  auto snapshot_plan = [&](const std::string& run_id) {
    ExtractionPlan plan = TestPlan("complete_registration", "complete_registration",
                                   "completeDataSetRegistrations", 3);
    plan.run_id = run_id;
    for (Chunk& chunk : plan.chunks) chunk.snapshot = true;
    EXPECT_TRUE(SavePlan(lake_.string(), plan).ok());
    return plan;
  };
  std::string changed_chunk;  // this chunk's body gets another period
  bool fail = false;
  ChunkFetcher fetch = [&](const Chunk& chunk, const std::string& directory,
                           int) -> Result<FetchedChunk> {
    if (fail && chunk.sequence == 3) {
      return IoError("HTTP 500");
    }
    Result<FetchedChunk> landed = Land(chunk, directory);
    if (landed.ok() && chunk.id == changed_chunk) {
      std::string body = ChunkBody(chunk);
      body.replace(body.find("20240"), 5, "20230");
      DHL_RETURN_IF_ERROR(WriteFileAtomically(landed->files.back(), body));
    }
    return landed;
  };
  auto run = [&](const ExtractionPlan& plan) {
    ExtractSummary summary;
    Status status = Run(summary, {{&plan, false, false}}, fetch, 2);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return summary.resources.empty() ? ResourceSummary() : summary.resources[0];
  };
  ExtractionPlan first = snapshot_plan("run-1");
  EXPECT_EQ(run(first).records, 3);
  ResourceSummary second = run(snapshot_plan("run-2"));
  EXPECT_EQ(second.chunks_unchanged, 3);
  EXPECT_EQ(second.records_unchanged, 3);
  EXPECT_EQ(second.records, 0);
  EXPECT_EQ(Count("complete_registration"), 3);

  fail = true;
  ExtractionPlan third = snapshot_plan("run-3");
  ExtractSummary failed;
  Status status = Run(failed, {{&third, false, false}}, fetch, 2);
  EXPECT_NE(status.ToString().find("chunk complete_registration/000003"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(Count("complete_registration"), 3);
  fail = false;
  std::vector<ExtractionPlan> unfinished = UnfinishedPlans(lake_.string()).value();
  ASSERT_EQ(unfinished.size(), 1u);
  EXPECT_EQ(run(unfinished[0]).chunks_unchanged, 3);
  EXPECT_EQ(Count("complete_registration"), 3);

  changed_chunk = "complete_registration/000002";
  ResourceSummary changed = run(snapshot_plan("run-4"));
  EXPECT_EQ(changed.chunks_unchanged, 0);
  EXPECT_EQ(changed.records, 3);
  EXPECT_EQ(Count("complete_registration"), 6);
  EXPECT_EQ(run(snapshot_plan("run-5")).chunks_unchanged, 3);
  // `--full` appends an unchanged plan.
  ExtractionPlan full = snapshot_plan("run-6");
  full.append_unchanged = true;
  EXPECT_EQ(run(full).records, 3);
  EXPECT_EQ(Count("complete_registration"), 9);
}

}  // namespace
}  // namespace dhl::source
