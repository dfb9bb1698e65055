#include "source/export_folder_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/file.h"
#include "base/hash.h"
#include "base/logging.h"
#include "engine/database.h"
#include "lake/lake_catalog.h"
#include "source/bronze_table.h"
#include "source/bronze_writer.h"
#include "source/invalid_utf8.h"
#include "source/json_depth.h"
#include "source/landing_file.h"
#include "source/plan_runner.h"
#include "source/watermark_store.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A regular file of the folder as listed: its path and its identity then.
struct ListedFile {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};

// Opens a listed file without following a symbolic link at its name (O_NOFOLLOW), and checks that
// it is still the regular file that was listed: a file or a folder on its path replaced by a link
// after the listing gives another file, which is refused. Nothing in the folder is opened by path
// otherwise, so what lands is what the listing checked.
Result<FileDescriptor> OpenListed(const ListedFile& file) {
  FileDescriptor fd(::open(file.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    return IoError(
        fmt::format("export folder: cannot open {} ({}; a symbolic link is not followed)",
                    file.path, std::strerror(errno)));
  }
  struct stat status;
  if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode) || status.st_dev != file.device ||
      status.st_ino != file.inode) {
    return InvalidArgument("export folder: " + file.path +
                           " is no longer the regular file that was listed (replaced while the "
                           "sync ran?); not read");
  }
  return fd;
}

Result<std::string> ReadListed(const ListedFile& file) {
  DHL_ASSIGN_OR_RETURN(FileDescriptor fd, OpenListed(file));
  return ReadMaybeGzippedFrom(fd.get(), file.path);
}

