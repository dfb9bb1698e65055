#include "source/web_api_extractor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "base/file.h"
#include "base/hash.h"
#include "base/logging.h"
#include "base/progress.h"
#include "base/text.h"
#include "dhis2/period.h"
#include "engine/database.h"
#include "http/retry_policy.h"
#include "lake/lake_catalog.h"
#include "source/bronze_table.h"
#include "source/bronze_writer.h"
#include "source/dhis2_client.h"
#include "source/invalid_utf8.h"
#include "source/json_depth.h"
#include "source/landing_file.h"
#include "source/page_records.h"
#include "source/plan_runner.h"
#include "source/watermark_store.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

constexpr int kTrackerPageSize = 500;
constexpr int kMaxPages = 100000;  // pages of one chunk
// Data elements per min-max chunk at most: a URL of about 1.2 kB, far below servers' limits.
constexpr size_t kMinMaxElementsPerChunk = 100;

bool IsTrackerTable(const std::string& table) {
  const BronzeTable* bronze = FindBronzeTable(table);
  return bronze != nullptr && bronze->tracker;
}

// A page count as received: an integer in [0, kMaxPages], or an error naming `what`.
Result<int> PageCount(const nlohmann::json& value, const std::string& what) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > kMaxPages) {
    return InvalidArgument(fmt::format("{}: pageCount {} is not a page count (0 to {})", what,
                                       value.dump(), kMaxPages));
  }
  return static_cast<int>(value.get<int64_t>());
}

// Whether another page follows `page` (number `number`, asked with `page_size`). A server that
// answers another page than the one asked, or the same nextPage twice, would page forever: an
// error naming `what` (the chunk). `next_pages` holds the nextPage URLs seen so far.
Result<bool> HasNextPage(const nlohmann::json& page, const std::string& records_path, int number,
                         int page_size, const std::string& what,
                         std::set<std::string>& next_pages) {
  // A nested path ("trackedEntities[].relationships") pages by its outer list.
  std::string records_key = records_path.substr(0, records_path.find("[]."));
  size_t count = 0;
  if (page.is_object()) {
    if (page.contains(records_key) && page[records_key].is_array()) {
      count = page[records_key].size();
    } else if (page.contains("instances") && page["instances"].is_array()) {
      count = page["instances"].size();
    }
  } else if (page.is_array()) {
    return false;  // an unpaged list
  }
  if (count == 0) {
    return false;
  }
  const nlohmann::json* pager = &page;
  if (page.contains("pager") && page["pager"].is_object()) {
    pager = &page["pager"];
  }
  if (pager->contains("page") && (*pager)["page"].is_number_integer() &&
      (*pager)["page"].get<int64_t>() != number) {
    return InvalidArgument(
        fmt::format("{}: page {} was answered as page {} (the server ignores "
                    "the page parameter; paging would never end)",
                    what, number, (*pager)["page"].dump()));
  }
  if (pager != &page) {
    if (pager->contains("nextPage")) {
      std::string next = (*pager)["nextPage"].dump();
      if (!next_pages.insert(next).second) {
        return InvalidArgument(fmt::format(
            "{}: page {} names nextPage {} again (paging would never end)", what, number, next));
      }
      return true;
    }
    if (pager->contains("pageCount")) {
      DHL_ASSIGN_OR_RETURN(int pages, PageCount((*pager)["pageCount"], what));
      return number < pages;
    }
    return false;
  }
  if (page.contains("pageCount")) {
    DHL_ASSIGN_OR_RETURN(int pages, PageCount(page["pageCount"], what));
    return number < pages;
  }
  return static_cast<int>(count) >= page_size;
}

