#include "source/bronze_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/text.h"
#include "engine/memory_limit.h"
#include "source/bronze_table.h"
#include "source/invalid_utf8.h"
#include "source/json_depth.h"
#include "source/landing_file.h"
#include "source/page_records.h"
#include "sql/literal.h"

namespace dhl::source {
namespace {

constexpr const char* kBatchTable = "dhl_bronze_batch";
// A JSON batch whose landed files hold more bytes than this is written in pieces of about this
// size (see CommitBatch).
constexpr int64_t kJsonPieceBytes = int64_t{16} << 20;

std::string Ident(std::string_view name) {
  return sql::QuoteIdentifier(name, sql::Dialect::kDuckDb).ValueOr("\"invalid\"");
}

std::string CellText(const nlohmann::json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump();
}

std::string ColumnSql(const BronzeColumn& column, const std::string& source,
                      const std::string& time_zone) {
  switch (column.type) {
    case ColumnType::kTimestamp:
      return fmt::format("dhl_utc({}, {}) AS {}", source, sql::StringLiteral(time_zone),
                         Ident(column.name));
    case ColumnType::kBoolean:
      return fmt::format("TRY_CAST({} AS BOOLEAN) AS {}", source, Ident(column.name));
    case ColumnType::kText:
      break;
  }
  return fmt::format("{} AS {}", source, Ident(column.name));
}

Result<std::string> ReadHead(const std::string& path, size_t max_bytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return IoError("cannot open " + path);
  }
  std::string data(max_bytes, '\0');
  int read = gzread(file, data.data(), static_cast<unsigned>(max_bytes));
  gzclose(file);
  if (read < 0) {
    return IoError("cannot read " + path);
  }
  data.resize(static_cast<size_t>(read));
  return data;
}

// The columns of a CSV file's header (bronze name -> name as written); `header` receives the header
// line as written.
Result<std::map<std::string, std::string>> CsvColumns(const std::string& file,
                                                      const BronzeTable& table, bool* has_rows,
                                                      std::string* header_line) {
  DHL_ASSIGN_OR_RETURN(std::string head, ReadHead(file, 1 << 16));
  const size_t end = head.find('\n');
  *header_line = head.substr(0, end);
  if (table.name != "data_value") {
    // The database source's CSV (COPY ... TO STDOUT WITH (FORMAT csv, HEADER true)): a header of
    // the table's own column names, none of which needs quoting.
    *has_rows = end != std::string::npos && end + 1 < head.size();
    std::map<std::string, std::string> present;
    for (std::string_view name : Split(*header_line, ',')) {
      bool known = false;
      for (const BronzeColumn& column : table.columns) {
        known = known || column.name == name;
      }
      if (!known) {
        return InvalidArgument(fmt::format("CSV file {}: column \"{}\" is not one of bronze.{}",
                                           file, name, table.name));
      }
      present.emplace(std::string(name), std::string(name));
    }
    return present;
  }
  std::map<std::string, std::string> present = CsvHeaderColumns(head, has_rows);
  bool has_header = !head.empty() && head[0] != '\n' && head.rfind("\r\n", 0) != 0;
  if (has_header && present.count("dataElement") == 0) {
    return InvalidArgument("CSV file " + file +
                           " is not a dataValueSets CSV (no dataelement column)");
  }
  return present;
}

// read_csv's options for files whose first line is `header` (every column as text). A header that
// is a plain list of distinct names (no quotes) gives the dialect and the columns, so that DuckDB
// does not sniff each file: its sniffer was a quarter of reading a batch (64 files of 60k rows,
// user CPU 0.78 s -> 0.57 s); any other header is left to the sniffer.
std::string CsvReadOptions(std::string_view header) {
  constexpr std::string_view kDialect =
      "header = true, quote = '\"', escape = '\"', null_padding = true";
  if (!header.empty() && header.back() == '\r') {
    header.remove_suffix(1);
  }
  bool plain = !header.empty() && header.find('"') == std::string_view::npos;
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (std::string_view name : Split(header, ',')) {
    plain = plain && !name.empty() && seen.insert(AsciiLower(name)).second;
    columns.push_back(sql::StringLiteral(name) + ": 'VARCHAR'");
  }
  if (!plain) {
    return fmt::format("{}, all_varchar = true", kDialect);
  }
  return fmt::format("{}, delim = ',', auto_detect = false, columns = {{{}}}", kDialect,
                     fmt::join(columns, ", "));
}

// Gives each CSV file of `batch` holding ill-formed UTF-8 a repaired copy (RepairUtf8) under the
// lake's `_system/tmp`, recorded in `copies` (file -> copy), and returns `select()` again.
template <typename Select>
Result<std::string> RepairedCsvSelect(const std::vector<BronzeWriter::ChunkFiles>& batch,
                                      const std::string& lake_dir,
                                      std::map<std::string, std::string>& copies, Select&& select) {
  std::string folder = engine::SpillDirectory(lake_dir);
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    return IoError("cannot create " + folder + ": " + error.message());
  }
  for (const BronzeWriter::ChunkFiles& item : batch) {
    for (const std::string& file : item.files) {
      DHL_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(file));
      if (!RepairUtf8AndWarn(text, "chunk " + item.chunk->id + ": " + file)) {
        continue;
      }
      std::string copy =
          fmt::format("{}/utf8-repaired-{}-{}.csv", folder, ::getpid(), copies.size());
      DHL_RETURN_IF_ERROR(WriteFileAtomically(copy, text));
      copies[file] = copy;
    }
  }
  return select();
}

}  // namespace

