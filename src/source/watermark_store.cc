#include "source/watermark_store.h"

#include <fmt/format.h>

#include "sql/literal.h"

namespace dhl::source {
namespace {
std::string Lit(std::string_view value) { return sql::StringLiteral(value, sql::Dialect::kDuckDb); }
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
          Lit(time_zone), sql::IntegerLiteral(overlap_seconds), Lit(resource))));
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
      Lit(plan.resource), Lit(plan.run_id), Lit(plan.watermark), Lit(plan.since),
      Lit(FormatIsoUtcMillis(ToEpochMillis(clock_.Now()))));
  DHL_ASSIGN_OR_RETURN(lake::WriteResult written, table.Write(connection_, select, options));
  (void)written;
  return Status::Ok();
}

}  // namespace dhl::source
