#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "base/hash.h"
#include "base/logging.h"
#include "base/text.h"
#include "dhis2/period.h"
#include "sim/country.h"
#include "sim/data_value_store.h"
#include "sim/field_filter.h"
#include "sim/metadata_catalog.h"
#include "sim/seeded_hash.h"
#include "sim/tracker_store.h"

namespace dhl::sim {
namespace {

using http::BodyWriter;
using http::ServerRequest;
using http::ServerResponse;
using nlohmann::json;

constexpr size_t kResponseFlushBytes = 256 * 1024;
constexpr uint64_t kFaultTag = 77;

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void SendError(ServerResponse& response, int status, const std::string& message,
               const std::string& error_code = "") {
  json body = {{"httpStatus", ReasonPhrase(status)},
               {"httpStatusCode", status},
               {"status", "ERROR"},
               {"message", message}};
  if (!error_code.empty()) {
    body["errorCode"] = error_code;
  }
  response.SetStatus(status);
  response.SetBody(body.dump(), "application/json");
}

void SendJson(ServerResponse& response, const json& body) {
  response.SetBody(body.dump(), "application/json");
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// Every value of a repeatable parameter, also split on commas and semicolons.
std::vector<std::string> ListParam(const ServerRequest& request, std::string_view name) {
  std::vector<std::string> out;
  for (const std::string& value : request.Params(name)) {
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size() || value[i] == ',' || value[i] == ';') {
        if (i > start) {
          out.push_back(value.substr(start, i - start));
        }
        start = i + 1;
      }
    }
  }
  return out;
}

bool BoolParam(const ServerRequest& request, std::string_view name, bool fallback) {
  auto value = request.Param(name);
  if (!value) {
    return fallback;
  }
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "true" || lower == "1" || lower.empty();
}

std::optional<int> IntParam(const ServerRequest& request, std::string_view name) {
  auto value = request.Param(name);
  if (!value) {
    return std::nullopt;
  }
  int number = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), number);
  if (error != std::errc() || end != value->data() + value->size()) {
    return std::nullopt;
  }
  return number;
}

// "2024-01-01", "2024-01-01T10:00", "2024-01-01T10:00:00.000", optionally with Z or +0000.
std::optional<int64_t> ParseTimestamp(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  std::string copy(text);
  int matched = std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &year, &month, &day, &hour,
                            &minute, &second, &millis);
  if (matched < 3) {
    return std::nullopt;
  }
  auto date = std::chrono::year(year) / std::chrono::month(static_cast<unsigned>(month)) /
              std::chrono::day(static_cast<unsigned>(day));
  if (!date.ok()) {
    return std::nullopt;
  }
  return DateToMillis(std::chrono::sys_days(date)) + hour * 3600000LL + minute * 60000LL +
         second * 1000LL + millis;
}

// "10d", "2h", "30m", "15s" (DHIS2 durations) in milliseconds.
std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text.size() < 2) {
    return std::nullopt;
  }
  int64_t amount = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
  if (error != std::errc() || end != text.data() + text.size() - 1 || amount < 0) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 'd':
      return amount * 86400000LL;
    case 'h':
      return amount * 3600000LL;
    case 'm':
      return amount * 60000LL;
    case 's':
      return amount * 1000LL;
    default:
      return std::nullopt;
  }
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  out += JsonEscape(text);
  out.push_back('"');
}

void AppendCsvField(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

// Buffers small writes into large chunks.
class BufferedWriter {
 public:
  explicit BufferedWriter(BodyWriter& writer) : writer_(writer) {
    buffer_.reserve(kResponseFlushBytes + 4096);
  }
  std::string& buffer() { return buffer_; }
  bool MaybeFlush() {
    if (buffer_.size() < kResponseFlushBytes) {
      return true;
    }
    return Flush();
  }
  bool Flush() {
    bool ok = writer_.Write(buffer_);
    buffer_.clear();
    return ok;
  }

 private:
  BodyWriter& writer_;
  std::string buffer_;
};

std::string RequestUrl(const ServerRequest& request, std::string_view path,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = "http://" + request.Header("Host").value_or("127.0.0.1") + std::string(path);
  char separator = '?';
  for (const auto& [key, value] : params) {
    url += separator;
    url += UrlEncode(key) + "=" + UrlEncode(value);
    separator = '&';
  }
  return url;
}

std::string PageUrl(const ServerRequest& request, int page) {
  std::vector<std::pair<std::string, std::string>> params = {{"page", std::to_string(page)}};
  for (const auto& [key, value] : request.params) {
    if (key != "page") {
      params.emplace_back(key, value);
    }
  }
  return RequestUrl(request, request.path, params);
}

enum class FaultKind { k500, k502, k503, k429, kSlow, kReset, kTruncated, kHtml };
constexpr int kFaultKinds = 8;

}  // namespace

// Everything that answers requests; a friend of nothing, holding references to the simulator's
// parts.
class Simulator::Api {
 public:
  explicit Api(Simulator& sim) : sim_(sim), c_(*sim.country_) {}

  void Handle(const ServerRequest& request, ServerResponse& response);

 private:
  bool Authorized(const ServerRequest& request) const;
  bool InjectFault(const ServerRequest& request, ServerResponse& response);
  void Route(const ServerRequest& request, ServerResponse& response, std::string_view resource,
             std::string_view extension);
  void SystemInfo(const ServerRequest& request, ServerResponse& response);
  void Me(ServerResponse& response);
  void Metadata(const ServerRequest& request, ServerResponse& response);
  void MetadataList(const ServerRequest& request, ServerResponse& response, std::string_view type,
                    std::string_view uid);
  void FilledLevels(ServerResponse& response);
  void DataValueSets(const ServerRequest& request, ServerResponse& response, bool csv);
  void Registrations(const ServerRequest& request, ServerResponse& response);
  void MinMax(const ServerRequest& request, ServerResponse& response);
  void Tracker(const ServerRequest& request, ServerResponse& response, std::string_view kind);
  void AdminMutate(const ServerRequest& request, ServerResponse& response);
  void AdminRelease(ServerResponse& response);
  void PagedList(const ServerRequest& request, ServerResponse& response, std::string_view type,
                 const std::vector<const json*>& objects, const std::string& default_fields);
  // The part [first, last) of a list of `total` objects that a metadata-style request asks for
  // (page, pageSize, paging), and the pager of the answer (null without paging).
  struct PageSlice {
    size_t first = 0;
    size_t last = 0;
    json pager;
  };
  static PageSlice SliceOf(const ServerRequest& request, size_t total);
  // Sends {"pager": …, type: [the page's objects with `fields` applied]}.
  void SendPage(ServerResponse& response, std::string_view type, const PageSlice& slice,
                const std::vector<json>& page, const FieldFilter& fields);
  // Fills an org-unit mask from orgUnit (+children); returns false with an error sent on bad uids.
  bool OrgUnitMask(const std::vector<std::string>& uids, bool children, std::vector<char>& mask,
                   ServerResponse& response);
  void MarkSubtree(int unit, std::vector<char>& mask) const;