Result<std::string> ReadMaybeGzipped(const std::string& path, int64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return IoError("cannot open " + path);
  }
  Result<std::string> data = ReadMaybeGzippedFrom(fd, path, max_bytes);
  ::close(fd);
  return data;
}

Result<std::string> ReadMaybeGzippedFrom(int fd, const std::string& path, int64_t max_bytes) {
  std::string data;
  DHL_RETURN_IF_ERROR(ReadMaybeGzippedPieces(fd, path, [&](std::string_view piece) -> Status {
    if (static_cast<int64_t>(data.size() + piece.size()) > max_bytes) {
      return InvalidArgument(
          fmt::format("{} holds more than {} bytes once decompressed (a gzip bomb?); not read",
                      path, max_bytes));
    }
    data.append(piece);
    return Status::Ok();
  }));
  return data;
}

Status ReadMaybeGzippedPieces(int fd, const std::string& path,
                              const std::function<Status(std::string_view)>& piece) {
  int own = ::dup(fd);  // gzclose closes the descriptor it was given
  gzFile file = own < 0 ? nullptr : gzdopen(own, "rb");
  if (file == nullptr) {
    if (own >= 0) {
      ::close(own);
    }
    return IoError("cannot open " + path);
  }
  char buffer[1 << 16];
  int read = 0;
  while ((read = gzread(file, buffer, sizeof(buffer))) > 0) {
    Status taken = piece(std::string_view(buffer, static_cast<size_t>(read)));
    if (!taken.ok()) {
      gzclose(file);
      return taken;
    }
  }
  bool failed = read < 0;
  gzclose(file);
  if (failed) {
    return IoError("cannot read " + path + " (corrupt gzip?)");
  }
  return Status::Ok();
}

BronzeWriter::BronzeWriter(engine::Connection& connection, const lake::LakeCatalog& catalog,
                           const Clock& clock)
    : connection_(connection), catalog_(catalog), clock_(clock) {}

Result<std::optional<lake::Snapshot>> BronzeWriter::LoadTable(const std::string& table) {
  lake::DeltaTable delta = catalog_.Table({"bronze", table});
  if (!delta.Exists()) {
    return std::optional<lake::Snapshot>();
  }
  Result<lake::Snapshot> snapshot = delta.Load(connection_);
  if (!snapshot.ok() && snapshot.status().code() == StatusCode::kNotFound) {
    // A writer killed while creating the table leaves a _delta_log without a commit.
    return std::optional<lake::Snapshot>();
  }
  DHL_RETURN_IF_ERROR(snapshot.status());
  return std::optional<lake::Snapshot>(std::move(*snapshot));
}

