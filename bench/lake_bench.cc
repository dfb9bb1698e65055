// Figures for src/lake (docs/delta.md): append throughput of narrow rows, snapshot load time of a
// long log with and without checkpoints, and a SQL aggregate through the lake view against the same
// query on the same Parquet files read directly by DuckDB.
//
//   lake_bench [--rows N] [--commits N] [--dir DIR] [--threads N] [--keep]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/hash.h"
#include "engine/database.h"
#include "lake/delta_table.h"

namespace {

using dhl::lake::DeltaTable;
namespace fs = std::filesystem;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

[[noreturn]] void Fail(const dhl::Status& status, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(dhl::Result<T> result, const char* what) {
  if (!result.ok()) {
    Fail(result.status(), what);
  }
  return std::move(result).value();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Runs `sql` `runs` times (after one warm-up) and returns the median seconds.
double TimeQuery(dhl::engine::Connection& connection, const std::string& sql, int runs) {
  Must(connection.Query(sql), sql.c_str());
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    Must(connection.Query(sql), sql.c_str());
    times.push_back(Seconds(start));
  }
  return Median(times);
}

std::string FileList(const dhl::lake::Snapshot& snapshot) {
  std::string list = "[";
  for (const auto& [path, add] : snapshot.files) {
    list += (list.size() > 1 ? ", '" : "'") + snapshot.FilePath(path) + "'";
  }
  return list + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = 10'000'000;
  int commits = 1000;
  int threads = 2;
  bool keep = false;
  std::string dir = (fs::temp_directory_path() / ("dhl_lake_bench_" + dhl::Uuid4())).string();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
    }
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) {
      rows = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--commits") == 0) {
      commits = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--dir") == 0) {
      dir = argv[i + 1];
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::atoi(argv[i + 1]);
    }
  }
  fs::create_directories(dir);
  auto db = Must(dhl::engine::Database::Open({.threads = threads}), "open DuckDB");
  auto connection = Must(db.Connect(), "connect");
  std::printf("lake_bench: %lld rows, %d commits, %d threads, in %s\n",
              static_cast<long long>(rows), commits, threads, dir.c_str());

  // 1. Append throughput: narrow rows (id, org unit, day, value), unpartitioned and partitioned by
  // year.
  const std::string narrow =
      "SELECT range AS id, 'OU' || (range % 1000)::VARCHAR AS ou, DATE '2020-01-01' + "
      "(range % 1461)::INTEGER AS day, year(DATE '2020-01-01' + (range % 1461)::INTEGER) AS year, "
      "(range * 7 % 100000) / 10.0 AS value FROM range(" +
      std::to_string(rows) + ")";
  DeltaTable flat(dir + "/flat");
  auto start = std::chrono::steady_clock::now();
  auto written =
      Must(flat.Write(connection, narrow, {.mode = dhl::lake::WriteMode::kCreate}), "append");
  double seconds = Seconds(start);
  std::printf(
      "append  unpartitioned: %lld rows in %.2f s = %.2f M rows/s, %.1f MB/s (%lld files, %.1f "
      "MB)\n",
      static_cast<long long>(written.rows_written), seconds, written.rows_written / seconds / 1e6,
      written.bytes_written / seconds / 1e6, static_cast<long long>(written.files_added),
      written.bytes_written / 1e6);
  DeltaTable parted(dir + "/parted");
  start = std::chrono::steady_clock::now();
  written =
      Must(parted.Write(connection, narrow,
                        {.mode = dhl::lake::WriteMode::kCreate, .partition_columns = {"year"}}),
           "append partitioned");
  seconds = Seconds(start);
  std::printf(
      "append  by year:       %lld rows in %.2f s = %.2f M rows/s, %.1f MB/s (%lld files)\n",
      static_cast<long long>(written.rows_written), seconds, written.rows_written / seconds / 1e6,
      written.bytes_written / seconds / 1e6, static_cast<long long>(written.files_added));

  // 2. SQL aggregate through the lake view vs the same Parquet files read directly.
  const std::string aggregate = "SELECT ou, count(*), sum(value), min(day) FROM {} GROUP BY ou";
  auto run = [&](DeltaTable& table, const char* label, const std::string& direct_source) {
    auto snapshot = Must(table.Load(connection), "load");
    auto status = table.CreateView(connection, snapshot, "bench", label);
    if (!status.ok()) {
      Fail(status, "view");
    }
    std::string through_view = aggregate;
    through_view.replace(through_view.find("{}"), 2, std::string("bench.") + label);
    std::string direct = aggregate;
    direct.replace(direct.find("{}"), 2, direct_source);
    // Interleave to share any drift in machine load.
    std::vector<double> view_times;
    std::vector<double> direct_times;
    for (int round = 0; round < 3; ++round) {
      view_times.push_back(TimeQuery(connection, through_view, 3));
      direct_times.push_back(TimeQuery(connection, direct, 3));
    }
    double view_s = Median(view_times);
    double direct_s = Median(direct_times);
    std::printf("sql     %-14s view %.3f s, direct read_parquet %.3f s, ratio %.3f\n", label,
                view_s, direct_s, view_s / direct_s);
  };
  {
    auto snapshot = Must(flat.Load(connection), "load");
    run(flat, "unpartitioned", "read_parquet(" + FileList(snapshot) + ")");
  }
  run(parted, "by_year", "read_parquet('" + dir + "/parted/*/*.parquet', hive_partitioning=true)");

  // 3. Snapshot load of a long log, with and without checkpoints. The commits are written through
  // DeltaLog directly (one add each, like small appends), so that building the log takes seconds.
  for (bool with_checkpoints : {false, true}) {
    const std::string root = dir + (with_checkpoints ? "/log_checkpointed" : "/log_plain");
    DeltaTable table(root);
    auto schema = Must(dhl::lake::Schema::FromDuckDb({"id"}, {"BIGINT"}), "schema");
    Must(table.CreateEmpty(schema, {}), "create");
    for (int version = 1; version < commits; ++version) {
      dhl::lake::LogEntry entry;
      dhl::lake::CommitInfo info;
      info.timestamp = 1700000000000LL + version;
      info.operation = "WRITE";
      info.operation_parameters["mode"] = "Append";
      entry.commit_info = info;
      dhl::lake::AddFile add;
      add.path = "part-00000-" + dhl::Uuid4() + ".c000.snappy.parquet";
      add.size = 1000;
      add.modification_time = 1700000000000LL;
      add.stats =
          R"({"numRecords":10,"minValues":{"id":0},"maxValues":{"id":9},"nullCount":{"id":0}})";
      entry.adds.push_back(add);
      entry.transactions.push_back({"bench", version, 1700000000000LL});
      auto status = table.log().WriteCommit(version, entry);
      if (!status.ok()) {
        Fail(status, "commit");
      }
      if (with_checkpoints && version % 10 == 0) {
        auto snapshot = Must(table.Load(connection), "load");
        status = table.log().WriteCheckpoint(connection, snapshot);
        if (!status.ok()) {
          Fail(status, "checkpoint");
        }
      }
    }
    std::vector<double> times;
    size_t files = 0;
    for (int i = 0; i < 5; ++i) {
      start = std::chrono::steady_clock::now();
      auto snapshot = Must(table.Load(connection), "load");
      times.push_back(Seconds(start));
      files = snapshot.files.size();
    }
    std::printf("load    %d commits %-18s %.1f ms (median of 5; %zu live files)\n", commits,
                with_checkpoints ? "with checkpoints:" : "without checkpoint:",
                Median(times) * 1000, files);
  }
  if (!keep) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  return 0;
}