// Adds to `personal` the uids of the attributes DHIS2 flags confidential and of those whose code is
// configured. An answer that is not the expected list is an error naming the resource: without
// the flags personal values would land in clear text.
// Downloads one chunk of a server plan into `directory`.
Result<FetchedChunk> FetchServerChunk(Dhis2Client& client, const Chunk& chunk,
                                      const std::string& directory,
                                      const PersonalDataHasher* hasher, int max_tries) {
  std::string stem = fmt::format("{}/{:06d}", directory, chunk.sequence);
  if (chunk.table == "complete_registration_window") {
    // Written from the plan, not fetched: "dataSet/orgUnit/period" per covered period.
    nlohmann::json windows = nlohmann::json::array();
    for (const auto& [name, value] : chunk.params) {
      size_t first = value.find('/');
      size_t second = value.find('/', first == std::string::npos ? first : first + 1);
      if (name != "window" || second == std::string::npos) {
        return InvalidArgument("chunk " + chunk.id + ": window \"" + value +
                               "\" is not dataSet/orgUnit/period");
      }
      windows.push_back({{"dataSet", value.substr(0, first)},
                         {"orgUnit", value.substr(first + 1, second - first - 1)},
                         {"period", value.substr(second + 1)}});
    }
    FetchedChunk fetched;
    fetched.files.push_back(stem + ".json");
    DHL_RETURN_IF_ERROR(
        WriteFileAtomically(fetched.files.back(), nlohmann::json{{"windows", windows}}.dump()));
    return fetched;
  }
  // A chunk of one file (a CSV body, an unpaged JSON body) is renamed into place only once it is
  // complete and checked, so the file itself says the chunk was downloaded; a paged chunk's
  // `.done` marker lists its pages. (No marker per chunk: creating a file costs ext4's inode
  // allocation, which was a tenth of a medium extraction's CPU.)
  FetchedChunk fetched;
  if (!chunk.paged) {
    std::string file = stem + (chunk.format == ChunkFormat::kCsv ? ".csv" : ".json");
    if (fs::exists(file)) {
      fetched.files.push_back(file);
      return fetched;
    }
  } else if (fetched.files = LandedPages(stem); !fetched.files.empty()) {
    return fetched;
  }
  if (chunk.format == ChunkFormat::kCsv) {
    LandingFile file(stem + ".csv");
    DHL_RETURN_IF_ERROR(
        client.Download(chunk.path, chunk.params, file, http::ExpectedBody::kNotHtml));
    DHL_RETURN_IF_ERROR(file.Commit());
    fetched.files.push_back(file.path());
    fetched.bytes += file.bytes();
  } else {
    bool tracker = IsTrackerTable(chunk.table);
    int page_size = 0;
    for (const auto& [name, value] : chunk.params) {
      if (name == "pageSize") {
        auto parsed = ParseInt64(value, "chunk " + chunk.path + " pageSize", 1, INT_MAX);
        if (!parsed.ok()) {
          return parsed.status();
        }
        page_size = static_cast<int>(*parsed);
      }
    }
    std::set<std::string> next_pages;
    for (int number = 1; number <= kMaxPages; ++number) {
      QueryParams params = chunk.params;
      if (chunk.paged) {
        params.emplace_back("page", std::to_string(number));
      }
      std::string path = chunk.paged ? PageFilePath(stem, number) : stem + ".json";
      nlohmann::json page;
      int64_t bytes = 0;
      if (tracker) {
        // Personal attributes are hashed before the page reaches any file.
        DHL_ASSIGN_OR_RETURN(std::string body, client.GetJson(chunk.path, params));
        bytes = static_cast<int64_t>(body.size());
        page = nlohmann::json::parse(body, nullptr, false);
        DHL_RETURN_IF_ERROR(
            CheckJsonDepth(page, "GET " + http::MaskUrl(client.Url(chunk.path, params))));
        if (hasher != nullptr) {
          hasher->Apply(page);
        }
        DHL_RETURN_IF_ERROR(WriteFileAtomically(path, page.dump()));
      } else {
        // Streamed to the landing file as received; a body that does not parse (cut short by the
        // server) is fetched again.
        Status last;
        for (int attempt = 1; attempt <= max_tries; ++attempt) {
          LandingFile file(path);
          Status downloaded = client.Download(chunk.path, params, file, http::ExpectedBody::kJson);
          if (!downloaded.ok() &&
              (chunk.table.rfind("metadata_", 0) == 0 || chunk.table == "deleted_object") &&
              downloaded.message().find("HTTP 404") != std::string::npos) {
            // A server without this metadata endpoint holds no objects of the type.
            LogWarn("extract: {} answered 404; no {} extracted", chunk.path, chunk.table);
            DHL_RETURN_IF_ERROR(WriteFileAtomically(path, "{}"));
            break;
          }
          DHL_RETURN_IF_ERROR(downloaded);
          bytes = file.bytes();
          if (!chunk.paged) {
            // Nothing is read from an unpaged body here (registrations, which may be large):
            // checked by simdjson without building a tree, before it is put in place.
            DHL_RETURN_IF_ERROR(file.Flush());
            DHL_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file.part_path()));
            std::string what = "GET " + http::MaskUrl(client.Url(chunk.path, params));
            Status checked = CheckJsonText(text, what);
            if (!checked.ok() && RepairUtf8(text).bytes > 0) {
              // Kept as received in the landing file; repaired (and reported) when it lands.
              checked = CheckJsonText(text, what);
            }
            if (checked.ok()) {
              checked = file.Commit();
            }
            if (checked.ok() || checked.code() != StatusCode::kCorruption) {
              last = checked;
              break;
            }
            last = HttpError(what + ": the body is not complete JSON", true);
            continue;
          }
          DHL_RETURN_IF_ERROR(file.Commit());
          DHL_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
          page = nlohmann::json::parse(text, nullptr, false);
          if (page.is_discarded() && RepairUtf8(text).bytes > 0) {
            // Kept as received in the landing file; repaired (and reported) when it lands.
            page = nlohmann::json::parse(text, nullptr, false);
          }
          DHL_RETURN_IF_ERROR(
              CheckJsonDepth(page, "GET " + http::MaskUrl(client.Url(chunk.path, params))));
          if (!page.is_discarded()) {
            last = Status::Ok();
            break;
          }
          last = HttpError("GET " + http::MaskUrl(client.Url(chunk.path, params)) +
                               ": the body is not complete JSON",
                           true);
        }
        DHL_RETURN_IF_ERROR(last);
      }
      fetched.files.push_back(path);
      fetched.bytes += bytes;
      if (!chunk.paged) {
        break;
      }
      std::string what = fmt::format("GET {} ({})", chunk.path, chunk.table);
      DHL_ASSIGN_OR_RETURN(
          bool more, HasNextPage(page, chunk.records_key, number, page_size, what, next_pages));
      if (!more) {
        break;
      }
      if (number == kMaxPages) {
        return InvalidArgument(fmt::format("{}: more than {} pages", what, kMaxPages));
      }
    }
  }
  if (chunk.paged) {
    DHL_RETURN_IF_ERROR(MarkPagesLanded(stem, fetched.files));
  }
  return fetched;
}

