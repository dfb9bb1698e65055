#include "source/watermark_store.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "source/landing_file.h"
#include "sql/literal.h"

namespace dhl::source {
namespace {

std::string DeliveriesPath(const std::string& lake_dir) {
  return lake_dir + "/_system/snapshots.json";
}

// The file's entries (an object); an empty object when it is missing or does not parse.
nlohmann::json ReadDeliveries(const std::string& lake_dir) {
  Result<std::string> text = ReadWholeFile(DeliveriesPath(lake_dir));
  if (!text.ok()) {
    return nlohmann::json::object();
  }
  nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

}  // namespace

Result<std::optional<std::string>> WatermarkStore::Since(const std::string& resource,
                                                         const std::string& time_zone,
                                                         int overlap_seconds) {
  lake::TableName name{"ops", "watermark"};
  if (!catalog_.Table(name).Exists()) {
    return std::optional<std::string>();
  }
  Status registered = catalog_.Register(connection_, name);
  if (registered.code() == StatusCode::kNotFound) {
    return std::optional<std::string>();  // created by a writer killed before its first commit
  }
  DHL_RETURN_IF_ERROR(registered);
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult result,
      connection_.Query(fmt::format(
          "SELECT strftime(timezone({}, max(watermark) - to_seconds({})), '%Y-%m-%dT%H:%M:%S.%g') "
          "FROM ops.watermark WHERE resource = {}",
          sql::StringLiteral(time_zone), sql::IntegerLiteral(overlap_seconds),
          sql::StringLiteral(resource))));
  if (result.row_count() == 0) {
    return std::optional<std::string>();
  }
  return result.GetString(0, 0);
}

Status WatermarkStore::Record(const ExtractionPlan& plan) {
  if (plan.watermark.empty()) {
    return Status::Ok();
  }
  lake::DeltaTable table = catalog_.Table({"ops", "watermark"});
  lake::WriteOptions options;
  options.mode = lake::WriteMode::kAppend;
  options.transactions.push_back({plan.run_id + ":" + plan.resource, 1, std::nullopt});
  std::string select = fmt::format(
      "SELECT {} AS resource, {} AS run_id, CAST({} AS TIMESTAMPTZ) AS watermark, {} AS since, "
      "CAST({} AS TIMESTAMPTZ) AS completed_at",
      sql::StringLiteral(plan.resource), sql::StringLiteral(plan.run_id),
      sql::StringLiteral(plan.watermark), sql::StringLiteral(plan.since),
      sql::StringLiteral(FormatIsoUtcMillis(ToEpochMillis(clock_.Now()))));
  DHL_ASSIGN_OR_RETURN(lake::WriteResult written, table.Write(connection_, select, options));
  (void)written;
  return Status::Ok();
}

std::optional<SnapshotDelivery> WatermarkStore::LastDelivery(const std::string& resource) const {
  nlohmann::json deliveries = ReadDeliveries(catalog_.lake_dir());
  auto entry = deliveries.find(resource);
  if (entry == deliveries.end() || !entry->is_object() || !(*entry)["fingerprint"].is_string() ||
      !(*entry)["records"].is_number_integer() || !(*entry)["versions"].is_object()) {
    return std::nullopt;
  }
  SnapshotDelivery delivery;
  delivery.fingerprint = (*entry)["fingerprint"].get<std::string>();
  delivery.records = (*entry)["records"].get<int64_t>();
  for (const auto& [table, version] : (*entry)["versions"].items()) {
    if (!version.is_number_integer()) {
      return std::nullopt;
    }
    delivery.versions[table] = version.get<int64_t>();
  }
  return delivery;
}

Status WatermarkStore::RecordDelivery(const std::string& resource,
                                      const SnapshotDelivery& delivery) {
  nlohmann::json deliveries = ReadDeliveries(catalog_.lake_dir());
  deliveries[resource] = {{"fingerprint", delivery.fingerprint},
                          {"records", delivery.records},
                          {"versions", delivery.versions}};
  return WriteFileAtomically(DeliveriesPath(catalog_.lake_dir()), deliveries.dump(1));
}

}  // namespace dhl::source
