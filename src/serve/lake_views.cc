#include "serve/lake_views.h"

#include <fmt/format.h>

#include <filesystem>
#include <utility>

#include "base/logging.h"
#include "sql/literal.h"

namespace dhl::serve {

ConnectionLease::ConnectionLease(std::shared_ptr<LakeGeneration> generation,
                                 std::unique_ptr<engine::Connection> connection, bool sql)
    : generation_(std::move(generation)), connection_(std::move(connection)), sql_(sql) {}

ConnectionLease::~ConnectionLease() {
  if (generation_ != nullptr && connection_ != nullptr) {
    generation_->Return(std::move(connection_), sql_);
  }
}

namespace {

// Shuts everything outside the database but `readable_files` (the snapshots' data files).
Status LockDown(engine::Connection& connection, const std::vector<std::string>& readable_files) {
  std::string allowed = "[";
  for (size_t i = 0; i < readable_files.size(); ++i) {
    allowed += (i == 0 ? "" : ", ") + sql::StringLiteral(readable_files[i]);
  }
  allowed += "]";
  if (!readable_files.empty()) {
    DHL_RETURN_IF_ERROR(connection.Execute("SET allowed_paths = " + allowed));
  }
  return connection.Execute(
      "SET enable_external_access = false; SET autoinstall_known_extensions = false; "
      "SET autoload_known_extensions = false; SET lock_configuration = true");
}

}  // namespace

Result<std::shared_ptr<LakeGeneration>> LakeGeneration::Build(const lake::LakeCatalog& catalog,
                                                              const TableVersions& listed,
                                                              const LakeViewsOptions& options) {
  std::shared_ptr<LakeGeneration> generation(new LakeGeneration());
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(options.analytics));
  generation->database_.emplace(std::move(database));
  DHL_ASSIGN_OR_RETURN(engine::Database sql_database, engine::Database::Open(options.sql));
  generation->sql_database_.emplace(std::move(sql_database));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, generation->database_->Connect());
  DHL_ASSIGN_OR_RETURN(engine::Connection sql_connection, generation->sql_database_->Connect());
  std::vector<std::pair<lake::TableName, lake::Snapshot>> snapshots;
  for (const auto& [name, listed_version] : listed) {
    lake::DeltaTable table = catalog.Table(name);
    Result<lake::Snapshot> snapshot = table.Load(connection);
    Status status = snapshot.status();
    if (status.ok()) {
      // A view that cannot be created (a log naming files the engine refuses) skips the table.
      status = table.CreateView(connection, *snapshot, name.layer, name.name);
    }
    if (!status.ok()) {
      LogWarn("{} is not available: {}", name.ToString(), status.ToString());
      generation->skipped_[name] = listed_version;
      continue;
    }
    generation->versions_[name] = snapshot->version;
    generation->commit_times_ms_[name] = snapshot->timestamp_ms;
    snapshots.emplace_back(name, std::move(*snapshot));
  }
  std::vector<std::string> readable_files;
  for (const auto& [name, snapshot] : snapshots) {
    DHL_RETURN_IF_ERROR(
        catalog.Table(name).CreateView(sql_connection, snapshot, name.layer, name.name));
    for (const auto& [path, add] : snapshot.files) {
      readable_files.push_back(snapshot.FilePath(path));
    }
  }
  DHL_RETURN_IF_ERROR(LockDown(connection, readable_files));
  DHL_RETURN_IF_ERROR(LockDown(sql_connection, readable_files));
  generation->idle_.push_back(std::make_unique<engine::Connection>(std::move(connection)));
  generation->idle_sql_.push_back(std::make_unique<engine::Connection>(std::move(sql_connection)));
  return generation;
}

std::optional<int64_t> LakeGeneration::VersionOf(const lake::TableName& table) const {
  auto found = versions_.find(table);
  if (found == versions_.end()) {
    return std::nullopt;
  }
  return found->second;
}

Result<ConnectionLease> LakeGeneration::Lease() { return LeaseFrom(false); }
Result<ConnectionLease> LakeGeneration::LeaseSql() { return LeaseFrom(true); }

Result<ConnectionLease> LakeGeneration::LeaseFrom(bool sql) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& idle = sql ? idle_sql_ : idle_;
    if (!idle.empty()) {
      std::unique_ptr<engine::Connection> connection = std::move(idle.back());
      idle.pop_back();
      return ConnectionLease(shared_from_this(), std::move(connection), sql);
    }
  }
  DHL_ASSIGN_OR_RETURN(engine::Connection connection,
                       sql ? sql_database_->Connect() : database_->Connect());
  return ConnectionLease(shared_from_this(),
                         std::make_unique<engine::Connection>(std::move(connection)), sql);
}

void LakeGeneration::Return(std::unique_ptr<engine::Connection> connection, bool sql) {
  constexpr size_t kMaxIdle = 16;
  std::lock_guard<std::mutex> lock(mutex_);
  auto& idle = sql ? idle_sql_ : idle_;
  if (idle.size() < kMaxIdle) {
    idle.push_back(std::move(connection));
  }
}

LakeViews::LakeViews(std::string lake_dir, LakeViewsOptions options)
    : catalog_(std::filesystem::absolute(lake_dir).lexically_normal().string()),
      options_(std::move(options)) {}

int64_t LakeViews::builds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return builds_;
}

Result<TableVersions> LakeViews::ListVersions() const {
  DHL_ASSIGN_OR_RETURN(std::vector<lake::TableName> tables, catalog_.ListTables());
  TableVersions versions;
  for (const lake::TableName& name : tables) {
    lake::DeltaTable table = catalog_.Table(name);
    Result<int64_t> version = table.log().LatestVersion();
    if (version.ok()) {
      versions[name] = *version;
    }
  }
  return versions;
}

Result<std::shared_ptr<LakeGeneration>> LakeViews::Current() {
  DHL_ASSIGN_OR_RETURN(TableVersions versions, ListVersions());
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_ != nullptr) {
    // A table skipped at build (unreadable) counts at the version it was listed with, so that it
    // forces no rebuild until it gets another version.
    bool same = current_->versions().size() + current_->skipped().size() == versions.size();
    for (const auto& [name, version] : versions) {
      std::optional<int64_t> held = current_->VersionOf(name);
      auto skipped = current_->skipped().find(name);
      if (!held.has_value() && skipped != current_->skipped().end()) {
        held = skipped->second;
      }
      if (!same || !held.has_value() || *held != version) {
        same = false;
        break;
      }
    }
    if (same) {
      return current_;
    }
  }
  DHL_ASSIGN_OR_RETURN(current_, LakeGeneration::Build(catalog_, versions, options_));
  ++builds_;
  return current_;
}

}  // namespace dhl::serve