// The planning context shared by the resources of one run.
struct Planner {
  Dhis2Client& client;
  const ExtractOptions& options;
  const SystemInfo& info;
  std::string run_id;
  std::string source;
  std::string watermark;  // serverDate as a UTC instant
  std::string created_at;
  dhis2::Date server_today;

  ExtractionPlan NewPlan(const std::string& resource, const std::string& since) const {
    ExtractionPlan plan;
    plan.run_id = run_id;
    plan.resource = resource;
    plan.source = source;
    plan.server_version = info.version;
    plan.server_time_zone = info.time_zone;
    plan.watermark = watermark;
    plan.since = since;
    plan.created_at = created_at;
    return plan;
  }

  static void Add(ExtractionPlan& plan, Chunk chunk) {
    chunk.sequence = static_cast<int64_t>(plan.chunks.size()) + 1;
    chunk.id = fmt::format("{}/{:06d}", plan.resource, chunk.sequence);
    plan.chunks.push_back(std::move(chunk));
  }

  // Objects of a list endpoint, all at once (small lists of ids for planning).
  Result<nlohmann::json> List(const std::string& endpoint, const std::string& key,
                              const std::string& fields, QueryParams extra = {}) const {
    QueryParams params = {{"fields", fields}, {"paging", "false"}};
    params.insert(params.end(), extra.begin(), extra.end());
    DHL_ASSIGN_OR_RETURN(std::string body, client.GetJson(endpoint, params));
    nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    DHL_RETURN_IF_ERROR(CheckJsonDepth(json, "GET " + http::MaskUrl(client.Url(endpoint, params))));
    if (json.is_object() && json.contains(key) && json[key].is_array()) {
      return json[key];
    }
    if (json.is_array()) {
      return json;
    }
    return nlohmann::json::array();
  }

  Result<std::vector<std::string>> OrgUnitRoots() const {
    for (int level = options.org_unit_level; level >= 1; --level) {
      DHL_ASSIGN_OR_RETURN(nlohmann::json units,
                           List("/api/organisationUnits", "organisationUnits", "id,level",
                                {{"filter", "level:eq:" + std::to_string(level)}}));
      std::vector<std::string> roots;
      for (const auto& unit : units) {
        if (unit.contains("id") && (!unit.contains("level") || unit["level"] == level)) {
          roots.push_back(unit["id"].get<std::string>());
        }
      }
      std::sort(roots.begin(), roots.end());
      if (!roots.empty()) {
        return roots;
      }
    }
    return NotFound("the server lists no organisation units (does the user have access?)");
  }

