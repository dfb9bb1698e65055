#include "source/export_folder_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/hash.h"
#include "base/logging.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "source/bronze_table.h"
#include "source/bronze_writer.h"
#include "source/plan_runner.h"
#include "source/watermark_store.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void AddChunk(ExtractionPlan& plan, const std::string& file, const std::string& table,
              const std::string& key, ChunkFormat format) {
  Chunk chunk;
  chunk.sequence = static_cast<int64_t>(plan.chunks.size()) + 1;
  chunk.id = fmt::format("{}/{:06d}", plan.resource, chunk.sequence);
  chunk.table = table;
  chunk.file = file;
  chunk.records_key = key;
  chunk.format = format;
  plan.chunks.push_back(std::move(chunk));
}

// Adds the chunks of one JSON export and collects confidential attribute uids.
Status PlanJsonFile(const std::string& file, ExtractionPlan& plan,
                    std::set<std::string>* personal) {
  DHL_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(file));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) {
    LogWarn("export folder: {} is not a JSON object; skipped", file);
    return Status::Ok();
  }
  bool used = false;
  for (const MetadataType& type : MetadataTypes()) {
    if (json.contains(type.key) && json[type.key].is_array()) {
      AddChunk(plan, file, type.table, type.key, ChunkFormat::kJson);
      used = true;
    }
  }
  if (json.contains("trackedEntityAttributes") && json["trackedEntityAttributes"].is_array()) {
    for (const auto& attribute : json["trackedEntityAttributes"]) {
      if (attribute.is_object() && attribute.value("confidential", false)) {
        personal->insert(attribute.value("id", ""));
      }
    }
  }
  struct Records {
    const char* key;
    const char* table;
    const char* path;
  };
  const Records kRecords[] = {
      {"dataValues", "data_value", "dataValues"},
      {"completeDataSetRegistrations", "complete_registration", "completeDataSetRegistrations"},
      {"minMaxDataElements", "min_max_data_element", "minMaxDataElements"},
      {"trackedEntities", "tracked_entity", "trackedEntities"},
      {"trackedEntities", "relationship", "trackedEntities[].relationships"},
      {"relationships", "relationship", "relationships"},
      {"trackedEntities", "enrollment", "trackedEntities[].enrollments"},
      {"trackedEntities", "event", "trackedEntities[].enrollments[].events"},
      {"enrollments", "enrollment", "enrollments"},
      {"enrollments", "event", "enrollments[].events"},
      {"events", "event", "events"},
  };
  for (const Records& records : kRecords) {
    if (json.contains(records.key) && json[records.key].is_array()) {
      AddChunk(plan, file, records.table, records.path, ChunkFormat::kJson);
      used = true;
    }
  }
  if (!used) {
    LogWarn("export folder: {} holds nothing dhis2lake reads; skipped", file);
  }
  return Status::Ok();
}

