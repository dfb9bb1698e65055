// Runs a saved ExtractionPlan: downloads its chunks with bounded concurrency (several at once, in
// plan order, a bounded number of chunks ahead of the commits) and commits them to bronze strictly
// in plan order, consecutive chunks of a table that have arrived batched into one commit whose txn
// is the batch's last sequence, skipping chunks whose txn is already in bronze and reusing landing
// files of chunks that finished downloading before an interruption. On the first failure it stops
// issuing downloads, commits nothing past the failed chunk and returns an error naming the chunk;
// the plan stays in _landing, so the next run resumes it. When every chunk has committed it records
// the watermark and marks the plan done.
//
// Snapshot plans (every chunk a snapshot, extraction_plan.h: min-max ranges, registration windows)
// are re-fetched whole each run. The runner hashes each snapshot chunk's landed content (SHA-256
// of the bytes after decompression) and fingerprints the plan (every chunk's table, request and
// content hash, in order). When a plan nothing of which is committed yet downloads exactly what
// the last committed delivery of the same resource held (WatermarkStore::LastDelivery: the same
// fingerprint, and its bronze tables still at the versions recorded after that delivery), nothing
// of it is appended: it counts as unchanged. Whole plans, not chunks: silver.min_max takes the
// latest run's ranges as the current set, and a registration window skipped alone would have to
// be left out of the window chunk too (and stay left out on resume). Otherwise the plan commits
// as any other and its delivery is recorded after its last commit (before the watermark).
// `append_unchanged` plans (`sync --full`) are appended and recorded whatever their content.
//
// Thread use: Run is called on one thread; `fetch` runs on `concurrency` worker threads at once
// (each call gets its worker's index, so the caller can hand each worker its own HTTP client).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "source/bronze_writer.h"
#include "source/extract_summary.h"
#include "source/extraction_plan.h"
#include "source/watermark_store.h"

namespace dhl::source {

struct FetchedChunk {
  std::vector<std::string> files;  // landing (or export) files holding the chunk, in order
  int64_t bytes = 0;               // downloaded now (0 when reused)
  std::string content_hash;        // snapshot chunks: of the files' bytes (set by the runner)
};

// Downloads `chunk` into `directory` (the run's landing folder) using worker `worker`.
using ChunkFetcher = std::function<Result<FetchedChunk>(const Chunk& chunk,
                                                        const std::string& directory, int worker)>;

struct PlanRunStats {
  int64_t chunks = 0;             // chunks committed (or found empty) by this call
  int64_t chunks_skipped = 0;     // already committed before
  int64_t chunks_unchanged = 0;   // snapshot chunks equal to the last delivery: not appended
  int64_t records_unchanged = 0;  // the records of that delivery
  int64_t records = 0;
  int64_t bytes = 0;
};

struct PlanRunnerOptions {
  int concurrency = 4;
  bool show_progress = true;
  bool delete_landing_when_done = false;  // tracker pages unless the configuration keeps them
};

// The run folder of a plan: <lake>/_landing/<resource>/<run_id>.
std::string PlanDirectory(const std::string& lake_dir, const ExtractionPlan& plan);

// Saves plan.json into the plan's folder (atomically).
Status SavePlan(const std::string& lake_dir, const ExtractionPlan& plan);

// Plans under <lake>/_landing that have no `done` marker, oldest first.
Result<std::vector<ExtractionPlan>> UnfinishedPlans(const std::string& lake_dir);

// Deletes finished runs' folders under <lake>/_landing older than `days` days.
void ExpireLanding(const std::string& lake_dir, int days);

Result<PlanRunStats> RunPlan(const std::string& lake_dir, const ExtractionPlan& plan,
                             BronzeWriter& writer, WatermarkStore& watermarks,
                             const ChunkFetcher& fetch, const PersonalDataHasher* hasher,
                             const PlanRunnerOptions& options);

// One plan of RunPlansInto.
struct PlanToRun {
  const ExtractionPlan* plan = nullptr;
  bool delete_landing_when_done = false;  // tracker pages unless the configuration keeps them
  bool resumed = false;                   // for the summary line
};

// Runs several saved plans as one pipeline: their downloads share the workers, each plan at most
// a window of chunks ahead of its own commits (the earliest plan's chunks first), so that later
// plans download while earlier ones commit (a plan's tail no longer runs with one download at a
// time, and slow tracker pages no longer wait for the data values). Commits stay on the calling
// thread, plan after plan, each in plan order exactly as RunPlan's (BronzeWriter and
// WatermarkStore are used by that thread only); each plan's watermark and done marker are
// recorded when its last chunk has committed, and its line appended to `summary` then (its
// seconds: from the previous plan's end, or the start, to its own). On the first failure nothing
// more is committed: the plans before it are done, it and those after it stay resumable.
// `options.delete_landing_when_done` is ignored: each PlanToRun says.
Status RunPlansInto(ExtractSummary& summary, const std::string& lake_dir,
                    const std::vector<PlanToRun>& runs, BronzeWriter& writer,
                    WatermarkStore& watermarks, const ChunkFetcher& fetch,
                    const PersonalDataHasher* hasher, const PlanRunnerOptions& options);

// RunPlan, then the plan's line (resource, run, chunks, records, bytes, `resumed`) appended to
// `summary`: what every source does with each plan it runs.
Status RunPlanInto(ExtractSummary& summary, const std::string& lake_dir, const ExtractionPlan& plan,
                   BronzeWriter& writer, WatermarkStore& watermarks, const ChunkFetcher& fetch,
                   const PersonalDataHasher* hasher, const PlanRunnerOptions& options,
                   bool resumed);

}  // namespace dhl::source