  // (selector parameter, uid, period type) for data sets or data element groups.
  Result<std::vector<std::tuple<std::string, std::string, std::string>>> Selectors() const {
    std::vector<std::tuple<std::string, std::string, std::string>> selectors;
    if (options.chunk_by == ChunkBy::kDataSet) {
      DHL_ASSIGN_OR_RETURN(nlohmann::json sets, List("/api/dataSets", "dataSets", "id,periodType"));
      for (const auto& set : sets) {
        selectors.emplace_back("dataSet", set.value("id", ""), set.value("periodType", "Monthly"));
      }
    } else {
      DHL_ASSIGN_OR_RETURN(nlohmann::json groups,
                           List("/api/dataElementGroups", "dataElementGroups", "id"));
      for (const auto& group : groups) {
        selectors.emplace_back("dataElementGroup", group.value("id", ""), "");
      }
    }
    std::sort(selectors.begin(), selectors.end());
    return selectors;
  }

  // The period windows of a full extraction for `period_type` (empty: date ranges only).
  std::vector<QueryParams> FullWindows(const std::string& period_type) const {
    std::vector<QueryParams> windows;
    int last_year = static_cast<int>(std::chrono::year_month_day(server_today).year()) + 1;
    windows.push_back({{"startDate", "1900-01-01"},
                       {"endDate", fmt::format("{}-12-31", options.first_year - 1)}});
    Result<dhis2::PeriodType> type = dhis2::ParsePeriodType(period_type);
    // DHIS2 returns the periods that start and end inside [startDate, endDate]: one window per
    // year, plus, for the period type of the data set, the periods that start in a year and end in
    // the next (weeks, financial years), which no yearly window holds.
    for (int year = options.first_year - 1; year <= last_year; ++year) {
      if (year >= options.first_year) {
        windows.push_back({{"startDate", fmt::format("{}-01-01", year)},
                           {"endDate", fmt::format("{}-12-31", year)}});
      }
      if (!type.ok()) {
        continue;
      }
      dhis2::Date first = std::chrono::year_month_day(std::chrono::year(year), std::chrono::January,
                                                      std::chrono::day(1));
      dhis2::Date last = std::chrono::year_month_day(std::chrono::year(year), std::chrono::December,
                                                     std::chrono::day(31));
      QueryParams crossing;
      for (const dhis2::Period& period : dhis2::PeriodsBetween(*type, first, last)) {
        if (period.start() >= first && period.end() > last) {
          crossing.emplace_back("period", period.id());
        }
      }
      if (!crossing.empty()) {
        windows.push_back(std::move(crossing));
      }
    }
    windows.push_back(
        {{"startDate", fmt::format("{}-01-01", last_year + 1)}, {"endDate", "2199-12-31"}});
    return windows;
  }

  QueryParams TrailingWindow(const std::string& period_type) const {
    Result<dhis2::PeriodType> type = dhis2::ParsePeriodType(period_type);
    if (!type.ok()) {
      type = dhis2::PeriodType::kMonthly;
    }
    int count = options.trailing_periods;
    std::vector<dhis2::Period> periods = dhis2::PeriodsBetween(
        *type, server_today - std::chrono::days(370 * (count + 1)), server_today);
    QueryParams window;
    size_t from = periods.size() > static_cast<size_t>(count) ? periods.size() - count : 0;
    for (size_t i = from; i < periods.size(); ++i) {
      window.emplace_back("period", periods[i].id());
    }
    return window;
  }

  Result<ExtractionPlan> Metadata(const std::optional<std::string>& since) const {
    ExtractionPlan plan = NewPlan("metadata", since.value_or(""));
    for (const MetadataType& type : MetadataTypes()) {
      Chunk chunk;
      chunk.table = type.table;
      chunk.path = type.endpoint;
      chunk.records_key = type.key;
      chunk.paged = true;
      chunk.params = {{"fields", ":owner"},
                      {"order", "id:asc"},
                      {"pageSize", std::to_string(options.page_size)}};
      if (since) {
        chunk.params.emplace_back("filter", "lastUpdated:ge:" + *since);
      }
      Add(plan, std::move(chunk));
    }
    // What was deleted since the last run (DHIS2 keeps a record of each deleted metadata object).
    Chunk deleted;
    deleted.table = "deleted_object";
    deleted.path = "/api/deletedObjects";
    deleted.records_key = "deletedObjects";
    deleted.paged = true;
    deleted.params = {{"fields", "klass,uid,code,deletedAt,deletedBy"},
                      {"pageSize", std::to_string(options.page_size)}};
    if (since) {
      deleted.params.emplace_back("deletedAt", *since);
    }
    Add(plan, std::move(deleted));
    return plan;
  }