// Copies a listed file as it is (compressed or not) to `to`, fsynced; returns its size.
Result<int64_t> CopyListed(const ListedFile& file, const std::string& to) {
  DHL_ASSIGN_OR_RETURN(FileDescriptor fd, OpenListed(file));
  LandingFile landing(to);
  DHL_RETURN_IF_ERROR(landing.Begin({}));
  std::string buffer(1 << 16, '\0');
  while (true) {
    ssize_t read = ::read(fd.get(), buffer.data(), buffer.size());
    if (read < 0 && errno == EINTR) {
      continue;
    }
    if (read < 0) {
      return IoError(
          fmt::format("export folder: cannot read {}: {}", file.path, std::strerror(errno)));
    }
    if (read == 0) {
      break;
    }
    DHL_RETURN_IF_ERROR(landing.Write(std::string_view(buffer.data(), static_cast<size_t>(read))));
  }
  DHL_RETURN_IF_ERROR(landing.Commit());
  return landing.bytes();
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

// Adds the chunks of one JSON export and collects confidential attribute uids; notes in
// `*attribute_metadata` whether the file holds the attribute metadata.
Status PlanJsonFile(const ListedFile& listed, ExtractionPlan& plan, std::set<std::string>* personal,
                    bool* attribute_metadata) {
  const std::string& file = listed.path;
  DHL_ASSIGN_OR_RETURN(std::string text, ReadListed(listed));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() && RepairUtf8(text).bytes > 0) {
    // Repaired (and reported) again when the file lands in bronze.
    json = nlohmann::json::parse(text, nullptr, false);
  }
  DHL_RETURN_IF_ERROR(CheckJsonDepth(json, "export folder: " + file));
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
  // Option combos nested in their category combos as whole objects (a categoryCombos list asked
  // with categoryOptionCombos[...] fields, as the Android SDK asks for them) land too; nested
  // references ({"id"} alone) do not say what the combo is.
  if (json.contains("categoryCombos") && json["categoryCombos"].is_array()) {
    bool nested = false;
    for (const nlohmann::json& combo : json["categoryCombos"]) {
      if (!combo.is_object() || !combo.contains("categoryOptionCombos") ||
          !combo["categoryOptionCombos"].is_array()) {
        continue;
      }
      for (const nlohmann::json& option_combo : combo["categoryOptionCombos"]) {
        nested = nested || (option_combo.is_object() && option_combo.contains("name"));
      }
    }
    if (nested) {
      AddChunk(plan, file, "metadata_category_option_combo",
               "categoryCombos[].categoryOptionCombos", ChunkFormat::kJson);
    }
  }
  if (json.contains("trackedEntityAttributes")) {
    DHL_RETURN_IF_ERROR(AddConfidentialAttributes(json["trackedEntityAttributes"],
                                                  "export folder: " + file, *personal));
    *attribute_metadata = true;
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
  // The tracker API of 2.39 and 2.40 pages every kind under `instances`: the first record says
  // which kind (an event has `event`; an enrollment `enrollment` but no `event`; a tracked entity
  // `trackedEntity` alone).
  if (json.contains("instances") && json["instances"].is_array() && !json["instances"].empty() &&
      json["instances"][0].is_object()) {
    const nlohmann::json& first = json["instances"][0];
    const Records kInstances[] = {
        {"event", "event", "instances"},
        {"enrollment", "enrollment", "instances"},
        {"enrollment", "event", "instances[].events"},
        {"trackedEntity", "tracked_entity", "instances"},
        {"trackedEntity", "relationship", "instances[].relationships"},
        {"trackedEntity", "enrollment", "instances[].enrollments"},
        {"trackedEntity", "event", "instances[].enrollments[].events"},
    };
    std::string kind = first.contains("event")           ? "event"
                       : first.contains("enrollment")    ? "enrollment"
                       : first.contains("trackedEntity") ? "trackedEntity"
                                                         : "";
    for (const Records& records : kInstances) {
      if (kind == records.key) {
        AddChunk(plan, file, records.table, records.path, ChunkFormat::kJson);
        used = true;
      }
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

// The regular files under `folder`, sorted by path, with their identity. A symbolic link is
// followed only when its target lies inside the folder, and is then listed as its target: a link
// out of it (`x.csv -> ~/.config/dhis2lake/secrets.toml`) is an error naming the link, so that
// nothing outside the folder lands in bronze.
Result<std::vector<ListedFile>> ListFolderFiles(const fs::path& folder) {
  std::error_code error;
  fs::path root = fs::canonical(folder, error);
  if (error) {
    return IoError("export folder " + folder.string() + ": " + error.message());
  }
  std::vector<ListedFile> files;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    const fs::directory_entry& entry = *it;
    fs::path path = entry.path();
    if (entry.is_symlink(error)) {
      path = fs::canonical(entry.path(), error);
      if (error || !IsInside(path, root)) {
        return InvalidArgument("export folder: " + entry.path().string() +
                               " is a symbolic link to " +
                               (error ? std::string("a missing file") : path.string()) +
                               ", outside the folder; remove it or copy the file in");
      }
    }
    struct stat status;
    if (::lstat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode)) {
      files.push_back({path.string(), status.st_dev, status.st_ino});
    }
  }
  if (error) {
    return IoError("export folder " + folder.string() + ": cannot list: " + error.message());
  }
  std::sort(files.begin(), files.end(),
            [](const ListedFile& a, const ListedFile& b) { return a.path < b.path; });
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
  DHL_ASSIGN_OR_RETURN(std::vector<ListedFile> files, ListFolderFiles(folder));
  ExtractionPlan plan;
  plan.run_id = Uuid4();
  plan.resource = "export";
  plan.source = source;
  plan.server_time_zone = "Etc/UTC";
  plan.created_at = FormatIsoUtcMillis(ToEpochMillis(clock_.Now()));
  std::set<std::string> personal(options_.personal_attributes.begin(),
                                 options_.personal_attributes.end());
  bool attribute_metadata = false;
  std::map<std::string, ListedFile> listed;
  for (const ListedFile& file : files) {
    listed.emplace(file.path, file);
    if (EndsWith(file.path, ".csv") || EndsWith(file.path, ".csv.gz")) {
      AddChunk(plan, file.path, "data_value", "", ChunkFormat::kCsv);
    } else if (EndsWith(file.path, ".json") || EndsWith(file.path, ".json.gz")) {
      DHL_RETURN_IF_ERROR(PlanJsonFile(file, plan, &personal, &attribute_metadata));
    }
  }
  if (plan.chunks.empty()) {
    return InvalidArgument("export folder " + folder_ +
                           " holds no DHIS2 export (*.json, *.csv, plain or .gz)");
  }

  DHL_ASSIGN_OR_RETURN(engine::Database database,
                       engine::Database::Open(engine::ExtractorDatabaseOptions()));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(lake_dir_);
  BronzeWriter writer(connection, catalog, clock_);
  WatermarkStore watermarks(connection, catalog, clock_);
  PersonalDataRules rules{.attributes = personal,
                          .data_elements = {options_.personal_data_elements.begin(),
                                            options_.personal_data_elements.end()},
                          .geometry = options_.personal_geometry};
  bool tracker = std::any_of(plan.chunks.begin(), plan.chunks.end(), [](const Chunk& chunk) {
    const BronzeTable* table = FindBronzeTable(chunk.table);
    return table != nullptr && table->tracker;
  });
  if (tracker && !attribute_metadata && options_.personal_attributes.empty()) {
    // Privacy by default: nothing says which attributes are confidential.
    rules.every_attribute = true;
    LogWarn(
        "export folder {}: tracker records but no trackedEntityAttributes metadata saying which "
        "attributes are confidential: every attribute value is hashed (list the personal ones in "
        "[source] personal_attributes to keep the others readable)",
        folder_);
  }
  PersonalDataHasher hasher(secrets_.hash_key, std::move(rules));
  // Each listed file is copied once into the run's landing folder through OpenListed, and bronze
  // reads the copy: the folder is never re-opened by path. The copies go when the run is done.
  ChunkFetcher fetch = [&listed](const Chunk& chunk, const std::string& directory,
                                 int) -> Result<FetchedChunk> {
    auto found = listed.find(chunk.file);
    if (found == listed.end()) {
      return InvalidArgument("export folder: " + chunk.file +
                             " is not a regular file of the folder as listed now; not read");
    }
    std::string extension = EndsWith(chunk.file, ".gz") ? ".gz" : "";
    extension =
        (EndsWith(chunk.file, ".csv") || EndsWith(chunk.file, ".csv.gz") ? ".csv" : ".json") +
        extension;
    FetchedChunk fetched;
    fetched.files.push_back(directory + "/" + Sha256Hex(chunk.file).substr(0, 32) + extension);
    if (!fs::exists(fetched.files.back())) {  // one copy per file, shared by its chunks
      DHL_ASSIGN_OR_RETURN(fetched.bytes, CopyListed(found->second, fetched.files.back()));
    }
    return fetched;
  };
  PlanRunnerOptions run_options;
  run_options.concurrency = 1;
  run_options.show_progress = show_progress_;
  run_options.delete_landing_when_done = true;

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
    DHL_RETURN_IF_ERROR(RunPlanInto(summary, lake_dir_, old, writer, watermarks, fetch, &hasher,
                                    run_options, /*resumed=*/true));
    resumed = true;
  }
  if (!resumed) {
    DHL_RETURN_IF_ERROR(SavePlan(lake_dir_, plan));
    DHL_RETURN_IF_ERROR(RunPlanInto(summary, lake_dir_, plan, writer, watermarks, fetch, &hasher,
                                    run_options, /*resumed=*/false));
  }
  summary.seconds = std::chrono::duration<double>(clock_.Steady() - started).count();
  return summary;
}

}  // namespace dhl::source
