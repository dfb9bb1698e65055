#include "serve/lake_views.h"

#include <fmt/format.h>

#include <filesystem>
#include <utility>

#include "base/logging.h"
#include "sql/literal.h"

namespace dhl::serve {

ConnectionLease::ConnectionLease(std::shared_ptr<LakeGeneration> generation,
                                 std::unique_ptr<engine::Connection> connection)
    : generation_(std::move(generation)), connection_(std::move(connection)) {}

ConnectionLease::~ConnectionLease() {
  if (generation_ != nullptr && connection_ != nullptr) {
    generation_->Return(std::move(connection_));
  }
}

Result<std::shared_ptr<LakeGeneration>> LakeGeneration::Build(const lake::LakeCatalog& catalog) {
  DHL_ASSIGN_OR_RETURN(std::vector<lake::TableName> tables, catalog.ListTables());
  std::shared_ptr<LakeGeneration> generation(new LakeGeneration());
  DHL_ASSIGN_OR_RETURN(engine::Database database, engine::Database::Open());
  generation->database_.emplace(std::move(database));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, generation->database_->Connect());
  std::vector<std::string> readable_files;
  for (const lake::TableName& name : tables) {
    lake::DeltaTable table = catalog.Table(name);
    Result<lake::Snapshot> snapshot = table.Load(connection);
    Status status = snapshot.status();
    if (status.ok()) {
      status = table.CreateView(connection, *snapshot, name.layer, name.name);
    }
    if (!status.ok()) {
      LogWarn("{} is not available: {}", name.ToString(), status.ToString());
      continue;
    }
    generation->versions_[name] = snapshot->version;
    generation->commit_times_ms_[name] = snapshot->timestamp_ms;
    for (const auto& [path, add] : snapshot->files) {
      readable_files.push_back(snapshot->FilePath(path));
    }
  }
  // Only the snapshots' data files stay readable; everything else outside the database is shut.
  std::string allowed = "[";
  for (size_t i = 0; i < readable_files.size(); ++i) {
    allowed += (i == 0 ? "" : ", ") + sql::StringLiteral(readable_files[i]);
  }
  allowed += "]";
  if (!readable_files.empty()) {
    DHL_RETURN_IF_ERROR(connection.Execute("SET allowed_paths = " + allowed));
  }
  DHL_RETURN_IF_ERROR(connection.Execute(
      "SET enable_external_access = false; SET autoinstall_known_extensions = false; "
      "SET autoload_known_extensions = false; SET lock_configuration = true"));
  generation->idle_.push_back(std::make_unique<engine::Connection>(std::move(connection)));
  return generation;
}

std::optional<int64_t> LakeGeneration::VersionOf(const lake::TableName& table) const {
  auto found = versions_.find(table);
  if (found == versions_.end()) {
    return std::nullopt;
  }
  return found->second;
}

Result<ConnectionLease> LakeGeneration::Lease() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<engine::Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return ConnectionLease(shared_from_this(), std::move(connection));
    }
  }
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database_->Connect());
  return ConnectionLease(shared_from_this(),
                         std::make_unique<engine::Connection>(std::move(connection)));
}

void LakeGeneration::Return(std::unique_ptr<engine::Connection> connection) {
  constexpr size_t kMaxIdle = 16;
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(std::move(connection));
  }
}

LakeViews::LakeViews(std::string lake_dir)
    : catalog_(std::filesystem::absolute(lake_dir).lexically_normal().string()) {}

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
    // A table skipped at build (unreadable) stays absent from the generation: compare only the
    // listing, so an unreadable table does not force a rebuild on every request.
    bool same = true;
    for (const auto& [name, version] : versions) {
      std::optional<int64_t> held = current_->VersionOf(name);
      if (held.has_value() ? *held != version : true) {
        same = false;
        break;
      }
    }
    if (same && current_->versions().size() == versions.size()) {
      return current_;
    }
  }
  DHL_ASSIGN_OR_RETURN(current_, LakeGeneration::Build(catalog_));
  return current_;
}

}  // namespace dhl::serve