  // Min-max ranges by groups of data elements (`filter=dataElement.id:in:[…]`: dhis2-core's
  // MinMaxDataElementStore takes eq and in filters on its properties, no subtree), so that the
  // chunks download concurrently and each pages through a share of the list. Every range has one
  // data element, so the groups split the list without overlap.
  Result<ExtractionPlan> MinMax() const {
    ExtractionPlan plan = NewPlan("min_max_data_element", "");
    plan.append_unchanged = options.full;
    DHL_ASSIGN_OR_RETURN(nlohmann::json elements, List("/api/dataElements", "dataElements", "id"));
    std::vector<std::string> ids;
    for (const auto& element : elements) {
      if (element.contains("id") && element["id"].is_string()) {
        ids.push_back(element["id"].get<std::string>());
      }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // At least four chunks per worker when there are data elements enough.
    size_t chunks =
        std::max((ids.size() + kMinMaxElementsPerChunk - 1) / kMinMaxElementsPerChunk,
                 std::min(ids.size(), static_cast<size_t>(4 * std::max(1, options.concurrency))));
    size_t per_chunk = chunks == 0 ? 1 : (ids.size() + chunks - 1) / chunks;
    for (size_t start = 0; start < ids.size(); start += per_chunk) {
      size_t end = std::min(ids.size(), start + per_chunk);
      Chunk chunk;
      chunk.table = "min_max_data_element";
      chunk.path = "/api/minMaxDataElements";
      chunk.records_key = "minMaxDataElements";
      chunk.paged = true;
      chunk.params = {
          {"fields", "*"},
          {"filter", fmt::format("dataElement.id:in:[{}]",
                                 fmt::join(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                           ids.begin() + static_cast<std::ptrdiff_t>(end), ","))},
          {"pageSize", std::to_string(options.page_size)}};
      chunk.snapshot = true;  // no lastUpdated: the whole list each run
      Add(plan, std::move(chunk));
    }
    return plan;
  }

  Result<ExtractionPlan> DataValues(const std::optional<std::string>& since) const {
    ExtractionPlan plan = NewPlan("data_value", since.value_or(""));
    DHL_ASSIGN_OR_RETURN(auto selectors, Selectors());
    DHL_ASSIGN_OR_RETURN(std::vector<std::string> roots, OrgUnitRoots());
    for (const auto& [parameter, uid, period_type] : selectors) {
      std::vector<QueryParams> windows;
      if (since) {
        windows.push_back({{"lastUpdated", *since}});
      } else {
        windows = FullWindows(period_type);
      }
      for (const std::string& root : roots) {
        for (const QueryParams& window : windows) {
          Chunk chunk;
          chunk.table = "data_value";
          chunk.path = "/api/dataValueSets.csv";
          chunk.format = ChunkFormat::kCsv;
          chunk.params = {{parameter, uid},
                          {"orgUnit", root},
                          {"children", "true"},
                          {"includeDeleted", "true"}};
          chunk.params.insert(chunk.params.end(), window.begin(), window.end());
          Add(plan, std::move(chunk));
        }
      }
    }
    return plan;
  }

  Result<ExtractionPlan> CompleteRegistrations(bool full) const {
    ExtractionPlan plan = NewPlan("complete_registration", "");
    plan.append_unchanged = options.full;
    DHL_ASSIGN_OR_RETURN(nlohmann::json sets, List("/api/dataSets", "dataSets", "id,periodType"));
    DHL_ASSIGN_OR_RETURN(std::vector<std::string> roots, OrgUnitRoots());
    std::vector<std::pair<std::string, std::string>> ids;
    for (const auto& set : sets) {
      ids.emplace_back(set.value("id", ""), set.value("periodType", "Monthly"));
    }
    std::sort(ids.begin(), ids.end());
    // What the run covers, recorded once its registrations are in bronze (the plan's last chunk):
    // silver.complete_registration drops a registration a later window no longer holds.
    Chunk covered;
    covered.table = "complete_registration_window";
    covered.records_key = "windows";
    // No lastUpdated filter either: the windows are re-fetched whole, as snapshots (their record
    // too), so an unchanged run appends neither registrations nor windows (plan_runner.h).
    covered.snapshot = true;
    for (const auto& [uid, period_type] : ids) {
      std::vector<QueryParams> windows =
          full ? FullWindows(period_type) : std::vector<QueryParams>{TrailingWindow(period_type)};
      for (const std::string& root : roots) {
        for (const QueryParams& window : windows) {
          Chunk chunk;
          chunk.table = "complete_registration";
          chunk.path = "/api/completeDataSetRegistrations";
          chunk.records_key = "completeDataSetRegistrations";
          chunk.params = {{"dataSet", uid}, {"orgUnit", root}, {"children", "true"}};
          chunk.params.insert(chunk.params.end(), window.begin(), window.end());
          chunk.snapshot = true;
          Add(plan, std::move(chunk));
          for (const std::string& period : WindowPeriods(window, period_type)) {
            covered.params.emplace_back("window", uid + "/" + root + "/" + period);
          }
        }
      }
    }
    if (!covered.params.empty()) {
      Add(plan, std::move(covered));
    }
    return plan;
  }

  // The periods of `period_type` a registration window holds: its `period=` list, or the periods
  // inside its startDate..endDate when that lies within the years a full extraction splits by
  // year (the open-ended windows before and after are not listed: a deletion there goes unseen).
  std::vector<std::string> WindowPeriods(const QueryParams& window,
                                         const std::string& period_type) const {
    std::vector<std::string> periods;
    std::optional<dhis2::Date> first;
    std::optional<dhis2::Date> last;
    for (const auto& [name, value] : window) {
      if (name == "period") {
        periods.push_back(value);
      } else if (name == "startDate" || name == "endDate") {
        Result<dhis2::Date> date = dhis2::ParseDate(value);
        if (date.ok()) (name == "startDate" ? first : last) = *date;
      }
    }
    Result<dhis2::PeriodType> type = dhis2::ParsePeriodType(period_type);
    if (!first || !last || !type.ok()) return periods;
    int last_year = static_cast<int>(std::chrono::year_month_day(server_today).year()) + 1;
    if (static_cast<int>(std::chrono::year_month_day(*first).year()) < options.first_year ||
        static_cast<int>(std::chrono::year_month_day(*last).year()) > last_year) {
      return periods;
    }
    for (const dhis2::Period& period : dhis2::PeriodsBetween(*type, *first, *last)) {
      if (period.start() >= *first && period.end() <= *last) periods.push_back(period.id());
    }
    return periods;
  }

  Result<ExtractionPlan> Tracker(const std::optional<std::string>& since) const {
    ExtractionPlan plan = NewPlan("tracker", since.value_or(""));
    DHL_ASSIGN_OR_RETURN(nlohmann::json programs,
                         List("/api/programs", "programs", "id,programType"));
    DHL_ASSIGN_OR_RETURN(std::vector<std::string> roots, OrgUnitRoots());
    bool pager = info.TrackerPagerEnvelope();
    std::string page_size = std::to_string(std::min(options.page_size, kTrackerPageSize));
    std::vector<std::pair<std::string, bool>> ids;
    for (const auto& program : programs) {
      ids.emplace_back(program.value("id", ""),
                       program.value("programType", "WITH_REGISTRATION") == "WITH_REGISTRATION");
    }
    std::sort(ids.begin(), ids.end());
    struct Kind {
      const char* table;
      const char* path;
      const char* key;
      const char* fields;
      bool registration_only;
    };
    const Kind kinds[] = {
        {"tracked_entity", "/api/tracker/trackedEntities", "trackedEntities",
         "*,!enrollments,!relationships,!programOwners", true},
        {"enrollment", "/api/tracker/enrollments", "enrollments", "*,!events,!relationships", true},
        {"event", "/api/tracker/events", "events", "*,!relationships", false},
        // /api/tracker/relationships answers for one entity at a time; the tracked entities list
        // them all, one page per page of entities.
        {"relationship", "/api/tracker/trackedEntities", "trackedEntities",
         "trackedEntity,relationships", true},
    };
    for (const Kind& kind : kinds) {
      for (const auto& [program, registration] : ids) {
        if (kind.registration_only && !registration) {
          continue;
        }
        for (const std::string& root : roots) {
          Chunk chunk;
          chunk.table = kind.table;
          chunk.path = kind.path;
          chunk.records_key = pager ? kind.key : "instances";
          if (std::string_view(kind.table) == "relationship") {
            chunk.records_key += "[].relationships";
          }
          chunk.paged = true;
          chunk.params = {{"program", program},
                          {"orgUnit", root},
                          {pager ? "orgUnitMode" : "ouMode", "DESCENDANTS"},
                          {"includeDeleted", "true"},
                          {"fields", kind.fields},
                          {"pageSize", page_size}};
          if (since) {
            chunk.params.emplace_back("updatedAfter", *since);
          }
          Add(plan, std::move(chunk));
        }
      }
    }
    return plan;
  }
};

}  // namespace

