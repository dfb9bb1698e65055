#include "source/personal_data_purge.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "source/bronze_writer.h"
#include "source/extraction_plan.h"
#include "source/json_depth.h"
#include "source/landing_file.h"
#include "sql/literal.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPurgeSourceTable = "dhl_purge_source";
constexpr const char* kPurgeChangedTable = "dhl_purge_changed";
constexpr const char* kPurgeRowColumn = "_dhl_purge_row";
constexpr size_t kPurgeRowsPerPage = 20000;
constexpr const char* kPurgeExportSourcePrefix = "folder:";

// A JSON value as a bronze text column holds it (BronzeWriter: strings as their content, other
// values as their JSON).
std::string PurgedCellText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

bool HasSuffix(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status WriteGzippedPageAtomically(const std::string& path, const std::string& data) {
  std::string temporary = path + ".purge";
  gzFile file = gzopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    return IoError("cannot write " + temporary);
  }
  bool written = data.empty() || gzwrite(file, data.data(), static_cast<unsigned>(data.size())) ==
                                     static_cast<int>(data.size());
  bool closed = gzclose(file) == Z_OK;
  std::error_code error;
  if (!written || !closed) {
    fs::remove(temporary, error);
    return IoError("cannot write " + temporary);
  }
  fs::rename(temporary, path, error);
  if (error) {
    fs::remove(temporary, error);
    return IoError("cannot replace " + path + ": " + error.message());
  }
  return Status::Ok();
}

// The plan of a landing run folder, nullopt when it has none.
Result<std::optional<ExtractionPlan>> LandingRunPlan(const fs::path& run) {
  fs::path plan_file = run / "plan.json";
  std::error_code error;
  if (!fs::exists(plan_file, error)) {
    return std::optional<ExtractionPlan>();
  }
  DHL_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(plan_file.string()));
  DHL_ASSIGN_OR_RETURN(ExtractionPlan plan, ExtractionPlan::FromJson(text, plan_file.string()));
  return std::optional<ExtractionPlan>(std::move(plan));
}