  Simulator& sim_;
  const Country& c_;
};

bool Simulator::Api::Authorized(const ServerRequest& request) const {
  auto header = request.Header("Authorization");
  if (!header) {
    return false;
  }
  std::string_view value = *header;
  if (value.starts_with("Basic ")) {
    std::string credentials = Base64Decode(value.substr(6)).value_or("");
    return credentials == sim_.options_.username + ":" + sim_.options_.password;
  }
  if (value.starts_with("ApiToken ")) {
    return value.substr(9) == sim_.options_.api_token;
  }
  return false;
}

void Simulator::Api::Handle(const ServerRequest& request, ServerResponse& response) {
  std::string_view path = request.path;
  if (!path.starts_with("/api/") && !path.starts_with("/admin/") && path != "/api") {
    SendError(response, 404, fmt::format("No resource at {}", path));
    return;
  }
  if (!Authorized(request)) {
    response.SetHeader("WWW-Authenticate", "Basic realm=\"DHIS2\"");
    SendError(response, 401, "Unauthorized");
    return;
  }
  if (path.starts_with("/admin/")) {
    if (path == "/admin/mutate" && request.method == "POST") {
      AdminMutate(request, response);
    } else if (path == "/admin/release" && request.method == "POST") {
      AdminRelease(response);
    } else {
      SendError(response, 404, fmt::format("No resource at {}", path));
    }
    return;
  }
  if (InjectFault(request, response)) {
    return;
  }
  std::string_view resource = path.substr(std::min<size_t>(path.size(), 5));
  // Versioned paths: /api/41/dataValueSets.
  size_t digits = 0;
  while (digits < resource.size() && std::isdigit(static_cast<unsigned char>(resource[digits]))) {
    ++digits;
  }
  if (digits > 0 && digits < resource.size() && resource[digits] == '/') {
    resource.remove_prefix(digits + 1);
  }
  std::string_view extension;
  size_t last_slash = resource.rfind('/');
  size_t dot = resource.rfind('.');
  if (dot != std::string_view::npos && (last_slash == std::string_view::npos || dot > last_slash)) {
    extension = resource.substr(dot + 1);
    resource = resource.substr(0, dot);
  }
  Route(request, response, resource, extension);
}

