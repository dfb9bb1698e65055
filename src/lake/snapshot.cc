#include "lake/snapshot.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <system_error>

namespace dhl::lake {
namespace {

const std::set<std::string>& ReadableFeatures() {
  static const std::set<std::string> features = {"timestampNtz"};
  return features;
}

const std::set<std::string>& WritableFeatures() {
  static const std::set<std::string> features = {"appendOnly", "invariants", "timestampNtz"};
  return features;
}

Status UnsupportedFeature(const std::string& root, std::string_view feature) {
  return Unsupported(fmt::format("table {}: unsupported table feature '{}'", root, feature));
}

}  // namespace

std::optional<int64_t> Snapshot::TransactionVersion(const std::string& app_id) const {
  auto it = transactions.find(app_id);
  if (it == transactions.end()) {
    return std::nullopt;
  }
  return it->second.version;
}

bool Snapshot::append_only() const {
  auto it = metadata.configuration.find("delta.appendOnly");
  return it != metadata.configuration.end() && it->second == "true";
}

std::string Snapshot::FilePath(const std::string& decoded_path) const {
  if (decoded_path.starts_with("file://")) {
    std::string rest = decoded_path.substr(7);
    return rest;
  }
  if (decoded_path.starts_with("/")) {
    return decoded_path;
  }
  return table_root + "/" + decoded_path;
}

Status Snapshot::CheckInsideTable(const std::string& decoded_path) const {
  if (!decoded_path.empty() && decoded_path.front() != '/' &&
      decoded_path.find("..") == std::string::npos && decoded_path.find(':') == std::string::npos &&
      decoded_path.find('\0') == std::string::npos) {
    return Status::Ok();  // the common case: a plain relative path
  }
  std::string path = decoded_path;
  if (path.starts_with("file://")) {
    path = path.substr(7);
  } else if (path.starts_with("file:")) {
    path = path.substr(5);
  }
  auto outside = [&](std::string_view reason) {
    return Corruption(
        fmt::format("table {}: add path \"{}\" {}", table_root, decoded_path, reason));
  };
  if (path.empty() || path.find('\0') != std::string::npos) {
    return outside("is not a file name");
  }
  if (path.find("://") != std::string::npos) {
    return outside("is a URI we do not read (only files inside the table are read)");
  }
  const std::filesystem::path normal = std::filesystem::path(path).lexically_normal();
  if (normal.is_relative()) {
    if (normal.empty() || *normal.begin() == ".." || normal == ".") {
      return outside("points outside the table");
    }
    return Status::Ok();
  }
  std::error_code error;
  std::filesystem::path root = std::filesystem::absolute(table_root, error).lexically_normal();
  if (error) {
    return IoError(fmt::format("table {}: {}", table_root, error.message()));
  }
  const std::string root_text = root.string();
  const std::string normal_text = normal.string();
  const std::string prefix = root_text.ends_with("/") ? root_text : root_text + "/";
  if (!normal_text.starts_with(prefix) || normal_text.size() == prefix.size()) {
    return outside("points outside the table");
  }
  return Status::Ok();
}

int64_t Snapshot::total_bytes() const {
  int64_t total = 0;
  for (const auto& [path, add] : files) {
    total += add.size;
  }
  return total;
}

std::optional<int64_t> Snapshot::total_rows() const {
  int64_t total = 0;
  for (const auto& [path, add] : files) {
    auto stats = ParseFileStatistics(add.stats);
    if (!stats || !stats->num_records) {
      return std::nullopt;
    }
    total += *stats->num_records;
  }
  return total;
}

Status Snapshot::CheckReadable() const {
  const int reader = protocol.min_reader_version;
  // Name every reader feature we lack (the most useful message), then the version itself.
  std::string missing;
  for (const auto& feature : protocol.reader_features.value_or(std::vector<std::string>{})) {
    if (!ReadableFeatures().contains(feature)) {
      missing += (missing.empty() ? "'" : ", '") + feature + "'";
    }
  }
  if (!missing.empty()) {
    return Unsupported(fmt::format("table {}: unsupported table feature{} {}", table_root,
                                   missing.find(',') == std::string::npos ? "" : "s", missing));
  }
  if (reader > 3) {
    return UnsupportedFeature(table_root, fmt::format("minReaderVersion {}", reader));
  }
  if (reader == 3 && !protocol.reader_features) {
    return Corruption(
        fmt::format("table {}: minReaderVersion 3 without readerFeatures", table_root));
  }
  auto mapping = metadata.configuration.find("delta.columnMapping.mode");
  if (mapping != metadata.configuration.end() && mapping->second != "none") {
    return UnsupportedFeature(table_root, "columnMapping");
  }
  for (const auto& [path, add] : files) {
    if (add.has_deletion_vector) {
      return UnsupportedFeature(table_root, "deletionVectors");
    }
  }
  return Status::Ok();
}

Status Snapshot::CheckWritable() const {
  DHL_RETURN_IF_ERROR(CheckReadable());
  const int writer = protocol.min_writer_version;
  if (writer == 7) {
    for (const auto& feature : protocol.writer_features.value_or(std::vector<std::string>{})) {
      if (!WritableFeatures().contains(feature)) {
        return UnsupportedFeature(table_root, feature).WithContext("cannot write");
      }
    }
  } else if (writer > 2) {
    return UnsupportedFeature(table_root, fmt::format("minWriterVersion {}", writer))
        .WithContext("cannot write");
  }
  for (const auto& field : schema.fields()) {
    if (field.metadata.is_object() && field.metadata.contains("delta.invariants")) {
      return UnsupportedFeature(table_root, "invariants (column " + field.name + ")")
          .WithContext("cannot write");
    }
  }
  return Status::Ok();
}

}  // namespace dhl::lake
