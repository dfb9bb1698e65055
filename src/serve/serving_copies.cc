#include "serve/serving_copies.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "base/logging.h"
#include "base/text.h"
#include "engine/connection.h"
#include "sql/literal.h"

namespace dhl::serve {

ServingCopies::ServingCopies(const lake::LakeCatalog& catalog, ServingCopiesOptions options)
    : catalog_(catalog), options_(std::move(options)) {
  std::error_code error;
  std::filesystem::create_directories(options_.dir, error);
  if (error) {
    LogWarn(
        "serve: no sorted copies of the gold tables (cannot create {}: {}); answers read the "
        "Parquet files",
        options_.dir, error.message());
    usable_ = false;
    return;
  }
  if (!options_.engine.temp_directory.has_value()) {
    options_.engine.temp_directory = options_.dir + "/spill";
  }
  worker_ = std::thread([this] { Work(); });
}

ServingCopies::~ServingCopies() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
    if (building_ != nullptr) {
      building_->Interrupt();  // a large sort would otherwise hold the server's stop
    }
  }
  wake_.notify_all();
  if (worker_.joinable()) {
    worker_.join();
  }
  if (usable_) {
    std::error_code error;
    std::filesystem::remove_all(options_.dir, error);
  }
}

bool ServingCopies::Copies(const lake::TableName& table) const {
  return usable_ && options_.order_by.count(table) > 0;
}

std::string ServingCopies::FileOf(const lake::TableName& table, int64_t version) const {
  return fmt::format("{}/{}.{}@{}.duckdb", options_.dir, table.layer, table.name, version);
}

std::optional<std::string> ServingCopies::Find(
    const lake::TableName& table, const std::shared_ptr<const lake::Snapshot>& snapshot) {
  if (!Copies(table)) {
    return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto ready = ready_.find(table);
  if (ready != ready_.end() && ready->second.first == snapshot->version) {
    return ready->second.second;
  }
  if (!stopping_ && tried_.insert({table, snapshot->version}).second) {
    queue_.push_back(Job{table, snapshot});  // started by StartQueued
  }
  return std::nullopt;
}

void ServingCopies::StartQueued() { wake_.notify_all(); }

int64_t ServingCopies::epoch() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return epoch_;
}

void ServingCopies::WaitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return stopping_ || (queue_.empty() && !busy_); });
}

void ServingCopies::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        idle_.notify_all();
        return;
      }
      // The smallest table first: its copy is ready soonest (a medium gold.aggregate takes
      // minutes; gold.indicator_value seconds).
      auto smallest =
          std::min_element(queue_.begin(), queue_.end(), [](const Job& a, const Job& b) {
            return a.snapshot->total_bytes() < b.snapshot->total_bytes();
          });
      job = std::move(*smallest);
      queue_.erase(smallest);
      // A newer version of the same table still queued makes this one moot.
      bool superseded = false;
      for (const Job& later : queue_) {
        superseded = superseded ||
                     (later.table == job.table && later.snapshot->version > job.snapshot->version);
      }
      if (superseded) {
        if (queue_.empty()) {
          idle_.notify_all();
        }
        continue;
      }
      busy_ = true;
    }
    std::string file = FileOf(job.table, job.snapshot->version);
    auto start = std::chrono::steady_clock::now();
    Status built = Build(job, file);
    std::string previous;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
      if (built.ok()) {
        auto& ready = ready_[job.table];
        if (ready.first < job.snapshot->version || ready.second.empty()) {
          previous = ready.second;
          ready = {job.snapshot->version, file};
          ++epoch_;
        } else {
          previous = file;  // an even newer copy got ready meanwhile
        }
      }
      if (queue_.empty()) {
        idle_.notify_all();
      }
    }
    std::error_code error;
    if (!built.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        idle_.notify_all();
        return;  // interrupted by the stop
      }
    }
    if (!built.ok()) {
      LogWarn("serve: no sorted copy of {} version {} (answers read its Parquet files): {}",
              job.table.ToString(), job.snapshot->version, built.ToString());
      std::filesystem::remove(file, error);
      std::filesystem::remove(file + ".wal", error);
      continue;
    }
    LogInfo("serve: sorted copy of {} version {} ready in {:.1f} s", job.table.ToString(),
            job.snapshot->version,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!previous.empty()) {
      std::filesystem::remove(previous, error);  // open handles keep reading it
    }
  }
}

Status ServingCopies::Build(const Job& job, const std::string& file) {
  std::error_code error;
  std::filesystem::remove(file, error);
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(options_.engine));
  {
    DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
    lake::DeltaTable table = catalog_.Table(job.table);
    DHL_RETURN_IF_ERROR(table.CreateView(connection, *job.snapshot, "main", "source"));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        return Unsupported("the server is stopping");
      }
      building_ = &connection;
    }
    Status built = Copy(connection, job.table, file);
    std::lock_guard<std::mutex> lock(mutex_);
    building_ = nullptr;
    DHL_RETURN_IF_ERROR(built);
  }
  return Status::Ok();
}

Status ServingCopies::Copy(engine::Connection& connection, const lake::TableName& table,
                           const std::string& file) {
  const std::string& order_by = options_.order_by.at(table);
  std::string key(Trim(order_by.substr(0, order_by.find(','))));
  // Rows per key value, in key order: the ranges each sort takes.
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult counts,
      connection.Query(fmt::format("SELECT CAST({0} AS VARCHAR), count(*) FROM main.source GROUP "
                                   "BY {0} ORDER BY {0} NULLS FIRST",
                                   key)));
  std::vector<std::string> conditions;
  int64_t rows = 0;
  std::optional<std::string> low;
  std::string high;
  auto close_range = [&] {
    if (low.has_value()) {
      conditions.push_back(fmt::format("{} BETWEEN {} AND {}", key, sql::StringLiteral(*low),
                                       sql::StringLiteral(high)));
    }
    low.reset();
    rows = 0;
  };
  for (size_t row = 0; row < counts.row_count(); ++row) {
    std::optional<std::string> value = counts.GetString(0, row);
    int64_t count = counts.GetInt64(1, row).value_or(0);
    if (!value.has_value()) {
      conditions.push_back(key + " IS NULL");
      continue;
    }
    if (low.has_value() && rows + count > options_.rows_per_sort) {
      close_range();
    }
    if (!low.has_value()) {
      low = *value;
    }
    high = *value;
    rows += count;
  }
  close_range();
  DHL_RETURN_IF_ERROR(connection.Execute(
      fmt::format("ATTACH {} AS copy (ROW_GROUP_SIZE {}); CREATE TABLE copy.rows AS SELECT * FROM "
                  "main.source LIMIT 0",
                  sql::StringLiteral(file), options_.row_group_size)));
  for (const std::string& condition : conditions) {
    DHL_RETURN_IF_ERROR(
        connection.Execute(fmt::format("INSERT INTO copy.rows SELECT * FROM main.source WHERE {} "
                                       "ORDER BY {}",
                                       condition, order_by)));
  }
  return connection.Execute("DETACH copy");
}

}  // namespace dhl::serve