Result<int64_t> BronzeWriter::CommittedSequence(const std::string& table,
                                                const std::string& run_id) {
  DHL_ASSIGN_OR_RETURN(std::optional<lake::Snapshot> snapshot, LoadTable(table));
  return snapshot ? snapshot->TransactionVersion(run_id).value_or(0) : 0;
}

Result<int64_t> BronzeWriter::TableVersion(const std::string& table) {
  DHL_ASSIGN_OR_RETURN(std::optional<lake::Snapshot> snapshot, LoadTable(table));
  return snapshot ? snapshot->version : -1;
}

Result<BatchResult> BronzeWriter::CommitBatch(const ExtractionPlan& plan,
                                              const std::vector<ChunkFiles>& batch,
                                              const PersonalDataHasher* hasher) {
  BatchResult result;
  if (batch.empty()) {
    return result;
  }
  const Chunk& first = *batch.front().chunk;
  const Chunk& last = *batch.back().chunk;
  const BronzeTable* table = FindBronzeTable(first.table);
  if (table == nullptr) {
    return Internal("chunk " + first.id + ": unknown bronze table " + first.table);
  }
  for (size_t i = 1; i < batch.size(); ++i) {
    const Chunk& chunk = *batch[i].chunk;
    if (chunk.table != first.table || chunk.format != first.format ||
        chunk.sequence <= batch[i - 1].chunk->sequence) {
      return Internal("chunk " + chunk.id + ": a batch holds chunks of one table and format in " +
                      "increasing sequence");
    }
  }
  DHL_ASSIGN_OR_RETURN(int64_t committed, CommittedSequence(table->name, plan.run_id));
  if (committed >= last.sequence) {
    result.already_committed = true;
    return result;
  }
  if (committed >= first.sequence) {
    return Internal(fmt::format("chunks {}..{}: bronze.{} already holds sequence {} of run {}",
                                first.id, last.id, table->name, committed, plan.run_id));
  }
  if (!macro_ready_) {
    // A timestamp with a zone (Z, +hhmm, +hh:mm) is read as such; one without is read in the
    // server's zone. The zone is found by the characters at the end rather than a regular
    // expression: three times faster, which is a tenth of a full extraction's CPU. strlen,
    // ends_with and array_extract rather than length, right and substring: the test costs half
    // (0.20 s instead of 0.47 s per 5M values, one thread; a text that is not ASCII is no
    // timestamp either way).
    DHL_RETURN_IF_ERROR(connection_.Execute(
        "CREATE OR REPLACE TEMP MACRO dhl_utc(t, tz) AS CASE WHEN strlen(t) >= 16 AND "
        "(ends_with(t, 'Z') OR array_extract(t, -5) IN ('+', '-') OR "
        "array_extract(t, -6) IN ('+', '-')) THEN TRY_CAST(t AS TIMESTAMPTZ) "
        "ELSE timezone(tz, TRY_CAST(t AS TIMESTAMP)) END"));
    macro_ready_ = true;
  }
  // The ingestion columns; `chunk_sql` yields the chunk id of the row.
  auto ingestion = [&](const std::string& chunk_sql) {
    return fmt::format(
        "{} AS _run_id, CAST({} AS TIMESTAMPTZ) AS _ingested_at, {} AS _source, {} AS _chunk",
        sql::StringLiteral(plan.run_id),
        sql::StringLiteral(FormatIsoUtcMillis(ToEpochMillis(clock_.Now()))),
        sql::StringLiteral(plan.source), chunk_sql);
  };
  std::string select;
  // JSON: the batch written in pieces (lake::WriteOptions::pieces) when its files are large;
  // `fill(i)` fills the batch table with piece i's records. Declared here: the write calls it.
  struct PieceFile {
    const ChunkFiles* item;
    const std::string* file;
  };
  std::vector<std::vector<PieceFile>> pieces(1);
  std::string create;
  std::function<Status(size_t)> fill;
  // CSV: the repaired copies (under the lake's _system/tmp) read instead of files holding
  // ill-formed UTF-8, which DuckDB's reader refuses.
  std::map<std::string, std::string> repaired_copies;
  auto csv_select = [&]() -> Result<std::string> {
    // Files with the same header line are read by ONE read_csv over the list of them (the fixed
    // cost of a read_csv per file, its sniffer and scan set-up, was paid 64 times per batch); the
    // file a row came from (`_dhl_file`) gives its chunk through a join with the list.
    struct Group {
      std::string header;
      std::map<std::string, std::string> present;
      std::vector<std::pair<std::string, std::string>> files;  // path read, chunk id
    };
    std::vector<Group> groups;
    for (const ChunkFiles& item : batch) {
      for (const std::string& file : item.files) {
        bool has_rows = false;
        std::string header;
        DHL_ASSIGN_OR_RETURN(auto present, CsvColumns(file, *table, &has_rows, &header));
        if (!has_rows) {
          continue;  // an empty body or a header alone
        }
        auto copy = repaired_copies.find(file);
        std::string path = copy == repaired_copies.end() ? file : copy->second;
        auto group = std::find_if(groups.begin(), groups.end(),
                                  [&](const Group& g) { return g.header == header; });
        if (group == groups.end()) {
          groups.push_back({std::move(header), std::move(present), {}});
          group = std::prev(groups.end());
        }
        group->files.emplace_back(std::move(path), item.chunk->id);
      }
    }
    std::vector<std::string> parts;
    for (const Group& group : groups) {
      const std::map<std::string, std::string>& present = group.present;
      std::vector<std::string> columns;
      for (const BronzeColumn& column : table->columns) {
        auto found = present.find(column.name);
        std::string source =
            found == present.end() ? std::string("CAST(NULL AS VARCHAR)") : Ident(found->second);
        columns.push_back(ColumnSql(column, source, plan.server_time_zone));
      }
      if (table->keep_record) {
        // The record as received, as JSON: the CSV's fields by name, flags as booleans.
        std::vector<std::string> members;
        for (const BronzeColumn& column : table->columns) {
          if (auto found = present.find(column.name); found != present.end()) {
            std::string value = Ident(found->second);
            if (column.type == ColumnType::kBoolean) {
              value = "TRY_CAST(" + value + " AS BOOLEAN)";
            }
            members.push_back(sql::StringLiteral(column.name) + ", " + value);
          }
        }
        columns.push_back(
            fmt::format("CAST(json_object({}) AS VARCHAR) AS record", fmt::join(members, ", ")));
      }
      std::string options = CsvReadOptions(group.header);
      if (group.files.size() == 1) {
        parts.push_back(fmt::format("SELECT {}, {} FROM read_csv({}, {})", fmt::join(columns, ", "),
                                    ingestion(sql::StringLiteral(group.files[0].second)),
                                    sql::StringLiteral(group.files[0].first), options));
        continue;
      }
      std::vector<std::string> paths;
      std::vector<std::string> chunk_of;
      for (const auto& [path, chunk] : group.files) {
        paths.push_back(sql::StringLiteral(path));
        chunk_of.push_back(
            fmt::format("({}, {})", sql::StringLiteral(path), sql::StringLiteral(chunk)));
      }
      parts.push_back(fmt::format(
          "SELECT {}, {} FROM read_csv([{}], {}, filename = '_dhl_file') JOIN (VALUES {}) AS "
          "_dhl_files(_dhl_path, _dhl_chunk) ON _dhl_file = _dhl_path",
          fmt::join(columns, ", "), ingestion("_dhl_chunk"), fmt::join(paths, ", "), options,
          fmt::join(chunk_of, ", ")));
    }
    return fmt::format("{}", fmt::join(parts, " UNION ALL "));
  };
  if (first.format == ChunkFormat::kCsv) {
    // One SELECT over every file of every chunk, straight from disk.
    DHL_ASSIGN_OR_RETURN(select, csv_select());
    if (select.empty()) {
      return result;
    }
  } else {
    constexpr const char* kChunkColumn = "_dhl_chunk";
    std::vector<std::string> column_names;
    for (const BronzeColumn& column : table->columns) {
      column_names.push_back(column.name);
    }
    if (table->metadata) {
      column_names.push_back("object");
    } else if (table->keep_record) {
      column_names.push_back("record");
    }
    column_names.push_back(kChunkColumn);
    std::vector<std::string> definitions;
    for (const std::string& name : column_names) {
      definitions.push_back(Ident(name) + " VARCHAR");
    }
    create =
        fmt::format("CREATE OR REPLACE TABLE {} ({})", kBatchTable, fmt::join(definitions, ", "));
    // The batch's files in pieces of at most kJsonPieceBytes landed bytes (a file alone may be
    // more): the rows of one piece at a time are held in the batch table and written, one Delta
    // commit for all, so the memory a batch takes does not grow with its chunks (at large, the
    // database source's one chunk of 161,677 events took the process from 0.45 to 0.96 GB).
    int64_t piece_bytes = 0;
    for (const ChunkFiles& item : batch) {
      for (const std::string& file : item.files) {
        std::error_code error;
        auto size = static_cast<int64_t>(std::filesystem::file_size(file, error));
        if (error) size = 0;  // reported by the read below
        if (!pieces.back().empty() && piece_bytes + size > kJsonPieceBytes) {
          pieces.emplace_back();
          piece_bytes = 0;
        }
        pieces.back().push_back({&item, &file});
        piece_bytes += size;
      }
    }
    fill = [&](size_t index) -> Status {
      DHL_RETURN_IF_ERROR(connection_.Execute(create));
      DHL_ASSIGN_OR_RETURN(engine::Appender appender, connection_.CreateAppender("", kBatchTable));
      // Flat lists of records (registrations, min-max ranges, deleted objects) stream through
      // simdjson's on-demand parser: no tree, the record's text kept as received.
      bool streamed =
          !table->metadata && !table->tracker && first.records_key.find("[].") == std::string::npos;
      std::vector<std::string> members;
      for (const BronzeColumn& column : table->columns) {
        members.push_back(column.name);
      }
      for (const PieceFile& piece_file : pieces[index]) {
        const ChunkFiles& item = *piece_file.item;
        const std::string& file = *piece_file.file;
        DHL_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipped(file));
        if (streamed) {
          std::string what = "chunk " + item.chunk->id + ": " + file;
          Status checked = CheckJsonText(text, what);
          if (!checked.ok() && RepairUtf8AndWarn(text, what)) {
            checked = CheckJsonText(text, what);
          }
          DHL_RETURN_IF_ERROR(checked);
          Status listed = ForEachListedRecord(
              text, item.chunk->records_key, members,
              [&](const ListedMembers& values, std::string_view record) -> Status {
                for (const std::optional<std::string_view>& value : values) {
                  if (value) {
                    DHL_RETURN_IF_ERROR(appender.Append(std::string(*value)));
                  } else {
                    DHL_RETURN_IF_ERROR(appender.AppendNull());
                  }
                }
                if (table->keep_record) {
                  DHL_RETURN_IF_ERROR(appender.Append(std::string(record)));
                }
                DHL_RETURN_IF_ERROR(appender.Append(item.chunk->id));
                DHL_RETURN_IF_ERROR(appender.EndRow());
                ++result.records;
                return Status::Ok();
              },
              what);
          DHL_RETURN_IF_ERROR(listed);
          continue;
        }
        nlohmann::json page = nlohmann::json::parse(text, nullptr, false);
        if (page.is_discarded() &&
            RepairUtf8AndWarn(text, "chunk " + item.chunk->id + ": " + file)) {
          page = nlohmann::json::parse(text, nullptr, false);
        }
        if (page.is_discarded()) {
          return Corruption("chunk " + item.chunk->id + ": " + file + " is not JSON");
        }
        DHL_RETURN_IF_ERROR(CheckJsonDepth(page, "chunk " + item.chunk->id + ": " + file));
        std::vector<nlohmann::json> records;
        CollectRecords(page, item.chunk->records_key, nullptr, &records);
        for (nlohmann::json& record : records) {
          if (!record.is_object()) {
            continue;
          }
          if (hasher != nullptr && table->tracker) {
            hasher->Apply(record);
          }
          for (const BronzeColumn& column : table->columns) {
            if (record.contains(column.name) && !record[column.name].is_null()) {
              DHL_RETURN_IF_ERROR(appender.Append(CellText(record[column.name])));
            } else {
              DHL_RETURN_IF_ERROR(appender.AppendNull());
            }
          }
          if (table->metadata || table->keep_record) {
            DHL_RETURN_IF_ERROR(appender.Append(record.dump()));
          }
          DHL_RETURN_IF_ERROR(appender.Append(item.chunk->id));
          DHL_RETURN_IF_ERROR(appender.EndRow());
          ++result.records;
        }
      }
      return appender.Close();
    };
    if (pieces.size() == 1) {
      DHL_RETURN_IF_ERROR(fill(0));
      if (result.records == 0) {
        return result;
      }
    } else {
      // Empty until the write fills it piece by piece: the write reads its columns first.
      DHL_RETURN_IF_ERROR(connection_.Execute(create));
    }
    std::vector<std::string> columns;
    for (const BronzeColumn& column : table->columns) {
      columns.push_back(ColumnSql(column, Ident(column.name), plan.server_time_zone));
    }
    if (table->metadata) {
      columns.push_back(Ident("object"));
    } else if (table->keep_record) {
      columns.push_back(Ident("record"));
    }
    select = fmt::format("SELECT {}, {} FROM {}", fmt::join(columns, ", "),
                         ingestion(Ident(kChunkColumn)), kBatchTable);
  }
  lake::DeltaTable delta = catalog_.Table({"bronze", table->name});
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kAppend;
  options.transactions.push_back({plan.run_id, last.sequence, std::nullopt});
  options.configuration["delta.appendOnly"] = "true";
  if (first.format != ChunkFormat::kCsv && pieces.size() > 1) {
    // Each piece from an empty batch table, its files' records only.
    options.pieces = static_cast<int>(pieces.size());
    options.before_piece = [&](int piece) { return fill(static_cast<size_t>(piece)); };
  }
  Result<lake::WriteResult> attempt = delta.Write(connection_, select, options);
  if (!attempt.ok() && first.format == ChunkFormat::kCsv &&
      attempt.status().message().find("Invalid unicode") != std::string::npos) {
    // Found by DuckDB's reader rather than by a scan of every file beforehand (bad bytes are
    // rare; reading each page twice is not): the files holding them are read again repaired.
    DHL_ASSIGN_OR_RETURN(
        select, RepairedCsvSelect(batch, catalog_.lake_dir(), repaired_copies, csv_select));
    attempt = delta.Write(connection_, select, options);
  }
  for (const auto& [file, copy] : repaired_copies) {
    std::error_code ignored;
    std::filesystem::remove(copy, ignored);
  }
  DHL_ASSIGN_OR_RETURN(lake::WriteResult written, std::move(attempt));
  result.already_committed = written.already_committed;
  if (first.format == ChunkFormat::kCsv) {
    result.records = written.rows_written;
  } else {
    DHL_RETURN_IF_ERROR(connection_.Execute(fmt::format("DROP TABLE IF EXISTS {}", kBatchTable)));
  }
  return result;
}

}  // namespace dhl::source