// The run folders under <lake>/_landing (each <resource>/<run_id>).
std::vector<fs::path> LandingRunFolders(const std::string& lake_dir) {
  std::vector<fs::path> runs;
  std::error_code error;
  fs::path landing = fs::path(lake_dir) / "_landing";
  if (!fs::is_directory(landing, error)) {
    return runs;
  }
  for (const auto& resource : fs::directory_iterator(landing, error)) {
    if (!resource.is_directory(error)) {
      continue;
    }
    for (const auto& run : fs::directory_iterator(resource.path(), error)) {
      if (run.is_directory(error)) {
        runs.push_back(run.path());
      }
    }
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

// The chunk sequence a server run's landing file belongs to: its leading six digits
// ("000012.json", "000012_p00003.json"); nullopt for other files.
std::optional<int64_t> LandingChunkSequence(const std::string& file_name) {
  constexpr size_t kDigits = 6;
  if (file_name.size() < kDigits ||
      !std::all_of(file_name.begin(), file_name.begin() + kDigits,
                   [](char digit) { return digit >= '0' && digit <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(file_name.substr(0, kDigits));
}

}  // namespace

Result<PersonalDataRules> PurgeRules(engine::Connection& connection,
                                     const lake::LakeCatalog& catalog,
                                     const std::vector<std::string>& personal_attributes,
                                     const std::vector<std::string>& personal_data_elements,
                                     bool geometry) {
  PersonalDataRules rules;
  rules.keep_hashed_values = true;
  rules.attributes = {personal_attributes.begin(), personal_attributes.end()};
  rules.data_elements = {personal_data_elements.begin(), personal_data_elements.end()};
  rules.geometry = geometry;
  const lake::TableName metadata{"bronze", "metadata_tracked_entity_attribute"};
  lake::DeltaTable table = catalog.Table(metadata);
  if (table.Exists()) {
    DHL_RETURN_IF_ERROR(catalog.Register(connection, metadata));
    // The latest version of each attribute, as extraction's confidential flags would be now.
    DHL_ASSIGN_OR_RETURN(
        engine::QueryResult objects,
        connection.Query("SELECT object FROM bronze.metadata_tracked_entity_attribute "
                         "QUALIFY row_number() OVER (PARTITION BY id ORDER BY _ingested_at DESC, "
                         "lastUpdated DESC) = 1 ORDER BY id"));
    nlohmann::json list = nlohmann::json::array();
    for (size_t row = 0; row < objects.row_count(); ++row) {
      nlohmann::json object =
          nlohmann::json::parse(objects.GetString(0, row).value_or(""), nullptr, false);
      if (object.is_object()) {
        list.push_back(std::move(object));
      }
    }
    DHL_RETURN_IF_ERROR(AddConfidentialAttributes(list, "bronze.metadata_tracked_entity_attribute",
                                                  rules.attributes));
    return rules;
  }
  rules.every_attribute = personal_attributes.empty();
  return rules;
}

Result<std::vector<TablePurge>> PersonalDataPurge::PurgeBronze(bool dry_run) {
  std::vector<TablePurge> purged;
  for (const char* name : {"enrollment", "event", "relationship", "tracked_entity"}) {
    const BronzeTable* table = FindBronzeTable(name);
    if (table == nullptr || !table->tracker || !catalog_.Table({"bronze", name}).Exists()) {
      continue;
    }
    DHL_ASSIGN_OR_RETURN(TablePurge one, PurgeTable(*table, dry_run));
    purged.push_back(std::move(one));
  }
  return purged;
}

Result<TablePurge> PersonalDataPurge::PurgeTable(const BronzeTable& table, bool dry_run) {
  TablePurge purge;
  purge.table = {"bronze", table.name};
  const std::string context = "purge " + purge.table.ToString();
  DHL_ASSIGN_OR_RETURN(lake::DeltaTable delta, catalog_.Open(purge.table));
  DHL_ASSIGN_OR_RETURN(lake::Snapshot snapshot, delta.Load(connection_));
  LogInfo("purge: reading {} (version {}, {} files)", purge.table.ToString(), snapshot.version,
          snapshot.files.size());
  DHL_ASSIGN_OR_RETURN(std::string scan, delta.ScanSql(snapshot));
  DHL_RETURN_IF_ERROR(connection_
                          .Execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} AS SELECT "
                                               "row_number() OVER () AS {}, * FROM ({})",
                                               kPurgeSourceTable, kPurgeRowColumn, scan))
                          .WithContext(context));

  // The text columns a record gives (BronzeWriter's columns) and the record itself.
  std::vector<std::string> text_columns;
  for (const BronzeColumn& column : table.columns) {
    if (column.type == ColumnType::kText) {
      text_columns.push_back(column.name);
    }
  }
  std::vector<std::string> definitions = {sql::QuoteName(kPurgeRowColumn) + " BIGINT"};
  for (const std::string& name : text_columns) {
    definitions.push_back(sql::QuoteName(name) + " VARCHAR");
  }
  definitions.push_back(sql::QuoteName("record") + " VARCHAR");
  DHL_RETURN_IF_ERROR(connection_.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} ({})", kPurgeChangedTable, fmt::join(definitions, ", "))));
  {
    DHL_ASSIGN_OR_RETURN(engine::Appender appender,
                         connection_.CreateAppender("", kPurgeChangedTable));
    for (int64_t first = 1;; first += static_cast<int64_t>(kPurgeRowsPerPage)) {
      DHL_ASSIGN_OR_RETURN(engine::QueryResult page,
                           connection_.Query(fmt::format(
                               "SELECT {0}, record FROM {1} WHERE {0} >= {2} AND {0} < {3} "
                               "ORDER BY {0}",
                               sql::QuoteName(kPurgeRowColumn), kPurgeSourceTable, first,
                               first + static_cast<int64_t>(kPurgeRowsPerPage))));
      if (page.row_count() == 0) {
        break;
      }
      for (size_t row = 0; row < page.row_count(); ++row) {
        ++purge.rows;
        int64_t row_number = page.GetInt64(0, row).value_or(0);
        std::optional<std::string> text = page.GetString(1, row);
        if (!text) {
          continue;
        }
        nlohmann::json record = nlohmann::json::parse(*text, nullptr, false);
        std::string where =
            fmt::format("{}: row {} (record {})", context, row_number, text->substr(0, 40));
        if (record.is_discarded()) {
          return Corruption(where + ": the record is not JSON; nothing was rewritten");
        }
        DHL_RETURN_IF_ERROR(CheckJsonDepth(record, where));
        int hashed = hasher_.Apply(record);
        if (hashed == 0) {
          continue;
        }
        purge.values_hashed += hashed;
        ++purge.rows_rewritten;
        DHL_RETURN_IF_ERROR(appender.Append(row_number));
        for (const std::string& name : text_columns) {
          auto found = record.find(name);
          if (found != record.end() && !found->is_null()) {
            DHL_RETURN_IF_ERROR(appender.Append(PurgedCellText(*found)));
          } else {
            DHL_RETURN_IF_ERROR(appender.AppendNull());
          }
        }
        DHL_RETURN_IF_ERROR(appender.Append(record.dump()));
        DHL_RETURN_IF_ERROR(appender.EndRow());
      }
    }
    DHL_RETURN_IF_ERROR(appender.Close());
  }
  if (purge.rows_rewritten > 0 && !dry_run) {
    // Every column in the table's order; the changed rows' text columns and record replaced.
    std::vector<std::string> select;
    for (const lake::SchemaField& field : snapshot.schema.fields()) {
      bool replaced = field.name == "record" || std::find(text_columns.begin(), text_columns.end(),
                                                          field.name) != text_columns.end();
      select.push_back(replaced ? fmt::format("CASE WHEN c.{0} IS NULL THEN s.{1} ELSE c.{1} END "
                                              "AS {1}",
                                              sql::QuoteName(kPurgeRowColumn),
                                              sql::QuoteName(field.name))
                                : fmt::format("s.{0}", sql::QuoteName(field.name)));
    }
    lake::WriteOptions options;
    options.mode = lake::WriteMode::kOverwrite;
    options.rewrite_operation = "PURGE";
    DHL_ASSIGN_OR_RETURN(
        lake::WriteResult written,
        delta.Write(connection_,
                    fmt::format("SELECT {0} FROM {1} s LEFT JOIN {2} c ON s.{3} = c.{3}",
                                fmt::join(select, ", "), kPurgeSourceTable, kPurgeChangedTable,
                                sql::QuoteName(kPurgeRowColumn)),
                    options));
    if (written.rows_written != purge.rows) {
      return Internal(
          fmt::format("{}: rewrote {} rows of {}", context, written.rows_written, purge.rows));
    }
    purge.version = written.version;
    purge.files_replaced = written.files_removed;
  }
  DHL_RETURN_IF_ERROR(
      connection_.Execute(fmt::format("DROP TABLE IF EXISTS {}", kPurgeSourceTable)));
  DHL_RETURN_IF_ERROR(
      connection_.Execute(fmt::format("DROP TABLE IF EXISTS {}", kPurgeChangedTable)));
  return purge;
}

Result<LandingPurge> PersonalDataPurge::PurgeLanding(bool dry_run) {
  LandingPurge purge;
  purge.copies_removed = RemoveExportCopies(catalog_.lake_dir(), dry_run);
  for (const fs::path& run : LandingRunFolders(catalog_.lake_dir())) {
    DHL_ASSIGN_OR_RETURN(std::optional<ExtractionPlan> plan, LandingRunPlan(run));
    if (!plan || plan->source.rfind(kPurgeExportSourcePrefix, 0) == 0) {
      continue;  // no plan: nothing says what the files hold; export copies: handled above
    }
    std::map<int64_t, const Chunk*> chunks;
    for (const Chunk& chunk : plan->chunks) {
      chunks[chunk.sequence] = &chunk;
    }
    std::error_code error;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(run, error)) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = file.filename().string();
      bool gzipped = HasSuffix(name, ".json.gz");
      if (!HasSuffix(name, ".json") && !gzipped) {
        continue;
      }
      std::optional<int64_t> sequence = LandingChunkSequence(name);
      auto chunk = sequence ? chunks.find(*sequence) : chunks.end();
      if (chunk == chunks.end()) {
        continue;
      }
      const BronzeTable* table = FindBronzeTable(chunk->second->table);
      if (table == nullptr || !table->tracker) {
        continue;  // only tracker records are hashed (aggregate storedBy stays as received)
      }
      DHL_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(file.string()));
      nlohmann::json page = nlohmann::json::parse(text, nullptr, false);
      if (page.is_discarded()) {
        return Corruption("purge: " + file.string() + " is not JSON; left as it is");
      }
      DHL_RETURN_IF_ERROR(CheckJsonDepth(page, "purge: " + file.string()));
      int hashed = hasher_.Apply(page);
      if (hashed == 0) {
        continue;
      }
      purge.values_hashed += hashed;
      purge.pages_hashed.push_back(file.string());
      if (!dry_run) {
        DHL_RETURN_IF_ERROR(gzipped ? WriteGzippedPageAtomically(file.string(), page.dump())
                                    : WriteFileAtomically(file.string(), page.dump()));
      }
    }
  }
  return purge;
}

std::vector<std::string> RemoveExportCopies(const std::string& lake_dir, bool dry_run) {
  std::vector<std::string> removed;
  for (const fs::path& run : LandingRunFolders(lake_dir)) {
    Result<std::optional<ExtractionPlan>> plan = LandingRunPlan(run);
    if (!plan.ok() || !*plan || (*plan)->source.rfind(kPurgeExportSourcePrefix, 0) != 0) {
      continue;
    }
    std::error_code error;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(run, error)) {
      std::string name = entry.path().filename().string();
      if (name != "plan.json" && entry.is_regular_file(error) &&
          (HasSuffix(name, ".json") || HasSuffix(name, ".json.gz") || HasSuffix(name, ".csv") ||
           HasSuffix(name, ".csv.gz"))) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      if (!dry_run) {
        fs::remove(file, error);
        if (error) {
          LogWarn("purge: cannot delete {}: {}", file.string(), error.message());
          continue;
        }
      }
      removed.push_back(file.string());
    }
  }
  return removed;
}

}  // namespace dhl::source