WebApiExtractor::WebApiExtractor(std::string lake_dir, ExtractOptions options, Secrets secrets,
                                 ExtractorEnvironment environment)
    : lake_dir_(std::move(lake_dir)),
      options_(std::move(options)),
      secrets_(std::move(secrets)),
      environment_(std::move(environment)) {}

Result<ExtractSummary> WebApiExtractor::Run() {
  const Clock& clock =
      environment_.clock != nullptr ? *environment_.clock : SystemClock::Instance();
  http::SystemSleeper system_sleeper;
  http::Sleeper& sleeper = environment_.sleeper != nullptr ? *environment_.sleeper : system_sleeper;
  auto started = clock.Steady();
  std::string url = !secrets_.url.empty() ? secrets_.url : options_.url;
  if (url.empty()) {
    return InvalidArgument(
        "no DHIS2 server: set DHIS2_URL, [dhis2] url in the secrets file, [source] url in "
        "dhis2lake.toml, or pass --source URL|DIR");
  }
  http::RetryOptions retry;
  retry.max_tries = options_.max_tries;
  retry.max_backoff = std::chrono::milliseconds(options_.max_backoff_ms);
  retry.jitter_seed = static_cast<uint64_t>(ToEpochMillis(clock.Now()));
  int workers = std::max(1, options_.concurrency);
  std::vector<std::unique_ptr<http::HttpTransport>> transports;
  std::vector<std::unique_ptr<Dhis2Client>> clients;
  for (int i = 0; i <= workers; ++i) {  // the last one is the planner's
    transports.push_back(environment_.transports());
    retry.jitter_seed += 0x9E3779B97F4A7C15ull;
    clients.push_back(std::make_unique<Dhis2Client>(url, secrets_.AuthorizationHeader(),
                                                    *transports.back(), sleeper, retry));
  }
  Dhis2Client& planner_client = *clients.back();
  DHL_ASSIGN_OR_RETURN(SystemInfo info, planner_client.ReadSystemInfo());
  LogInfo("extract: DHIS2 {} at {} (time zone {})", info.version, http::MaskUrl(url),
          info.time_zone);

  DHL_ASSIGN_OR_RETURN(engine::Database database,
                       engine::Database::Open(engine::ExtractorDatabaseOptions()));
  DHL_ASSIGN_OR_RETURN(engine::Connection connection, database.Connect());
  lake::LakeCatalog catalog(lake_dir_);
  BronzeWriter writer(connection, catalog, clock);
  WatermarkStore watermarks(connection, catalog, clock);

  // Personal attributes: DHIS2's confidential flag plus the configured uids or codes.
  std::set<std::string> personal(options_.personal_attributes.begin(),
                                 options_.personal_attributes.end());
  if (info.SupportsTracker()) {
    DHL_ASSIGN_OR_RETURN(
        std::string body,
        planner_client.GetJson("/api/trackedEntityAttributes",
                               {{"fields", "id,code,confidential"}, {"paging", "false"}}));
    nlohmann::json attributes = nlohmann::json::parse(body, nullptr, false);
    DHL_RETURN_IF_ERROR(CheckJsonDepth(attributes, "GET /api/trackedEntityAttributes"));
    const nlohmann::json none;
    DHL_RETURN_IF_ERROR(AddConfidentialAttributes(
        attributes.is_object() && attributes.contains("trackedEntityAttributes")
            ? attributes["trackedEntityAttributes"]
            : none,
        "GET /api/trackedEntityAttributes", personal));
  }
  PersonalDataHasher hasher(
      secrets_.hash_key,
      PersonalDataRules{.attributes = personal,
                        .data_elements = {options_.personal_data_elements.begin(),
                                          options_.personal_data_elements.end()},
                        .geometry = options_.personal_geometry});

  ChunkFetcher fetch = [&](const Chunk& chunk, const std::string& directory,
                           int worker) -> Result<FetchedChunk> {
    return FetchServerChunk(*clients[static_cast<size_t>(worker) % workers], chunk, directory,
                            &hasher, options_.max_tries);
  };
  PlanRunnerOptions run_options;
  run_options.concurrency = workers;
  run_options.show_progress = environment_.show_progress;

  ExtractSummary summary;
  summary.server_version = info.version;
  auto to_run = [&](const ExtractionPlan& plan, bool resumed) {
    return PlanToRun{&plan, plan.resource == "tracker" && !options_.keep_tracker_landing, resumed};
  };

  ExpireLanding(lake_dir_, options_.landing_retention_days);
  DHL_ASSIGN_OR_RETURN(std::vector<ExtractionPlan> unfinished, UnfinishedPlans(lake_dir_));
  std::vector<PlanToRun> resumed;
  for (const ExtractionPlan& plan : unfinished) {
    if (plan.source.rfind("folder:", 0) == 0) {
      continue;  // an export-folder run: resumed by `sync --source DIR`
    }
    LogInfo("extract: resuming run {} of {} from its saved plan", plan.run_id, plan.resource);
    resumed.push_back(to_run(plan, /*resumed=*/true));
  }
  if (!resumed.empty()) {
    DHL_RETURN_IF_ERROR(RunPlansInto(summary, lake_dir_, resumed, writer, watermarks, fetch,
                                     /*hasher=*/nullptr, run_options));
  }

  // The watermark is the server's clock, read as a UTC instant.
  DHL_ASSIGN_OR_RETURN(
      engine::QueryResult now,
      connection.Query("SELECT strftime(timezone('UTC', timezone($1, TRY_CAST($2 AS TIMESTAMP))), "
                       "'%Y-%m-%dT%H:%M:%S.%gZ'), CAST(TRY_CAST($2 AS TIMESTAMP) AS DATE)::VARCHAR",
                       {info.time_zone, info.server_date}));
  std::optional<std::string> watermark = now.GetString(0, 0);
  std::optional<std::string> today = now.GetString(1, 0);
  if (!watermark || !today) {
    return InvalidArgument("DHIS2 at " + http::MaskUrl(url) + ": serverDate \"" + info.server_date +
                           "\" is not a timestamp");
  }
  DHL_ASSIGN_OR_RETURN(dhis2::Date server_today, dhis2::ParseDate(*today));
  Planner planner{planner_client,
                  options_,
                  info,
                  Uuid4(),
                  http::MaskUrl(url),
                  *watermark,
                  FormatIsoUtcMillis(ToEpochMillis(clock.Now())),
                  server_today};

  auto since = [&](const std::string& resource) -> Result<std::optional<std::string>> {
    if (options_.full) {
      return std::optional<std::string>();
    }
    return watermarks.Since(resource, info.time_zone, options_.overlap_seconds);
  };
  // Every resource is planned (and its plan saved) first, then the plans run as one pipeline:
  // registrations and tracker chunks download while the data values' last chunks commit.
  std::vector<ExtractionPlan> plans;
  auto add_plan = [&](Result<ExtractionPlan> planned) -> Status {
    DHL_RETURN_IF_ERROR(planned.status());
    DHL_RETURN_IF_ERROR(SavePlan(lake_dir_, *planned));
    plans.push_back(std::move(*planned));
    return Status::Ok();
  };
  DHL_ASSIGN_OR_RETURN(auto metadata_since, since("metadata"));
  DHL_RETURN_IF_ERROR(add_plan(planner.Metadata(metadata_since)));
  DHL_RETURN_IF_ERROR(add_plan(planner.MinMax()));
  DHL_ASSIGN_OR_RETURN(auto values_since, since("data_value"));
  DHL_RETURN_IF_ERROR(add_plan(planner.DataValues(values_since)));
  DHL_ASSIGN_OR_RETURN(auto registrations_since, since("complete_registration"));
  DHL_RETURN_IF_ERROR(add_plan(planner.CompleteRegistrations(!registrations_since.has_value())));
  if (info.SupportsTracker()) {
    DHL_ASSIGN_OR_RETURN(auto tracker_since, since("tracker"));
    DHL_RETURN_IF_ERROR(add_plan(planner.Tracker(tracker_since)));
  } else {
    LogWarn("extract: DHIS2 {} has no /api/tracker (2.39 and later): tracker data skipped",
            info.version);
  }
  std::vector<PlanToRun> runs;
  for (const ExtractionPlan& plan : plans) {
    runs.push_back(to_run(plan, /*resumed=*/false));
  }
  DHL_RETURN_IF_ERROR(RunPlansInto(summary, lake_dir_, runs, writer, watermarks, fetch,
                                   /*hasher=*/nullptr, run_options));
  summary.seconds = std::chrono::duration<double>(clock.Steady() - started).count();
  return summary;
}

}  // namespace dhl::source