// Whether `path` (canonical) is `root` (canonical) or lies below it.
bool IsInside(const fs::path& path, const fs::path& root) {
  auto [root_end, path_it] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

// The regular files under `folder`, sorted. A symbolic link is followed only when its target lies
// inside the folder: a link out of it (`x.csv -> ~/.config/dhis2lake/secrets.toml`) is an error
// naming the link, so that nothing outside the folder lands in bronze.
Result<std::vector<std::string>> ListFolderFiles(const fs::path& folder) {
  std::error_code error;
  fs::path root = fs::canonical(folder, error);
  if (error) {
    return IoError("export folder " + folder.string() + ": " + error.message());
  }
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    const fs::directory_entry& entry = *it;
    if (entry.is_symlink(error)) {
      fs::path target = fs::canonical(entry.path(), error);
      if (error || !IsInside(target, root)) {
        return InvalidArgument("export folder: " + entry.path().string() +
                               " is a symbolic link to " +
                               (error ? std::string("a missing file") : target.string()) +
                               ", outside the folder; remove it or copy the file in");
      }
    }
    if (entry.is_regular_file(error)) {
      files.push_back(entry.path().string());
    }
  }
  if (error) {
    return IoError("export folder " + folder.string() + ": cannot list: " + error.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ExportFolderSource::ExportFolderSource(std::string lake_dir, std::string folder,
                                       ExtractOptions options, Secrets secrets, const Clock& clock,
                                       bool show_progress)
    : lake_dir_(std::move(lake_dir)),
      folder_(std::move(folder)),
      options_(std::move(options)),
      secrets_(std::move(secrets)),
      clock_(clock),
      show_progress_(show_progress) {}

Result<ExtractSummary> ExportFolderSource::Run() {
  auto started = clock_.Steady();
  std::error_code error;
  fs::path folder = fs::absolute(folder_, error);
  if (!fs::is_directory(folder, error)) {
    return NotFound("export folder " + folder_ + " does not exist");
  }
  std::string source = "folder:" + folder.lexically_normal().string();

  // Every file, in a stable order; the confidential flags come from the folder's own metadata.
  DHL_ASSIGN_OR_RETURN(std::vector<std::string> files, ListFolderFiles(folder));
  ExtractionPlan plan;
  plan.run_id = Uuid4();
  plan.resource = "export";
  plan.source = source;
  plan.server_time_zone = "Etc/UTC";
  plan.created_at = FormatIsoUtcMillis(ToEpochMillis(clock_.Now()));
  std::set<std::string> personal(options_.personal_attributes.begin(),
                                 options_.personal_attributes.end());
  for (const std::string& file : files) {
    if (EndsWith(file, ".csv") || EndsWith(file, ".csv.gz")) {
      AddChunk(plan, file, "data_value", "", ChunkFormat::kCsv);
    } else if (EndsWith(file, ".json") || EndsWith(file, ".json.gz")) {
      DHL_RETURN_IF_ERROR(PlanJsonFile(file, plan, &personal));
    }
  }
  if (plan.chunks.empty()) {
    return InvalidArgument("export folder " + folder_ +
                           " holds no DHIS2 export (*.json, *.csv, plain or .gz)");
  }

  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open());
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(lake_dir_);
  BronzeWriter writer(connection, catalog, clock_);
  WatermarkStore watermarks(connection, catalog, clock_);
  PersonalDataHasher hasher(secrets_.hash_key, personal);
  ChunkFetcher fetch = [](const Chunk& chunk, const std::string&, int) -> Result<FetchedChunk> {
    FetchedChunk fetched;
    fetched.files.push_back(chunk.file);
    std::error_code size_error;
    auto size = fs::file_size(chunk.file, size_error);
    fetched.bytes = size_error ? 0 : static_cast<int64_t>(size);
    return fetched;
  };
  PlanRunnerOptions run_options;
  run_options.concurrency = 1;
  run_options.show_progress = show_progress_;

  ExtractSummary summary;
  summary.server_version = "export folder";
  // An interrupted run of the same folder is finished first (and is then the run).
  DHL_ASSIGN_OR_RETURN(std::vector<ExtractionPlan> unfinished, UnfinishedPlans(lake_dir_));
  bool resumed = false;
  for (const ExtractionPlan& old : unfinished) {
    if (old.source != source) {
      continue;
    }
    LogInfo("extract: resuming run {} of {}", old.run_id, source);
    DHL_ASSIGN_OR_RETURN(PlanRunStats stats,
                         RunPlan(lake_dir_, old, writer, watermarks, fetch, &hasher, run_options));
    summary.resources.push_back({old.resource, old.run_id, stats.chunks, stats.chunks_skipped,
                                 stats.records, stats.bytes, true});
    resumed = true;
  }
  if (!resumed) {
    DHL_RETURN_IF_ERROR(SavePlan(lake_dir_, plan));
    DHL_ASSIGN_OR_RETURN(PlanRunStats stats,
                         RunPlan(lake_dir_, plan, writer, watermarks, fetch, &hasher, run_options));
    summary.resources.push_back({plan.resource, plan.run_id, stats.chunks, stats.chunks_skipped,
                                 stats.records, stats.bytes, false});
  }
  summary.seconds = std::chrono::duration<double>(clock_.Steady() - started).count();
  return summary;
}

}  // namespace dhl::source
