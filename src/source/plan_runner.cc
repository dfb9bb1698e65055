#include "source/plan_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
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

namespace {

// Per plan of RunPlansInto: what is still to commit and what was done.
struct PlanState {
  std::string directory;
  std::vector<size_t> pending;  // indexes into plan.chunks, in plan order
  size_t begin = 0;             // its first entry in the shared download order
  PlanRunStats stats;
};

// The shared engine of RunPlan and RunPlansInto. `finished(p, stats)` is called on the calling
// thread once plan `p` is done (watermark recorded, done marker written).
Status RunPlansShared(const std::string& lake_dir, const std::vector<PlanToRun>& runs,
                      BronzeWriter& writer, WatermarkStore& watermarks, const ChunkFetcher& fetch,
                      const PersonalDataHasher* hasher, const PlanRunnerOptions& options,
                      const std::function<void(size_t, const PlanRunStats&)>& finished) {
  // The download order: every pending chunk of the first plan, then of the second, and so on.
  struct Item {
    size_t plan;
    size_t chunk;
  };
  std::vector<Item> items;
  std::vector<PlanState> states(runs.size());
  for (size_t p = 0; p < runs.size(); ++p) {
    const ExtractionPlan& plan = *runs[p].plan;
    PlanState& state = states[p];
    state.directory = PlanDirectory(lake_dir, plan);
    state.begin = items.size();
    // Which chunks are already in bronze: each table's txn version for this run.
    std::map<std::string, int64_t> committed;
    for (size_t i = 0; i < plan.chunks.size(); ++i) {
      const Chunk& chunk = plan.chunks[i];
      if (committed.count(chunk.table) == 0) {
        DHL_ASSIGN_OR_RETURN(committed[chunk.table],
                             writer.CommittedSequence(chunk.table, plan.run_id));
      }
      if (chunk.sequence <= committed[chunk.table]) {
        ++state.stats.chunks_skipped;
      } else {
        state.pending.push_back(i);
        items.push_back({p, i});
      }
    }
  }

  // Each plan's downloads may run this far ahead of its commits (their files stay in _landing
  // until the run expires anyway), which lets commits batch the chunks that arrived meanwhile. A
  // later plan's window starts at its first chunk, so its first chunks download while the earlier
  // plans commit: a plan whose chunks are slow to come (tracker pages) does not start only once
  // the plans before it are done. Workers take the earliest chunk whose plan window has room.
  const size_t lookahead =
      std::max(kMaxBatchChunks, static_cast<size_t>(std::max(1, options.concurrency)) * 4);
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<Result<FetchedChunk>>> results(items.size());
  std::vector<size_t> next_in_plan;  // each plan's next chunk to download (an index into items)
  for (const PlanState& state : states) {
    next_in_plan.push_back(state.begin);
  }
  size_t taken = 0;
  size_t commit_index = 0;  // the next chunk to commit (an index into items)
  bool stop = false;
  // The plan whose next chunk may download now (the mutex held), or runs.size().
  auto plan_with_room = [&] {
    for (size_t p = 0; p < runs.size(); ++p) {
      size_t end = states[p].begin + states[p].pending.size();
      if (next_in_plan[p] < end &&
          next_in_plan[p] < std::max(commit_index, states[p].begin) + lookahead) {
        return p;
      }
    }
    return runs.size();
  };

  auto worker = [&](int worker_index) {
    while (true) {
      size_t index;
      {
        std::unique_lock lock(mutex);
        size_t plan = runs.size();
        changed.wait(lock, [&] {
          if (stop || taken >= items.size()) {
            return true;
          }
          plan = plan_with_room();
          return plan < runs.size();
        });
        if (stop || taken >= items.size()) {
          return;
        }
        index = next_in_plan[plan]++;
        ++taken;
      }
      const Item& item = items[index];
      Result<FetchedChunk> fetched = fetch(runs[item.plan].plan->chunks[item.chunk],
                                           states[item.plan].directory, worker_index);
      {
        std::lock_guard lock(mutex);
        results[index] = std::move(fetched);
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  int thread_count =
      items.empty()
          ? 0
          : std::max(1, std::min<int>(options.concurrency, static_cast<int>(items.size())));
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back(worker, t);
  }
  auto stop_workers = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    for (std::thread& thread : threads) {
      thread.join();
    }
    threads.clear();
  };

  Status failure;
  for (size_t p = 0; p < runs.size() && failure.ok(); ++p) {
    const ExtractionPlan& plan = *runs[p].plan;
    PlanState& state = states[p];
    const size_t plan_end = state.begin + state.pending.size();
    ProgressOptions progress_options;
    progress_options.label = "extract " + plan.resource;
    progress_options.total = static_cast<int64_t>(state.pending.size());
    progress_options.unit = "chunks";
    std::optional<Progress> progress;
    if (options.show_progress) {
      progress.emplace(progress_options);
    }
    // Commits in plan order, one batch at a time: the next chunk (waited for) plus the chunks
    // after it that have already arrived, of the same plan, table and format, up to the limits.
    size_t index = state.begin;
    while (index < plan_end) {
      std::vector<BronzeWriter::ChunkFiles> batch;
      int64_t batch_bytes = 0;
      int64_t downloaded = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return results[index].has_value(); });
        for (size_t at = index; at < plan_end && batch.size() < kMaxBatchChunks &&
                                batch_bytes < kMaxBatchLandedBytes && results[at].has_value();
             ++at) {
          const Chunk& chunk = plan.chunks[items[at].chunk];
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
        std::string chunks = batch.size() == 1 ? "chunk " + batch.front().chunk->id
                                               : "chunks " + batch.front().chunk->id + " .. " +
                                                     batch.back().chunk->id;
        failure = written.status().WithContext(chunks + " (commit to bronze." +
                                               batch.front().chunk->table + ")");
        break;
      }
      state.stats.chunks += static_cast<int64_t>(batch.size());
      state.stats.records += written->records;
      state.stats.bytes += downloaded;
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
    if (progress) {
      progress->Finish();
    }
    if (!failure.ok()) {
      break;
    }
    // The plan is in bronze: its watermark, then its done marker. The next plan's downloads go
    // on meanwhile, in their own folders.
    failure = watermarks.Record(plan);
    if (!failure.ok()) {
      break;
    }
    if (runs[p].delete_landing_when_done) {
      std::error_code error;
      for (const auto& entry : fs::directory_iterator(state.directory, error)) {
        if (entry.path().filename() != "plan.json") {
          fs::remove(entry.path(), error);
        }
      }
    }
    failure = WriteFileAtomically(state.directory + "/" + kDoneMarker, plan.run_id + "\n");
    if (failure.ok() && finished) {
      finished(p, state.stats);
    }
  }
  stop_workers();
  return failure;
}

}  // namespace

