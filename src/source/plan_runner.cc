#include "source/plan_runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

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
#include "base/hash.h"
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
  // Every chunk a snapshot and none committed yet: its delivery is fingerprinted (and recorded
  // once committed); `may_skip` unless the plan appends unchanged content (`sync --full`).
  bool snapshot = false;
  bool may_skip = false;
};

// SHA-256 of the files' bytes after decompression, one after another, read in pieces.
Result<std::string> LandedContentHash(const std::vector<std::string>& files) {
  Sha256 hasher;
  for (const std::string& file : files) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return IoError("cannot open " + file);
    }
    Status read = ReadMaybeGzippedPieces(fd, file, [&](std::string_view piece) {
      hasher.Update(piece);
      return Status::Ok();
    });
    ::close(fd);
    DHL_RETURN_IF_ERROR(read);
    // The file boundary belongs to the content: the same bytes paged otherwise differ.
    hasher.Update(fmt::format("\n{}\n", file.substr(file.find_last_of('/') + 1)));
  }
  return hasher.FinishHex();
}

// The fingerprint of a snapshot plan's delivery: each chunk's table, request and content hash, in
// plan order (`hashes[i]` is chunk i's).
std::string DeliveryFingerprint(const ExtractionPlan& plan,
                                const std::vector<std::string>& hashes) {
  Sha256 hasher;
  for (size_t i = 0; i < plan.chunks.size(); ++i) {
    const Chunk& chunk = plan.chunks[i];
    hasher.Update(fmt::format("{}\t{}\t{}", chunk.table, chunk.path, chunk.file));
    for (const auto& [name, value] : chunk.params) {
      hasher.Update(fmt::format("\t{}={}", name, value));
    }
    hasher.Update(fmt::format("\t{}\n", hashes[i]));
  }
  return hasher.FinishHex();
}

// The delivery of `plan` as bronze holds it now: its fingerprint and its tables' versions.
Result<SnapshotDelivery> CurrentDelivery(const ExtractionPlan& plan,
                                         const std::vector<std::string>& hashes,
                                         BronzeWriter& writer, int64_t records) {
  SnapshotDelivery delivery;
  delivery.fingerprint = DeliveryFingerprint(plan, hashes);
  delivery.records = records;
  for (const Chunk& chunk : plan.chunks) {
    if (delivery.versions.count(chunk.table) == 0) {
      DHL_ASSIGN_OR_RETURN(delivery.versions[chunk.table], writer.TableVersion(chunk.table));
    }
  }
  return delivery;
}

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
    state.snapshot = !plan.chunks.empty() && state.pending.size() == plan.chunks.size() &&
                     std::all_of(plan.chunks.begin(), plan.chunks.end(),
                                 [](const Chunk& chunk) { return chunk.snapshot; });
    state.may_skip = state.snapshot && !plan.append_unchanged;
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
  // A plan that may be skipped downloads whole before its first commit: its window is all of it.
  auto plan_with_room = [&] {
    for (size_t p = 0; p < runs.size(); ++p) {
      size_t end = states[p].begin + states[p].pending.size();
      size_t window =
          states[p].may_skip ? std::max(lookahead, states[p].pending.size()) : lookahead;
      if (next_in_plan[p] < end &&
          next_in_plan[p] < std::max(commit_index, states[p].begin) + window) {
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
      const Chunk& chunk = runs[item.plan].plan->chunks[item.chunk];
      Result<FetchedChunk> fetched = fetch(chunk, states[item.plan].directory, worker_index);
      if (fetched.ok() && states[item.plan].snapshot) {
        Result<std::string> hash = LandedContentHash(fetched->files);
        if (hash.ok()) {
          fetched->content_hash = std::move(*hash);
        } else {
          fetched = hash.status();
        }
      }
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

  // Waits for every chunk of a snapshot plan that may be skipped and fills `hashes`; true when
  // its delivery equals the last committed one (then its results are dropped, nothing appended),
  // false when it differs. A failed chunk fails the plan before anything of it is committed: a
  // plan resumed whole may still be found unchanged, one resumed after some commits may not.
  auto skip_unchanged = [&](const ExtractionPlan& plan, PlanState& state,
                            std::vector<std::string>& hashes) -> Result<bool> {
    const size_t plan_end = state.begin + state.pending.size();
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] {
        for (size_t at = state.begin; at < plan_end; ++at) {
          if (!results[at].has_value()) {
            return false;
          }
        }
        return true;
      });
      for (size_t at = state.begin; at < plan_end; ++at) {
        if (!results[at]->ok()) {
          return results[at]->status().WithContext("chunk " + plan.chunks[items[at].chunk].id);
        }
        hashes[items[at].chunk] = (*results[at])->content_hash;
      }
    }
    DHL_ASSIGN_OR_RETURN(SnapshotDelivery now, CurrentDelivery(plan, hashes, writer, 0));
    std::optional<SnapshotDelivery> last = watermarks.LastDelivery(plan.resource);
    if (!last || last->fingerprint != now.fingerprint || last->versions != now.versions) {
      return false;
    }
    {
      std::lock_guard lock(mutex);
      for (size_t at = state.begin; at < plan_end; ++at) {
        state.stats.bytes += (*results[at])->bytes;
        results[at].reset();
      }
    }
    state.stats.chunks_unchanged = static_cast<int64_t>(state.pending.size());
    state.stats.records_unchanged = last->records;
    LogInfo("extract: {} unchanged since its last delivery ({} chunks, {} records): not appended",
            plan.resource, state.pending.size(), last->records);
    return true;
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
    // A snapshot plan's content hashes, by chunk (every chunk is pending).
    std::vector<std::string> hashes(state.snapshot ? plan.chunks.size() : 0);
    size_t index = state.begin;
    if (state.may_skip) {
      Result<bool> unchanged = skip_unchanged(plan, state, hashes);
      if (!unchanged.ok()) {
        failure = unchanged.status();
        break;
      }
      if (*unchanged) {
        index = plan_end;
        {
          std::lock_guard lock(mutex);
          commit_index = index;
        }
        changed.notify_all();
        if (progress) {
          progress->Add(static_cast<int64_t>(state.pending.size()), state.stats.bytes);
        }
      }
    }
    // Commits in plan order, one batch at a time: the next chunk (waited for) plus the chunks
    // after it that have already arrived, of the same plan, table and format, up to the limits.
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
          if (state.snapshot) {
            hashes[items[at].chunk] = fetched->content_hash;
          }
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
    if (state.snapshot && state.stats.chunks_unchanged == 0) {
      // Committed: this delivery is now the last one (recorded after the commits, never before).
      Result<SnapshotDelivery> delivery =
          CurrentDelivery(plan, hashes, writer, state.stats.records);
      failure =
          delivery.ok() ? watermarks.RecordDelivery(plan.resource, *delivery) : delivery.status();
      if (!failure.ok()) {
        break;
      }
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
                                     stats.chunks_unchanged, stats.records_unchanged, stats.records,
                                     stats.bytes, runs[p].resumed, seconds});
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
