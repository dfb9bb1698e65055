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

// Makes view `layer.name` read the sorted copy in `file` (attached read-only).
Status AttachCopy(engine::Connection& connection, const lake::TableName& name,
                  const std::string& file) {
  std::string alias = sql::QuoteName("copy_" + name.layer + "_" + name.name);
  return connection.Execute(fmt::format(
      "ATTACH {0} AS {1} (READ_ONLY); CREATE SCHEMA IF NOT EXISTS {2}; CREATE OR REPLACE VIEW "
      "{2}.{3} AS SELECT * FROM {1}.main.rows",
      sql::StringLiteral(file), alias, sql::QuoteName(name.layer), sql::QuoteName(name.name)));
}

}  // namespace

Result<std::shared_ptr<LakeGeneration>> LakeGeneration::Build(const lake::LakeCatalog& catalog,
                                                              const TableVersions& listed,
                                                              const LakeViewsOptions& options,
                                                              const TableSnapshots& known,
                                                              ServingCopies* copies) {
  std::shared_ptr<LakeGeneration> generation(new LakeGeneration());
  generation->catalog_ = &catalog;
  generation->options_ = options;
  generation->copies_epoch_ = copies != nullptr ? copies->epoch() : 0;
  std::vector<std::string> analytics_files;  // readable_files_ and the attached copies
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open(options.analytics));
  generation->database_.emplace(std::move(database));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, generation->database_->Connect());
  for (const auto& [name, listed_version] : listed) {
    lake::DeltaTable table = catalog.Table(name);
    std::shared_ptr<const lake::Snapshot> snapshot;
    auto found = known.find(name);
    if (found != known.end() && found->second->version == listed_version) {
      snapshot = found->second;
    }
    Status status = Status::Ok();
    if (snapshot == nullptr) {
      Result<lake::Snapshot> loaded = table.Load(connection);
      status = loaded.status();
      if (status.ok()) {
        snapshot = std::make_shared<const lake::Snapshot>(std::move(*loaded));
      }
    }
    std::optional<std::string> copy;
    if (status.ok() && copies != nullptr) {
      copy = copies->Find(name, snapshot);
    }
    if (copy.has_value()) {
      Status attached = AttachCopy(connection, name, *copy);
      if (attached.ok()) {
        generation->copied_.insert(name);
        analytics_files.push_back(*copy);
      } else {
        LogWarn("serve: reading {} from its Parquet files: {}", name.ToString(),
                attached.ToString());
        copy.reset();
      }
    }
    if (status.ok() && !copy.has_value()) {
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
    for (const auto& [path, add] : snapshot->files) {
      generation->readable_files_.push_back(snapshot->FilePath(path));
    }
    generation->snapshots_[name] = std::move(snapshot);
  }
  if (copies != nullptr) {
    copies->StartQueued();
  }
  analytics_files.insert(analytics_files.end(), generation->readable_files_.begin(),
                         generation->readable_files_.end());
  DHL_RETURN_IF_ERROR(LockDown(connection, analytics_files));
  generation->idle_.push_back(std::make_unique<engine::Connection>(std::move(connection)));
  return generation;
}

Status LakeGeneration::BuildSqlDatabase() {
  std::lock_guard<std::mutex> lock(sql_build_mutex_);
  if (sql_built_) {
    return Status::Ok();
  }
  DHL_ASSIGN_OR_RETURN(engine::Database sql_database, engine::Database::Open(options_.sql));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, sql_database.Connect());
  for (const auto& [name, snapshot] : snapshots_) {
    DHL_RETURN_IF_ERROR(
        catalog_->Table(name).CreateView(connection, *snapshot, name.layer, name.name));
  }
  DHL_RETURN_IF_ERROR(LockDown(connection, readable_files_));
  sql_database_.emplace(std::move(sql_database));
  {
    std::lock_guard<std::mutex> idle_lock(mutex_);
    idle_sql_.push_back(std::make_unique<engine::Connection>(std::move(connection)));
  }
  sql_built_ = true;
  return Status::Ok();
}

bool LakeGeneration::sql_database_built() const {
  std::lock_guard<std::mutex> lock(sql_build_mutex_);
  return sql_built_;
}

bool LakeGeneration::Covers(const TableVersions& listed) const {
  if (versions_.size() + skipped_.size() != listed.size()) {
    return false;
  }
  for (const auto& [name, version] : listed) {
    std::optional<int64_t> held = VersionOf(name);
    auto skipped = skipped_.find(name);
    if (!held.has_value() && skipped != skipped_.end()) {
      held = skipped->second;
    }
    if (!held.has_value() || *held < version) {
      return false;
    }
  }
  return true;
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
  if (sql) {
    DHL_RETURN_IF_ERROR(BuildSqlDatabase());
  }
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
      options_(std::move(options)) {
  if (options_.copies.has_value()) {
    copies_ = std::make_unique<ServingCopies>(catalog_, *options_.copies);
  }
}

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
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (current_ != nullptr && current_->Covers(versions) &&
        (copies_ == nullptr || current_->copies_epoch() == copies_->epoch())) {
      return current_;
    }
    if (!building_) {
      break;
    }
    // Another request builds (the versions it listed may be these): wait for it, then look again.
    built_.wait(lock, [this] { return !building_; });
  }
  building_ = true;
  TableSnapshots known;
  if (current_ != nullptr) {
    known = current_->snapshots();
  }
  lock.unlock();
  Result<std::shared_ptr<LakeGeneration>> built =
      LakeGeneration::Build(catalog_, versions, options_, known, copies_.get());
  lock.lock();
  building_ = false;
  built_.notify_all();
  DHL_RETURN_IF_ERROR(built.status());
  current_ = *built;
  ++builds_;
  return current_;
}

}  // namespace dhl::serve