bool Simulator::Api::InjectFault(const ServerRequest& request, ServerResponse& response) {
  double rate = sim_.options_.fault_rate;
  if (rate <= 0) {
    return false;
  }
  uint64_t n = sim_.request_counter_.fetch_add(1);
  if (SeededUnit(c_.seed, {kFaultTag, n}) >= rate) {
    return false;
  }
  auto kind = static_cast<FaultKind>(SeededHash(c_.seed, {kFaultTag, n, 1}) % kFaultKinds);
  response.SetHeader("X-Sim-Fault", std::to_string(static_cast<int>(kind)));
  switch (kind) {
    case FaultKind::k500:
      SendError(response, 500, "java.lang.NullPointerException (simulated)");
      return true;
    case FaultKind::k502:
      response.SetStatus(502);
      response.SetBody("<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html");
      return true;
    case FaultKind::k503:
      response.SetStatus(503);
      response.SetBody("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                       "text/html");
      return true;
    case FaultKind::k429:
      response.SetHeader("Retry-After", "1");
      SendError(response, 429, "Too many requests (simulated)");
      return true;
    case FaultKind::kSlow:
      std::this_thread::sleep_for(std::chrono::milliseconds(sim_.options_.slow_ms));
      return false;  // then answers normally
    case FaultKind::kReset:
      // Headers go out, then the connection closes before any body: a reset mid-response.
      response.SetStreamedBody("application/json", [](BodyWriter&) { return false; });
      return true;
    case FaultKind::kTruncated:
      response.SetSizedBody(4096, "application/json", [](BodyWriter& writer) {
        writer.Write(R"({"dataValues":[{"dataElement":")");
        return false;
      });
      return true;
    case FaultKind::kHtml:
      response.SetStatus(200);
      response.SetBody(
          "<!DOCTYPE html><html><head><title>DHIS 2</title></head><body>Login page "
          "(simulated)</body></html>",
          "text/html;charset=UTF-8");
      return true;
  }
  (void)request;
  return false;
}

void Simulator::Api::Route(const ServerRequest& request, ServerResponse& response,
                           std::string_view resource, std::string_view extension) {
  bool csv = extension == "csv" || request.Param("format") == "csv" ||
             (extension.empty() && request.Header("Accept").value_or("").find("text/csv") == 0);
  if (resource == "system/info") {
    SystemInfo(request, response);
  } else if (resource == "system/ping") {
    response.SetBody("pong", "text/plain");
  } else if (resource == "me") {
    Me(response);
  } else if (resource == "metadata") {
    Metadata(request, response);
  } else if (resource == "filledOrganisationUnitLevels") {
    FilledLevels(response);
  } else if (resource == "dataValueSets") {
    DataValueSets(request, response, csv);
  } else if (resource == "completeDataSetRegistrations") {
    Registrations(request, response);
  } else if (resource == "minMaxDataElements") {
    MinMax(request, response);
  } else if (resource == "deletedObjects") {
    // The simulator never deletes metadata: an empty list, paged as DHIS2 pages it.
    PagedList(request, response, "deletedObjects", {}, "*");
  } else if (resource == "tracker/events" || resource == "tracker/enrollments" ||
             resource == "tracker/trackedEntities") {
    if (sim_.minor_version_ < 39) {
      SendError(response, 404, fmt::format("/api/{} does not exist before 2.39", resource));
      return;
    }
    Tracker(request, response, resource.substr(8));
  } else {
    size_t slash = resource.find('/');
    std::string_view type = resource.substr(0, slash);
    std::string_view uid = slash == std::string_view::npos ? "" : resource.substr(slash + 1);
    if (sim_.catalog_->Objects(type) == nullptr) {
      SendError(response, 404, fmt::format("No resource at /api/{}", resource));
      return;
    }
    MetadataList(request, response, type, uid);
  }
}

void Simulator::Api::SystemInfo(const ServerRequest& request, ServerResponse& response) {
  int64_t now = ToEpochMillis(sim_.clock_.Now());
  int64_t analytics = c_.as_of_ms + 2 * 3600000;
  if (analytics > now) {
    analytics = c_.as_of_ms - 22 * 3600000;
  }
  json info = {
      {"contextPath", "http://" + request.Header("Host").value_or("127.0.0.1")},
      {"userAgent", request.Header("User-Agent").value_or("")},
      {"calendar", "iso8601"},
      {"dateFormat", "yyyy-mm-dd"},
      {"serverDate", FormatLocalMillis(now)},
      {"serverTimeZoneId", "Etc/UTC"},
      {"serverTimeZoneDisplayName", "Coordinated Universal Time"},
      {"lastAnalyticsTableSuccess", FormatLocalMillis(analytics)},
      {"intervalSinceLastAnalyticsTableSuccess",
       fmt::format("{} h, {} m, {} s", (now - analytics) / 3600000, (now - analytics) / 60000 % 60,
                   (now - analytics) / 1000 % 60)},
      {"lastAnalyticsTableRuntime", "00:02:09.625"},
      {"lastSystemMonitoringSuccess", FormatLocalMillis(c_.as_of_ms - 86400000)},
      {"version", sim_.options_.dhis2_version},
      {"revision", "5im5im5"},
      {"buildTime", "2024-06-01T12:00:00.000"},
      {"jasperReportsVersion", "6.3.1"},
      {"environmentVariable", "DHIS2_HOME"},
      {"databaseInfo", {{"spatialSupport", true}}},
      {"encryption", false},
      {"emailConfigured", false},
      {"redisEnabled", false},
      {"systemId", fmt::format("5e1a7000-0000-4000-8000-{:012x}", c_.seed & 0xFFFFFFFFFFFFull)},
      {"systemName", "DHIS 2 Simulator - Republic of Simulania"},
      {"clusterHostname", ""},
      {"isMetadataVersionEnabled", true},
      {"metadataSyncEnabled", false}};
  SendJson(response, info);
}

void Simulator::Api::Me(ServerResponse& response) {
  const std::string& root = c_.org_units[0].uid;
  json me = {{"id", "M5zQapPyTZI"},
             {"username", sim_.options_.username},
             {"firstName", "John"},
             {"surname", "Traore"},
             {"name", "John Traore"},
             {"displayName", "John Traore"},
             {"email", "admin@simulania.example"},
             {"settings", json::object()},
             {"organisationUnits", json::array({{{"id", root}}})},
             {"dataViewOrganisationUnits", json::array({{{"id", root}}})},
             {"teiSearchOrganisationUnits", json::array({{{"id", root}}})},
             {"authorities", json::array({"ALL"})},
             {"userCredentials", {{"username", sim_.options_.username}}}};
  SendJson(response, me);
}

void Simulator::Api::FilledLevels(ServerResponse& response) {
  json levels = json::array();
  for (const json& level : *sim_.catalog_->Objects("organisationUnitLevels")) {
    json o = level;
    o["externalAccess"] = false;
    o["userGroupAccesses"] = json::array();
    o["userAccesses"] = json::array();
    o["favorites"] = json::array();
    o["favorite"] = false;
    o["sharing"] = {{"external", false}, {"users", json::object()}, {"userGroups", json::object()}};
    o.erase("code");
    levels.push_back(std::move(o));
  }
  std::sort(levels.begin(), levels.end(),
            [](const json& a, const json& b) { return a["level"] < b["level"]; });
  SendJson(response, levels);
}

void Simulator::Api::Metadata(const ServerRequest& request, ServerResponse& response) {
  bool any_selected = false;
  for (const std::string& type : sim_.catalog_->types()) {
    any_selected = any_selected || BoolParam(request, type, false);
  }
  bool exclude_defaults = request.Param("defaults") == "EXCLUDE";
  json out = {{"system",
               {{"id", fmt::format("5e1a7000-0000-4000-8000-{:012x}", c_.seed & 0xFFFFFFFFFFFFull)},
                {"rev", "5im5im5"},
                {"version", sim_.options_.dhis2_version},
                {"date", FormatLocalMillis(ToEpochMillis(sim_.clock_.Now()))}}}};
  for (const std::string& type : sim_.catalog_->types()) {
    if (any_selected ? !BoolParam(request, type, false) : !BoolParam(request, type, true)) {
      continue;
    }
    std::string fields_text =
        request.Param(type + ":fields").value_or(request.Param("fields").value_or(":owner"));
    auto fields = FieldFilter::Parse(fields_text);
    std::vector<std::string> filter_texts = request.Params(type + ":filter");
    if (filter_texts.empty()) {
      filter_texts = request.Params("filter");
    }
    auto filter = ObjectFilter::Parse(filter_texts);
    if (!fields.ok() || !filter.ok()) {
      SendError(response, 400, (!fields.ok() ? fields.status() : filter.status()).message());
      return;
    }
    json list = json::array();
    for (const json& object : *sim_.catalog_->Objects(type)) {
      if (exclude_defaults && object.value("name", "") == "default") {
        continue;
      }
      if (filter->Matches(object)) {
        list.push_back(fields->Apply(
            object, [this](std::string_view id) { return sim_.catalog_->FindAny(id); }));
      }
    }
    out[type] = std::move(list);
  }
  SendJson(response, out);
}

void Simulator::Api::MetadataList(const ServerRequest& request, ServerResponse& response,
                                  std::string_view type, std::string_view uid) {
  if (!uid.empty()) {
    const json* object = sim_.catalog_->Find(type, uid);
    if (object == nullptr) {
      SendError(response, 404, fmt::format("{} with id {} could not be found.", type, uid),
                "E1005");
      return;
    }
    auto fields = FieldFilter::Parse(request.Param("fields").value_or("*"));
    if (!fields.ok()) {
      SendError(response, 400, fields.status().message());
      return;
    }
    const MetadataCatalog* catalog = sim_.catalog_.get();
    SendJson(response, fields->Apply(*object, [catalog](std::string_view id) {
      return catalog->FindAny(id);
    }));
    return;
  }
  auto filter =
      ObjectFilter::Parse(request.Params("filter"), request.Param("rootJunction") == "OR");
  if (!filter.ok()) {
    SendError(response, 400, filter.status().message());
    return;
  }
  std::optional<int> level =
      type == "organisationUnits" ? IntParam(request, "level") : std::nullopt;
  std::vector<const json*> selected;
  for (const json& object : *sim_.catalog_->Objects(type)) {
    if (level && object.value("level", 0) != *level) {
      continue;
    }
    if (filter->Matches(object)) {
      selected.push_back(&object);
    }
  }
  PagedList(request, response, type, selected, "id,displayName");
}

void Simulator::Api::PagedList(const ServerRequest& request, ServerResponse& response,
                               std::string_view type, const std::vector<const json*>& objects,
                               const std::string& default_fields) {
  auto fields = FieldFilter::Parse(request.Param("fields").value_or(default_fields));
  if (!fields.ok()) {
    SendError(response, 400, fields.status().message());
    return;
  }
  PageSlice slice = SliceOf(request, objects.size());
  const MetadataCatalog* catalog = sim_.catalog_.get();
  FieldFilter::Resolver resolver = [catalog](std::string_view uid) {
    return catalog->FindAny(uid);
  };
  json list = json::array();
  for (size_t i = slice.first; i < slice.last; ++i) {
    list.push_back(fields->Apply(*objects[i], resolver));
  }
  json out = json::object();
  if (!slice.pager.is_null()) {
    out["pager"] = std::move(slice.pager);
  }
  out[std::string(type)] = std::move(list);
  SendJson(response, out);
}

Simulator::Api::PageSlice Simulator::Api::SliceOf(const ServerRequest& request, size_t total) {
  PageSlice slice;
  slice.last = total;
  if (!BoolParam(request, "paging", true)) {
    return slice;
  }
  int page_size = std::max(1, IntParam(request, "pageSize").value_or(50));
  int page = std::max(1, IntParam(request, "page").value_or(1));
  int count = static_cast<int>(total);
  int page_count = (count + page_size - 1) / page_size;
  slice.pager = {
      {"page", page}, {"pageCount", page_count}, {"total", count}, {"pageSize", page_size}};
  if (page < page_count) {
    slice.pager["nextPage"] = PageUrl(request, page + 1);
  }
  if (page > 1) {
    slice.pager["prevPage"] = PageUrl(request, page - 1);
  }
  slice.first = std::min(total, static_cast<size_t>(page - 1) * static_cast<size_t>(page_size));
  slice.last = std::min(total, slice.first + static_cast<size_t>(page_size));
  return slice;
}

void Simulator::Api::SendPage(ServerResponse& response, std::string_view type,
                              const PageSlice& slice, const std::vector<json>& page,
                              const FieldFilter& fields) {
  const MetadataCatalog* catalog = sim_.catalog_.get();
  FieldFilter::Resolver resolver = [catalog](std::string_view uid) {
    return catalog->FindAny(uid);
  };
  json list = json::array();
  for (const json& object : page) {
    list.push_back(fields.Apply(object, resolver));
  }
  json out = json::object();
  if (!slice.pager.is_null()) {
    out["pager"] = slice.pager;
  }
  out[std::string(type)] = std::move(list);
  SendJson(response, out);
}

void Simulator::Api::MarkSubtree(int unit, std::vector<char>& mask) const {
  mask[static_cast<size_t>(unit)] = 1;
  for (int child : c_.org_units[unit].children) {
    MarkSubtree(child, mask);
  }
}

bool Simulator::Api::OrgUnitMask(const std::vector<std::string>& uids, bool children,
                                 std::vector<char>& mask, ServerResponse& response) {
  mask.assign(c_.org_units.size(), 0);
  for (const std::string& uid : uids) {
    int unit = c_.FindOrgUnit(uid);
    if (unit < 0) {
      SendError(response, 409, fmt::format("Organisation unit does not exist: `{}`", uid), "E1102");
      return false;
    }
    if (children) {
      MarkSubtree(unit, mask);
    } else {
      mask[static_cast<size_t>(unit)] = 1;
    }
  }
  return true;
}

void Simulator::Api::DataValueSets(const ServerRequest& request, ServerResponse& response,
                                   bool csv) {
  auto data_sets = ListParam(request, "dataSet");
  auto elements = ListParam(request, "dataElement");
  auto groups = ListParam(request, "dataElementGroup");
  auto org_units = ListParam(request, "orgUnit");
  auto periods = ListParam(request, "period");
  auto start = request.Param("startDate");
  auto end = request.Param("endDate");
  auto last_updated = request.Param("lastUpdated");
  auto duration = request.Param("lastUpdatedDuration");
  bool children = BoolParam(request, "children", false);
  if (data_sets.empty() && elements.empty() && groups.empty()) {
    SendError(response, 409,
              "At least one data element, data set or data element group must be specified",
              "E2001");
    return;
  }
  if (periods.empty() && !start && !end && !last_updated && !duration) {
    SendError(response, 409,
              "At least one period, start/end dates, last updated or last updated duration must be "
              "specified",
              "E2002");
    return;
  }
  if (!periods.empty() && (start || end)) {
    SendError(response, 409, "Periods and start/end dates cannot both be specified", "E2003");
    return;
  }
  DataQuery query;
  if (start || end) {
    auto start_date = start ? dhis2::ParseDate(start->substr(0, 10)) : Result<Date>(c_.first_day);
    auto end_date = end ? dhis2::ParseDate(end->substr(0, 10)) : Result<Date>(c_.today);
    if (!start_date.ok() || !end_date.ok()) {
      SendError(response, 409, "Start date and end date must be dates like 2024-01-31", "E2004");
      return;
    }
    if (*start_date > *end_date) {
      SendError(response, 409, "Start date must be before end date", "E2004");
      return;
    }
    query.start_date = *start_date;
    query.end_date = *end_date;
  }
  int64_t now = ToEpochMillis(sim_.clock_.Now());
  if (duration) {
    auto ms = ParseDuration(*duration);
    if (!ms) {
      SendError(response, 409, fmt::format("Duration is not valid: `{}`", *duration), "E2005");
      return;
    }
    query.updated_since_ms = now - *ms;
  } else if (last_updated) {
    auto ms = ParseTimestamp(*last_updated);
    if (!ms) {
      SendError(response, 409, fmt::format("Last updated is not a valid date: `{}`", *last_updated),
                "E2005");
      return;
    }
    query.updated_since_ms = *ms;
  }
  if (org_units.empty()) {
    SendError(response, 409,
              "At least one organisation unit or organisation unit group must be specified",
              "E2006");
    return;
  }
  auto limit = IntParam(request, "limit");
  if (limit && *limit < 0) {
    SendError(response, 409, fmt::format("Limit cannot be less than zero: `{}`", *limit), "E2009");
    return;
  }
  for (const std::string& id : periods) {
    auto period = dhis2::ParsePeriodId(id);
    if (!period.ok()) {
      SendError(response, 409, fmt::format("Period is not valid: `{}`", id), "E1102");
      return;
    }
    query.period_ids.push_back(period->id());
  }
  query.element_mask.assign(c_.data_elements.size(), 0);
  std::vector<char> set_used(c_.data_sets.size(), 0);
  for (const std::string& uid : data_sets) {
    int ds = c_.FindDataSet(uid);
    if (ds < 0) {
      SendError(response, 409, fmt::format("Data set does not exist: `{}`", uid), "E2020");
      return;
    }
    set_used[static_cast<size_t>(ds)] = 1;
    for (int e : c_.data_sets[ds].elements) {
      query.element_mask[static_cast<size_t>(e)] = 1;
    }
  }
  for (const std::string& uid : elements) {
    int e = c_.FindDataElement(uid);
    if (e < 0) {
      SendError(response, 409, fmt::format("Data element does not exist: `{}`", uid), "E2022");
      return;
    }
    query.element_mask[static_cast<size_t>(e)] = 1;
  }
  for (const std::string& uid : groups) {
    bool found = false;
    for (size_t g = 0; g < c_.data_element_groups.size(); ++g) {
      if (c_.data_element_groups[g].uid == uid) {
        found = true;
        for (int e : c_.data_element_group_members[g]) {
          query.element_mask[static_cast<size_t>(e)] = 1;
        }
      }
    }
    if (!found) {
      SendError(response, 409, fmt::format("Data element group does not exist: `{}`", uid),
                "E2021");
      return;
    }
  }
  for (size_t e = 0; e < c_.data_elements.size(); ++e) {
    if (query.element_mask[e] && c_.data_elements[e].data_set >= 0) {
      set_used[static_cast<size_t>(c_.data_elements[e].data_set)] = 1;
    }
  }
  for (size_t s = 0; s < set_used.size(); ++s) {
    if (set_used[s]) {
      query.data_sets.push_back(static_cast<int>(s));
    }
  }
  if (!OrgUnitMask(org_units, children, query.org_unit_mask, response)) {
    return;
  }
  query.include_deleted = BoolParam(request, "includeDeleted", false);

  // The data value set header DHIS2 writes when one set, one period and one org unit were asked.
  std::string header;
  if (!csv && data_sets.size() == 1 && query.period_ids.size() == 1 && org_units.size() == 1 &&
      !children) {
    AppendJsonString(header += "\"dataSet\":", data_sets[0]);
    DataQuery registration_query = query;
    registration_query.updated_since_ms.reset();
    int64_t complete_ms = -1;
    (void)sim_.values_->ForEachRegistration(registration_query, [&](const RegistrationRecord& r) {
      complete_ms = r.date_ms;
      return false;
    });
    if (complete_ms >= 0) {
      AppendJsonString(header += ",\"completeDate\":", FormatZonedMillis(complete_ms));
    }
    AppendJsonString(header += ",\"period\":", query.period_ids[0]);
    AppendJsonString(header += ",\"orgUnit\":", org_units[0]);
    header += ",";
  }

  auto shared_query = std::make_shared<DataQuery>(std::move(query));
  const DataValueStore* store = sim_.values_.get();
  const Country* country = &c_;
  int64_t max_rows = limit ? *limit : -1;
  response.SetStreamedBody(
      csv ? "text/csv;charset=UTF-8" : "application/json",
      [shared_query, store, country, csv, header, max_rows](BodyWriter& writer) {
        BufferedWriter out(writer);
        std::string& buffer = out.buffer();
        if (csv) {
          buffer +=
              "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
              "lastupdated,comment,followup,deleted\n";
        } else {
          buffer += "{" + header + "\"dataValues\":[";
        }
        int64_t rows = 0;
        bool ok = true;
        std::string period_id;
        store->ForEachValue(*shared_query, [&](const DataValueRecord& r) {
          if (max_rows >= 0 && rows >= max_rows) {
            return false;
          }
          period_id.clear();
          r.period->AppendId(&period_id);
          const std::string& de = country->data_elements[r.data_element].uid;
          const std::string& ou = country->org_units[r.org_unit].uid;
          const std::string& coc = country->category_option_combos[r.coc].uid;
          const std::string& aoc = country->category_option_combos[r.aoc].uid;
          if (csv) {
            buffer += de;
            buffer += ',';
            buffer += period_id;
            buffer += ',';
            buffer += ou;
            buffer += ',';
            buffer += coc;
            buffer += ',';
            buffer += aoc;
            buffer += ',';
            AppendCsvField(buffer, r.value);
            buffer += ',';
            AppendCsvField(buffer, *r.stored_by);
            buffer += ',';
            buffer += FormatZonedMillis(r.updated_ms);
            buffer += ',';
            AppendCsvField(buffer, r.comment);
            buffer += r.followup ? ",true," : ",false,";
            buffer += r.deleted ? "true\n" : "false\n";
          } else {
            if (rows > 0) {
              buffer += ',';
            }
            buffer += "{\"dataElement\":\"";
            buffer += de;
            buffer += "\",\"period\":\"";
            buffer += period_id;
            buffer += "\",\"orgUnit\":\"";
            buffer += ou;
            buffer += "\",\"categoryOptionCombo\":\"";
            buffer += coc;
            buffer += "\",\"attributeOptionCombo\":\"";
            buffer += aoc;
            buffer += "\",\"value\":";
            AppendJsonString(buffer, r.value);
            buffer += ",\"storedBy\":";
            AppendJsonString(buffer, *r.stored_by);
            buffer += ",\"created\":\"";
            buffer += FormatZonedMillis(r.created_ms);
            buffer += "\",\"lastUpdated\":\"";
            buffer += FormatZonedMillis(r.updated_ms);
            buffer += '"';
            if (r.comment[0] != '\0') {
              buffer += ",\"comment\":";
              AppendJsonString(buffer, r.comment);
            }
            buffer += r.followup ? ",\"followup\":true" : ",\"followup\":false";
            if (r.deleted) {
              buffer += ",\"deleted\":true";
            }
            buffer += '}';
          }
          ++rows;
          ok = out.MaybeFlush();
          return ok;
        });
        if (!ok) {
          return false;
        }
        if (!csv) {
          buffer += "]}";
        }
        return out.Flush();
      });
}

void Simulator::Api::Registrations(const ServerRequest& request, ServerResponse& response) {
  auto data_sets = ListParam(request, "dataSet");
  auto org_units = ListParam(request, "orgUnit");
  auto periods = ListParam(request, "period");
  auto start = request.Param("startDate");
  auto end = request.Param("endDate");
  auto created = request.Param("created");
  auto duration = request.Param("createdDuration");
  if (data_sets.empty()) {
    SendError(response, 409, "At least one data set must be specified", "E2013");
    return;
  }
  if (periods.empty() && !start && !end && !created && !duration) {
    SendError(response, 409,
              "At least one period, start/end dates, created or created duration must be specified",
              "E2002");
    return;
  }
  if (org_units.empty()) {
    SendError(response, 409, "At least one organisation unit must be specified", "E2006");
    return;
  }
  DataQuery query;
  for (const std::string& uid : data_sets) {
    int ds = c_.FindDataSet(uid);
    if (ds < 0) {
      SendError(response, 409, fmt::format("Data set does not exist: `{}`", uid), "E2020");
      return;
    }
    query.data_sets.push_back(ds);
  }
  for (const std::string& id : periods) {
    auto period = dhis2::ParsePeriodId(id);
    if (!period.ok()) {
      SendError(response, 409, fmt::format("Period is not valid: `{}`", id), "E1102");
      return;
    }
    query.period_ids.push_back(period->id());
  }
  if (start || end) {
    auto start_date = start ? dhis2::ParseDate(start->substr(0, 10)) : Result<Date>(c_.first_day);
    auto end_date = end ? dhis2::ParseDate(end->substr(0, 10)) : Result<Date>(c_.today);
    if (!start_date.ok() || !end_date.ok()) {
      SendError(response, 409, "Start date and end date must be dates like 2024-01-31", "E2004");
      return;
    }
    query.start_date = *start_date;
    query.end_date = *end_date;
  }
  if (duration) {
    auto ms = ParseDuration(*duration);
    if (!ms) {
      SendError(response, 409, fmt::format("Duration is not valid: `{}`", *duration), "E2005");
      return;
    }
    query.updated_since_ms = ToEpochMillis(sim_.clock_.Now()) - *ms;
  } else if (created) {
    auto ms = ParseTimestamp(*created);
    if (!ms) {
      SendError(response, 409, fmt::format("Created is not a valid date: `{}`", *created), "E2005");
      return;
    }
    query.updated_since_ms = *ms;
  }
  if (!OrgUnitMask(org_units, BoolParam(request, "children", false), query.org_unit_mask,
                   response)) {
    return;
  }
  auto shared_query = std::make_shared<DataQuery>(std::move(query));
  const DataValueStore* store = sim_.values_.get();
  const Country* country = &c_;
  response.SetStreamedBody("application/json", [shared_query, store, country](BodyWriter& writer) {
    BufferedWriter out(writer);
    std::string& buffer = out.buffer();
    buffer += "{\"completeDataSetRegistrations\":[";
    bool first = true;
    bool ok = true;
    store->ForEachRegistration(*shared_query, [&](const RegistrationRecord& r) {
      buffer += first ? "{\"period\":\"" : ",{\"period\":\"";
      first = false;
      r.period->AppendId(&buffer);
      buffer += "\",\"dataSet\":\"" + country->data_sets[r.data_set].uid;
      buffer += "\",\"organisationUnit\":\"" + country->org_units[r.org_unit].uid;
      buffer += "\",\"attributeOptionCombo\":\"" + country->category_option_combos[r.aoc].uid;
      buffer += "\",\"date\":\"" + FormatLocalMillis(r.date_ms);
      buffer += "\",\"storedBy\":";
      AppendJsonString(buffer, *r.stored_by);
      buffer += r.completed ? ",\"completed\":true}" : ",\"completed\":false}";
      ok = out.MaybeFlush();
      return ok;
    });
    if (!ok) {
      return false;
    }
    buffer += "]}";
    return out.Flush();
  });
}

void Simulator::Api::MinMax(const ServerRequest& request, ServerResponse& response) {
  // dhis2-core's MinMaxDataElementStore: the filters hold together (AND) and the list pages by
  // offset. A range is one per facility × data element with min-max × option combo of its combo,
  // in that order; its min and max follow from the three, so only the page's ranges are made.
  auto filter = ObjectFilter::Parse(request.Params("filter"));
  if (!filter.ok()) {
    SendError(response, 400, filter.status().message());
    return;
  }
  auto fields = FieldFilter::Parse(request.Param("fields").value_or("*"));
  if (!fields.ok()) {
    SendError(response, 400, fields.status().message());
    return;
  }
  auto reference = [](const char* key, const std::string& uid) {
    return json{{key, {{"id", uid}}}};
  };
  // Filters on source, dataElement and optionCombo are tested once per unit, element and combo;
  // the others (min, max, generated) need each range.
  ObjectFilter on_source = filter->On("source");
  ObjectFilter on_element = filter->On("dataElement");
  ObjectFilter on_combo = filter->On("optionCombo");
  ObjectFilter on_range = filter->Without({"source", "dataElement", "optionCombo"});
  std::vector<int> units;
  for (int ou : c_.facilities) {
    if (on_source.Matches(reference("source", c_.org_units[ou].uid))) {
      units.push_back(ou);
    }
  }
  std::vector<std::pair<int, int>> element_combos;  // (data element, option combo) of one unit
  for (size_t e = 0; e < c_.data_elements.size(); ++e) {
    const DataElement& de = c_.data_elements[e];
    if (!de.min_max || !on_element.Matches(reference("dataElement", de.uid))) {
      continue;
    }
    for (int coc : c_.category_combos[de.combo].option_combos) {
      if (on_combo.Matches(reference("optionCombo", c_.category_option_combos[coc].uid))) {
        element_combos.emplace_back(static_cast<int>(e), coc);
      }
    }
  }
  auto range = [&](int ou, int e, int coc) {
    Country::MinMax bounds = c_.MinMaxRange(ou, e, coc);
    return json{{"source", {{"id", c_.org_units[ou].uid}}},
                {"dataElement", {{"id", c_.data_elements[static_cast<size_t>(e)].uid}}},
                {"optionCombo", {{"id", c_.category_option_combos[coc].uid}}},
                {"min", static_cast<int>(bounds.min)},
                {"max", static_cast<int>(bounds.max)},
                {"generated", true}};
  };
  std::vector<json> page;
  PageSlice slice;
  size_t per_unit = element_combos.size();
  if (on_range.empty()) {
    slice = SliceOf(request, units.size() * per_unit);
    for (size_t index = slice.first; index < slice.last; ++index) {
      const auto& [e, coc] = element_combos[index % per_unit];
      page.push_back(range(units[index / per_unit], e, coc));
    }
  } else {
    // Rare (the extractor never asks): every range is made to be tested, the page's kept.
    std::vector<std::tuple<int, int, int>> matching;
    for (int ou : units) {
      for (const auto& [e, coc] : element_combos) {
        if (on_range.Matches(range(ou, e, coc))) {
          matching.emplace_back(ou, e, coc);
        }
      }
    }
    slice = SliceOf(request, matching.size());
    for (size_t index = slice.first; index < slice.last; ++index) {
      const auto& [ou, e, coc] = matching[index];
      page.push_back(range(ou, e, coc));
    }
  }
  SendPage(response, "minMaxDataElements", slice, page, *fields);
}

void Simulator::Api::Tracker(const ServerRequest& request, ServerResponse& response,
                             std::string_view kind) {
  bool entities = kind == "trackedEntities";
  auto program = request.Param("program");
  auto entity_type = request.Param("trackedEntityType");
  if (entities && !program && !entity_type && !request.Param("trackedEntities")) {
    SendError(response, 400,
              "Either `program`, `trackedEntityType` or `trackedEntities` should be specified");
    return;
  }
  if (program && *program != c_.programs[0].uid) {
    SendError(response, 400, fmt::format("Program is specified but does not exist: {}", *program));
    return;
  }
  if (entity_type && *entity_type != c_.tracked_entity_type.uid) {
    SendError(response, 400,
              fmt::format("Tracked entity type is specified but does not exist: {}", *entity_type));
    return;
  }
  auto units = ListParam(request, "orgUnits");
  for (const auto& uid : ListParam(request, "orgUnit")) {
    units.push_back(uid);
  }
  std::string mode =
      request.Param("orgUnitMode")
          .value_or(request.Param("ouMode").value_or(units.empty() ? "ACCESSIBLE" : "SELECTED"));
  std::vector<char> mask;
  if (!units.empty() && mode != "ALL" && mode != "ACCESSIBLE" && mode != "CAPTURE") {
    mask.assign(c_.org_units.size(), 0);
    for (const auto& uid : units) {
      int unit = c_.FindOrgUnit(uid);
      if (unit < 0) {
        SendError(response, 400, fmt::format("Organisation unit does not exist: {}", uid));
        return;
      }
      if (mode == "DESCENDANTS") {
        MarkSubtree(unit, mask);
      } else if (mode == "CHILDREN") {
        mask[static_cast<size_t>(unit)] = 1;
        for (int child : c_.org_units[unit].children) {
          mask[static_cast<size_t>(child)] = 1;
        }
      } else {
        mask[static_cast<size_t>(unit)] = 1;
      }
    }
  }
  std::optional<int64_t> after, before;
  if (auto text = request.Param("updatedAfter")) {
    after = ParseTimestamp(*text);
    if (!after) {
      SendError(response, 400, fmt::format("Invalid date: updatedAfter={}", *text));
      return;
    }
  }
  if (auto text = request.Param("updatedBefore")) {
    before = ParseTimestamp(*text);
  }
  if (auto text = request.Param("updatedWithin")) {
    auto ms = ParseDuration(*text);
    if (ms) {
      after = ToEpochMillis(sim_.clock_.Now()) - *ms;
    }
  }
  bool include_deleted = BoolParam(request, "includeDeleted", false);
  auto stage = request.Param("programStage");
  auto fields = FieldFilter::Parse(request.Param("fields").value_or("*"));
  if (!fields.ok()) {
    SendError(response, 400, fields.status().message());
    return;
  }
  auto keep = [&](int org_unit, int64_t updated, bool deleted) {
    if (deleted && !include_deleted) {
      return false;
    }
    if (!mask.empty() && !mask[static_cast<size_t>(org_unit)]) {
      return false;
    }
    if (after && updated < *after) {
      return false;
    }
    if (before && updated > *before) {
      return false;
    }
    return true;
  };
  bool paging =
      BoolParam(request, "paging", true) && BoolParam(request, "skipPaging", false) == false;
  bool totals = BoolParam(request, "totalPages", false);
  int page_size = std::max(1, IntParam(request, "pageSize").value_or(50));
  int page = std::max(1, IntParam(request, "page").value_or(1));
  // The records kept are listed first (indices); only the page's are made into JSON, so a page
  // costs what it holds rather than the whole list.
  size_t matching = 0;
  size_t first = 0, last = 0;
  json list = json::array();
  const Program& prog = c_.programs[0];
  std::string aoc = c_.category_option_combos[0].uid;
  sim_.tracker_->Read([&](const std::vector<TrackedEntity>& people,
                          const std::vector<Enrollment>& enrollments,
                          const std::vector<TrackerEvent>& events) {
    std::vector<size_t> kept;
    if (kind == "events") {
      for (size_t index = 0; index < events.size(); ++index) {
        const TrackerEvent& e = events[index];
        if (keep(e.org_unit, e.updated_ms, e.deleted) &&
            (!stage || *stage == c_.program_stages[e.stage].uid)) {
          kept.push_back(index);
        }
      }
    } else if (kind == "enrollments") {
      for (size_t index = 0; index < enrollments.size(); ++index) {
        const Enrollment& en = enrollments[index];
        if (keep(en.org_unit, en.updated_ms, en.deleted)) {
          kept.push_back(index);
        }
      }
    } else {
      for (size_t index = 0; index < people.size(); ++index) {
        const TrackedEntity& p = people[index];
        if (keep(p.org_unit, p.updated_ms, p.deleted)) {
          kept.push_back(index);
        }
      }
    }
    matching = kept.size();
    last = kept.size();
    if (paging) {
      first = std::min(kept.size(), static_cast<size_t>(page - 1) * static_cast<size_t>(page_size));
      last = std::min(kept.size(), first + static_cast<size_t>(page_size));
    }
    if (kind == "events") {
      for (size_t i = first; i < last; ++i) {
        const TrackerEvent& e = events[kept[i]];
        json values = json::array();
        for (const auto& [de, value] : e.data_values) {
          values.push_back({{"dataElement", c_.data_elements[de].uid},
                            {"value", value},
                            {"createdAt", FormatLocalMillis(e.created_ms)},
                            {"updatedAt", FormatLocalMillis(e.updated_ms)},
                            {"providedElsewhere", false}});
        }
        list.push_back(fields->Apply(json{{"event", e.uid},
                                          {"status", e.status},
                                          {"program", prog.uid},
                                          {"programStage", c_.program_stages[e.stage].uid},
                                          {"enrollment", enrollments[e.enrollment].uid},
                                          {"trackedEntity", people[e.tracked_entity].uid},
                                          {"orgUnit", c_.org_units[e.org_unit].uid},
                                          {"occurredAt", FormatLocalMillis(e.occurred_ms)},
                                          {"scheduledAt", FormatLocalMillis(e.scheduled_ms)},
                                          {"createdAt", FormatLocalMillis(e.created_ms)},
                                          {"updatedAt", FormatLocalMillis(e.updated_ms)},
                                          {"attributeOptionCombo", aoc},
                                          {"deleted", e.deleted},
                                          {"followUp", false},
                                          {"dataValues", std::move(values)},
                                          {"notes", json::array()}}));
      }
    } else if (kind == "enrollments") {
      for (size_t i = first; i < last; ++i) {
        const Enrollment& en = enrollments[kept[i]];
        list.push_back(fields->Apply(json{{"enrollment", en.uid},
                                          {"createdAt", FormatLocalMillis(en.created_ms)},
                                          {"createdAtClient", FormatLocalMillis(en.created_ms)},
                                          {"updatedAt", FormatLocalMillis(en.updated_ms)},
                                          {"updatedAtClient", FormatLocalMillis(en.updated_ms)},
                                          {"trackedEntity", people[en.tracked_entity].uid},
                                          {"program", prog.uid},
                                          {"status", en.status},
                                          {"orgUnit", c_.org_units[en.org_unit].uid},
                                          {"enrolledAt", FormatLocalMillis(en.enrolled_ms)},
                                          {"occurredAt", FormatLocalMillis(en.enrolled_ms)},
                                          {"followUp", en.follow_up},
                                          {"deleted", en.deleted},
                                          {"attributeOptionCombo", aoc},
                                          {"attributes", json::array()},
                                          {"notes", json::array()}}));
      }
    } else {
      // Each person's relationships in the order derived, as before paging was cheap.
      std::vector<Relationship> relationships = DeriveRelationships(c_.seed, people);
      std::vector<std::vector<size_t>> relationships_of(people.size());
      for (size_t r = 0; r < relationships.size(); ++r) {
        relationships_of[static_cast<size_t>(relationships[r].from)].push_back(r);
        relationships_of[static_cast<size_t>(relationships[r].to)].push_back(r);
      }
      for (size_t i = first; i < last; ++i) {
        size_t index = kept[i];
        const TrackedEntity& p = people[index];
        json attributes = json::array();
        for (size_t a = 0; a < prog.attributes.size(); ++a) {
          const TrackedEntityAttribute& tea = c_.tracked_entity_attributes[prog.attributes[a]];
          attributes.push_back({{"attribute", tea.uid},
                                {"displayName", tea.name},
                                {"valueType", tea.value_type},
                                {"createdAt", FormatLocalMillis(p.created_ms)},
                                {"updatedAt", FormatLocalMillis(p.updated_ms)},
                                {"value", p.attribute_values[a]}});
        }
        json related = json::array();
        for (size_t r : relationships_of[index]) {
          const Relationship& relationship = relationships[r];
          related.push_back(
              {{"relationship", relationship.uid},
               {"relationshipType", c_.relationship_types[0].uid},
               {"relationshipName", c_.relationship_types[0].name},
               {"bidirectional", c_.relationship_types[0].bidirectional},
               {"createdAt", FormatLocalMillis(relationship.created_ms)},
               {"updatedAt", FormatLocalMillis(relationship.created_ms)},
               {"from", {{"trackedEntity", {{"trackedEntity", people[relationship.from].uid}}}}},
               {"to", {{"trackedEntity", {{"trackedEntity", people[relationship.to].uid}}}}}});
        }
        list.push_back(fields->Apply(
            json{{"trackedEntity", p.uid},
                 {"trackedEntityType", c_.tracked_entity_type.uid},
                 {"createdAt", FormatLocalMillis(p.created_ms)},
                 {"createdAtClient", FormatLocalMillis(p.created_ms)},
                 {"updatedAt", FormatLocalMillis(p.updated_ms)},
                 {"updatedAtClient", FormatLocalMillis(p.updated_ms)},
                 {"orgUnit", c_.org_units[p.org_unit].uid},
                 {"inactive", false},
                 {"deleted", p.deleted},
                 {"potentialDuplicate", false},
                 {"programOwners", json::array({{{"orgUnit", c_.org_units[p.org_unit].uid},
                                                 {"trackedEntity", p.uid},
                                                 {"program", prog.uid}}})},
                 {"attributes", std::move(attributes)},
                 {"relationships", std::move(related)}}));
      }
    }
  });
  int total = static_cast<int>(matching);
  int page_count = (total + page_size - 1) / page_size;
  json out = json::object();
  if (sim_.minor_version_ < 41) {
    if (paging) {
      out["page"] = page;
      out["pageSize"] = page_size;
      if (totals) {
        out["total"] = total;
        out["pageCount"] = page_count;
      }
    }
    out["instances"] = std::move(list);
  } else {
    if (paging) {
      json pager = {{"page", page}, {"pageSize", page_size}};
      if (totals) {
        pager["total"] = total;
        pager["pageCount"] = page_count;
      }
      if (page > 1) {
        pager["prevPage"] = PageUrl(request, page - 1);
      }
      if (last < matching) {
        pager["nextPage"] = PageUrl(request, page + 1);
      }
      out["pager"] = std::move(pager);
      if (sim_.minor_version_ == 41) {
        out["page"] = page;
        out["pageSize"] = page_size;
      }
    }
    out[std::string(kind)] = std::move(list);
  }
  SendJson(response, out);
}

void Simulator::Api::AdminMutate(const ServerRequest& request, ServerResponse& response) {
  auto share_text = request.Param("share");
  double share = 0;
  if (!share_text || std::sscanf(share_text->c_str(), "%lf", &share) != 1 || share < 0 ||
      share > 1) {
    SendError(response, 400, "share must be a number within [0, 1], e.g. /admin/mutate?share=0.05");
    return;
  }
  int round = sim_.Mutate(share);
  int64_t stamp = 0;
  for (const MutationRound& r : sim_.values_->rounds()) {
    if (r.number == round) {
      stamp = r.stamp_ms;
    }
  }
  SendJson(response,
           json{{"round", round}, {"share", share}, {"lastUpdated", FormatLocalMillis(stamp)}});
}

void Simulator::Api::AdminRelease(ServerResponse& response) {
  auto released = sim_.Release();
  if (!released) {
    SendError(response, 409,
              "nothing is held back (start the simulator with --hold-back-months N)");
    return;
  }
  SendJson(response, json{{"released_from", dhis2::FormatDate(released->first)},
                          {"lastUpdated", FormatLocalMillis(released->second)}});
}

Simulator::Simulator(SimOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  minor_version_ = Dhis2MinorVersion(options_.dhis2_version).ValueOr(41);
  auto now = std::chrono::floor<std::chrono::days>(clock_.Now());
  country_ = std::make_unique<Country>(Country::Generate(options_.scale, options_.seed, now));
  catalog_ = std::make_unique<MetadataCatalog>(*country_);
  values_ = std::make_unique<DataValueStore>(*country_);
  tracker_ = std::make_unique<TrackerStore>(*country_);
  api_ = std::make_unique<Api>(*this);
  if (options_.hold_back_months > 0) {
    // The first day of today's month, then back N - 1 months.
    std::chrono::year_month_day today(country_->today);
    std::chrono::year_month first = std::chrono::year_month(today.year(), today.month()) -
                                    std::chrono::months(options_.hold_back_months - 1);
    values_->HoldBack(std::chrono::sys_days(first / std::chrono::day(1)));
  }
  if (options_.mutate > 0) {
    Mutate(options_.mutate);
  }
}

Simulator::~Simulator() = default;

void Simulator::RegisterRoutes(http::HttpServer& server) {
  for (const char* method : {"GET", "POST"}) {
    server.Route(method, "/.*", [this](const ServerRequest& request, ServerResponse& response) {
      Handle(request, response);
    });
  }
}

void Simulator::Handle(const ServerRequest& request, ServerResponse& response) {
  api_->Handle(request, response);
}

int Simulator::Mutate(double share) {
  std::lock_guard lock(mutate_mutex_);
  MutationRound round;
  round.number = ++rounds_;
  round.share = share;
  round.stamp_ms = ToEpochMillis(clock_.Now());
  // Rounds are applied in order: a stamp never goes back in time even if the clock does.
  for (const MutationRound& previous : values_->rounds()) {
    round.stamp_ms = std::max(round.stamp_ms, previous.stamp_ms + 1);
  }
  values_->AddRound(round);
  tracker_->ApplyRound(round);
  return round.number;
}

std::optional<std::pair<dhis2::Date, int64_t>> Simulator::Release() {
  std::lock_guard lock(mutate_mutex_);
  int64_t stamp = ToEpochMillis(clock_.Now());
  for (const MutationRound& previous : values_->rounds()) {
    stamp = std::max(stamp, previous.stamp_ms + 1);
  }
  std::optional<dhis2::Date> from = values_->Release(stamp);
  if (!from) return std::nullopt;
  return std::make_pair(*from, stamp);
}

SimStats Simulator::Stats() const {
  SimStats stats;
  DataValueCounts counts = values_->CountValues();
  stats.live = counts.live;
  stats.deleted = counts.deleted;
  stats.invalid = counts.invalid;
  stats.complete_registrations = values_->CountRegistrations();
  TrackerCounts tracker = tracker_->Counts();
  stats.events = tracker.events;
  stats.enrollments = tracker.enrollments;
  stats.tracked_entities = tracker.tracked_entities;
  stats.org_units = static_cast<int64_t>(country_->org_units.size());
  stats.data_elements = static_cast<int64_t>(country_->data_elements.size());
  stats.indicators = static_cast<int64_t>(country_->indicators.size());
  return stats;
}

std::string Simulator::StatsJson() const {
  SimStats s = Stats();
  return fmt::format(
      R"({{"data_values": {{"live": {}, "deleted": {}, "invalid": {}}}, "complete_registrations": {}, )"
      R"("events": {}, "enrollments": {}, "tracked_entities": {}, "org_units": {}, "data_elements": {}, )"
      R"("indicators": {}}})",
      s.live, s.deleted, s.invalid, s.complete_registrations, s.events, s.enrollments,
      s.tracked_entities, s.org_units, s.data_elements, s.indicators);
}

}  // namespace dhl::sim
