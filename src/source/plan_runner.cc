#include "source/plan_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "base/logging.h"
#include "base/progress.h"
#include "source/landing_file.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDoneMarker = "done";

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return IoError("cannot read " + path);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::string PlanDirectory(const std::string& lake_dir, const ExtractionPlan& plan) {
  return lake_dir + "/_landing/" + plan.resource + "/" + plan.run_id;
}

Status SavePlan(const std::string& lake_dir, const ExtractionPlan& plan) {
  return WriteFileAtomically(PlanDirectory(lake_dir, plan) + "/plan.json", plan.ToJson());
}

Result<std::vector<ExtractionPlan>> UnfinishedPlans(const std::string& lake_dir) {
  std::vector<ExtractionPlan> plans;
  fs::path landing = fs::path(lake_dir) / "_landing";
  std::error_code error;
  if (!fs::is_directory(landing, error)) {
    return plans;
  }
  for (const auto& resource : fs::directory_iterator(landing, error)) {
    if (!resource.is_directory()) {
      continue;
    }
    for (const auto& run : fs::directory_iterator(resource.path(), error)) {
      fs::path plan_file = run.path() / "plan.json";
      if (!fs::exists(plan_file) || fs::exists(run.path() / kDoneMarker)) {
        continue;
      }
      DHL_ASSIGN_OR_RETURN(std::string text, ReadText(plan_file.string()));
      DHL_ASSIGN_OR_RETURN(ExtractionPlan plan, ExtractionPlan::FromJson(text, plan_file.string()));
      plans.push_back(std::move(plan));
    }
  }
  std::sort(plans.begin(), plans.end(), [](const ExtractionPlan& a, const ExtractionPlan& b) {
    return a.created_at < b.created_at;
  });
  return plans;
}

void ExpireLanding(const std::string& lake_dir, int days) {
  fs::path landing = fs::path(lake_dir) / "_landing";
  std::error_code error;
  if (!fs::is_directory(landing, error)) {
    return;
  }
  auto limit = fs::file_time_type::clock::now() - std::chrono::hours(24 * days);
  for (const auto& resource : fs::directory_iterator(landing, error)) {
    if (!resource.is_directory()) {
      continue;
    }
    for (const auto& run : fs::directory_iterator(resource.path(), error)) {
      fs::path marker = run.path() / kDoneMarker;
      if (fs::exists(marker) && fs::last_write_time(marker, error) < limit) {
        fs::remove_all(run.path(), error);
        LogInfo("landing: expired {}", run.path().string());
      }
    }
  }
}

Result<PlanRunStats> RunPlan(const std::string& lake_dir, const ExtractionPlan& plan,
                             BronzeWriter& writer, WatermarkStore& watermarks,
                             const ChunkFetcher& fetch, const PersonalDataHasher* hasher,
                             const PlanRunnerOptions& options) {
  PlanRunStats stats;
  std::string directory = PlanDirectory(lake_dir, plan);
  // Which chunks are already in bronze: each table's txn version for this run.
  std::map<std::string, int64_t> committed;
  std::vector<size_t> pending;
  for (size_t i = 0; i < plan.chunks.size(); ++i) {
    const Chunk& chunk = plan.chunks[i];
    if (committed.count(chunk.table) == 0) {
      DHL_ASSIGN_OR_RETURN(committed[chunk.table],
                           writer.CommittedSequence(chunk.table, plan.run_id));
    }
    if (chunk.sequence <= committed[chunk.table]) {
      ++stats.chunks_skipped;
    } else {
      pending.push_back(i);
    }
  }
  ProgressOptions progress_options;
  progress_options.label = "extract " + plan.resource;
  progress_options.total = static_cast<int64_t>(pending.size());
  progress_options.unit = "chunks";
  if (!options.show_progress) {
    progress_options.out = nullptr;
  }
  std::optional<Progress> progress;
  if (options.show_progress) {
    progress.emplace(progress_options);
  }

  const size_t lookahead = static_cast<size_t>(std::max(1, options.concurrency)) * 4;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<Result<FetchedChunk>>> results(pending.size());
  size_t next = 0;
  size_t commit_index = 0;
  bool stop = false;

  auto worker = [&](int worker_index) {
    while (true) {
      size_t index;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] {
          return stop || next >= pending.size() || next < commit_index + lookahead;
        });
        if (stop || next >= pending.size()) {
          return;
        }
        index = next++;
      }
      Result<FetchedChunk> fetched = fetch(plan.chunks[pending[index]], directory, worker_index);
      {
        std::lock_guard lock(mutex);
        results[index] = std::move(fetched);
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  int thread_count =
      std::max(1, std::min<int>(options.concurrency, static_cast<int>(pending.size())));
  if (pending.empty()) {
    thread_count = 0;
  }
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back(worker, t);
  }
  Status failure;
  for (size_t index = 0; index < pending.size(); ++index) {
    std::optional<Result<FetchedChunk>> fetched;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return results[index].has_value(); });
      fetched = std::move(results[index]);
      results[index].reset();
    }
    const Chunk& chunk = plan.chunks[pending[index]];
    if (!fetched->ok()) {
      failure = fetched->status().WithContext("chunk " + chunk.id);
      break;
    }
    Result<BatchResult> batch = writer.Commit(plan, chunk, (*fetched)->files, hasher);
    if (!batch.ok()) {
      failure = batch.status().WithContext("chunk " + chunk.id + " (commit to bronze." +
                                           chunk.table + ")");
      break;
    }
    stats.chunks += 1;
    stats.records += batch->records;
    stats.bytes += (*fetched)->bytes;
    if (progress) {
      progress->Add(1, (*fetched)->bytes);
    }
    {
      std::lock_guard lock(mutex);
      commit_index = index + 1;
    }
    changed.notify_all();
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
  }
  changed.notify_all();
  for (std::thread& thread : threads) {
    thread.join();
  }
  if (progress) {
    progress->Finish();
  }
  if (!failure.ok()) {
    return failure;
  }
  DHL_RETURN_IF_ERROR(watermarks.Record(plan));
  if (options.delete_landing_when_done) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
      if (entry.path().filename() != "plan.json") {
        fs::remove(entry.path(), error);
      }
    }
  }
  DHL_RETURN_IF_ERROR(WriteFileAtomically(directory + "/" + kDoneMarker, plan.run_id + "\n"));
  return stats;
}

}  // namespace dhl::source
