#include "source/plan_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "base/logging.h"
#include "base/progress.h"
#include "source/landing_file.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDoneMarker = "done";
// A commit to bronze holds at most this many consecutive chunks, or about this many landed bytes:
// few enough that an interrupted run loses little, many enough that bronze gets files of a useful
// size and the log one commit per batch rather than per chunk.
constexpr size_t kMaxBatchChunks = 64;
constexpr int64_t kMaxBatchLandedBytes = int64_t{256} << 20;

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
      DHL_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(plan_file.string()));
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

  // Downloads may run this far ahead of the commits (their files stay in _landing until the run
  // expires anyway), which lets commits batch the chunks that arrived meanwhile.
  const size_t lookahead =
      std::max(kMaxBatchChunks, static_cast<size_t>(std::max(1, options.concurrency)) * 4);
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
  // Commits in plan order, one batch at a time: the next chunk (waited for) plus the chunks after
  // it that have already arrived, of the same table and format, up to the batch limits.
  size_t index = 0;
  while (index < pending.size()) {
    std::vector<BronzeWriter::ChunkFiles> batch;
    int64_t batch_bytes = 0;
    int64_t downloaded = 0;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return results[index].has_value(); });
      for (size_t at = index; at < pending.size() && batch.size() < kMaxBatchChunks &&
                              batch_bytes < kMaxBatchLandedBytes && results[at].has_value();
           ++at) {
        const Chunk& chunk = plan.chunks[pending[at]];
        const Result<FetchedChunk>& fetched = *results[at];
        if (!fetched.ok()) {
          if (batch.empty()) {
            failure = fetched.status().WithContext("chunk " + chunk.id);
          }
          break;
        }
        if (!batch.empty() && (chunk.table != batch.front().chunk->table ||
                               chunk.format != batch.front().chunk->format)) {
          break;
        }
        batch.push_back({&chunk, fetched->files});
        downloaded += fetched->bytes;
        for (const std::string& file : fetched->files) {
          std::error_code error;
          uintmax_t size = fs::file_size(file, error);
          batch_bytes += error ? 0 : static_cast<int64_t>(size);
        }
        results[at].reset();
      }
    }
    if (!failure.ok()) {
      break;
    }
    Result<BatchResult> written = writer.CommitBatch(plan, batch, hasher);
    if (!written.ok()) {
      std::string chunks =
          batch.size() == 1 ? "chunk " + batch.front().chunk->id
                            : "chunks " + batch.front().chunk->id + " .. " + batch.back().chunk->id;
      failure = written.status().WithContext(chunks + " (commit to bronze." +
                                             batch.front().chunk->table + ")");
      break;
    }
    stats.chunks += static_cast<int64_t>(batch.size());
    stats.records += written->records;
    stats.bytes += downloaded;
    if (progress) {
      progress->Add(static_cast<int64_t>(batch.size()), downloaded);
    }
    index += batch.size();
    {
      std::lock_guard lock(mutex);
      commit_index = index;
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

Status RunPlanInto(ExtractSummary& summary, const std::string& lake_dir, const ExtractionPlan& plan,
                   BronzeWriter& writer, WatermarkStore& watermarks, const ChunkFetcher& fetch,
                   const PersonalDataHasher* hasher, const PlanRunnerOptions& options,
                   bool resumed) {
  auto started = std::chrono::steady_clock::now();
  DHL_ASSIGN_OR_RETURN(PlanRunStats stats,
                       RunPlan(lake_dir, plan, writer, watermarks, fetch, hasher, options));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.resources.push_back({plan.resource, plan.run_id, stats.chunks, stats.chunks_skipped,
                               stats.records, stats.bytes, resumed, seconds});
  return Status::Ok();
}

}  // namespace dhl::source