Result<PlanRunStats> RunPlan(const std::string& lake_dir, const ExtractionPlan& plan,
                             BronzeWriter& writer, WatermarkStore& watermarks,
                             const ChunkFetcher& fetch, const PersonalDataHasher* hasher,
                             const PlanRunnerOptions& options) {
  PlanRunStats stats;
  DHL_RETURN_IF_ERROR(RunPlansShared(
      lake_dir, {PlanToRun{&plan, options.delete_landing_when_done, false}}, writer, watermarks,
      fetch, hasher, options, [&](size_t, const PlanRunStats& done) { stats = done; }));
  return stats;
}

Status RunPlansInto(ExtractSummary& summary, const std::string& lake_dir,
                    const std::vector<PlanToRun>& runs, BronzeWriter& writer,
                    WatermarkStore& watermarks, const ChunkFetcher& fetch,
                    const PersonalDataHasher* hasher, const PlanRunnerOptions& options) {
  auto since = std::chrono::steady_clock::now();
  return RunPlansShared(
      lake_dir, runs, writer, watermarks, fetch, hasher, options,
      [&](size_t p, const PlanRunStats& stats) {
        auto now = std::chrono::steady_clock::now();
        double seconds = std::chrono::duration<double>(now - since).count();
        since = now;
        const ExtractionPlan& plan = *runs[p].plan;
        summary.resources.push_back({plan.resource, plan.run_id, stats.chunks, stats.chunks_skipped,
                                     stats.records, stats.bytes, runs[p].resumed, seconds});
      });
}

Status RunPlanInto(ExtractSummary& summary, const std::string& lake_dir, const ExtractionPlan& plan,
                   BronzeWriter& writer, WatermarkStore& watermarks, const ChunkFetcher& fetch,
                   const PersonalDataHasher* hasher, const PlanRunnerOptions& options,
                   bool resumed) {
  return RunPlansInto(summary, lake_dir,
                      {PlanToRun{&plan, options.delete_landing_when_done, resumed}}, writer,
                      watermarks, fetch, hasher, options);
}

}  // namespace dhl::source
