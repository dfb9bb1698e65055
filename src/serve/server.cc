#include "serve/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>

#include "base/clock.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/logging.h"
#include "base/text.h"
#include "engine/connection.h"
#include "http/http_server.h"
#include "serve/analytics.h"
#include "serve/answer_cache.h"
#include "serve/lake_reader.h"
#include "serve/lake_views.h"
#include "serve/tracker_analytics.h"

namespace dhl::serve {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";
constexpr char kCsv[] = "text/csv";
constexpr std::array<double, 12> kLatencyBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                    0.25,  0.5,   1.0,  2.5,   5.0,  10.0};

// What a request may see: everything, or the subtrees under `org_units`.
struct Caller {
  int token_index = -1;  // -1 when no tokens are configured
  std::vector<std::string> org_units;
  bool whole_country() const { return org_units.empty(); }
};

const char* StatusText(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

// DHIS2's error envelope.
void SetError(http::ServerResponse& response, int status, const std::string& message) {
  json body = {{"httpStatus", StatusText(status)},
               {"httpStatusCode", status},
               {"status", "ERROR"},
               {"message", message}};
  response.SetStatus(status);
  response.SetBody(body.dump(), kJson);
}

// A failure of ours: the detail (DuckDB's message, SQL, paths) goes to the log under a request id;
// the caller gets a short message and the id.
void SetInternalError(http::ServerResponse& response, const Status& status) {
  std::string id = Uuid4().substr(0, 8);
  LogError("serve: request {} failed: {}", id, status.ToString());
  SetError(response, 500,
           fmt::format("internal error (request id {}; the server log has the detail)", id));
  response.SetHeader("X-Request-Id", id);
}

// DuckDB renders timestamps as "2024-01-01 10:00:00.123+00"; JSON answers carry ISO 8601
// ("2024-01-01T10:00:00.123+00:00"), which browsers and JSON tools parse.
std::string IsoTimestamp(std::string text) {
  size_t space = text.find(' ');
  if (space != std::string::npos) {
    text[space] = 'T';
  }
  size_t zone = text.find_last_of("+-");
  if (zone != std::string::npos && zone > 10 && text.size() - zone == 3) {
    text += ":00";
  }
  return text;
}

json CellJson(const engine::QueryResult& result, size_t column, size_t row) {
  engine::Value value = result.GetValue(column, row);
  if (const bool* b = std::get_if<bool>(&value)) {
    return *b;
  }
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    return *i;
  }
  if (const double* d = std::get_if<double>(&value)) {
    return *d;
  }
  if (const std::string* s = std::get_if<std::string>(&value)) {
    std::string type = result.column_type(column);
    if (type == "TIMESTAMP WITH TIME ZONE" || type == "TIMESTAMP") {
      return IsoTimestamp(*s);
    }
    return *s;
  }
  return nullptr;
}

// Rows as JSON objects keyed by column name.
json RowObjects(const engine::QueryResult& result) {
  json rows = json::array();
  for (size_t row = 0; row < result.row_count(); ++row) {
    json object = json::object();
    for (size_t column = 0; column < result.column_count(); ++column) {
      object[result.column_name(column)] = CellJson(result, column, row);
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

std::string PrometheusLabel(std::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// Skips blanks and SQL comments (`-- …` to the end of the line, `/* … */`) from `at`.
size_t SkipBlanks(std::string_view sql, size_t at) {
  while (at < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[at])) != 0) {
      ++at;
    } else if (sql.substr(at, 2) == "--") {
      size_t end = sql.find('\n', at);
      at = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(at, 2) == "/*") {
      size_t end = sql.find("*/", at + 2);
      at = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return at;
}

// When `sql` starts with EXPLAIN [ANALYZE|ANALYSE] [(options)], the statement it explains;
// std::nullopt otherwise (or when the prefix cannot be read, which the caller then refuses).
std::optional<std::string> ExplainedStatement(std::string_view sql) {
  auto keyword = [&](size_t at, std::string_view word) {
    return sql.size() - at >= word.size() && AsciiLower(sql.substr(at, word.size())) == word &&
           (sql.size() - at == word.size() ||
            std::isalnum(static_cast<unsigned char>(sql[at + word.size()])) == 0);
  };
  size_t at = SkipBlanks(sql, 0);
  if (!keyword(at, "explain")) {
    return std::nullopt;
  }
  at = SkipBlanks(sql, at + 7);
  if (keyword(at, "analyze") || keyword(at, "analyse")) {
    at = SkipBlanks(sql, at + 7);
  }
  if (at < sql.size() && sql[at] == '(') {
    size_t close = sql.find(')', at);
    at = close == std::string_view::npos ? sql.size() : SkipBlanks(sql, close + 1);
  }
  return std::string(sql.substr(at));
}

// How answers name a caller: "token<N>" (the N-th configured token) or "anonymous".
std::string CallerName(const Caller& caller) {
  return caller.token_index < 0 ? "anonymous" : fmt::format("token{}", caller.token_index + 1);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

std::string ContentTypeOf(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                            {".js", "text/javascript"},
                                                            {".mjs", "text/javascript"},
                                                            {".css", "text/css"},
                                                            {".json", kJson},
                                                            {".svg", "image/svg+xml"},
                                                            {".png", "image/png"},
                                                            {".ico", "image/x-icon"},
                                                            {".woff2", "font/woff2"},
                                                            {".map", kJson},
                                                            {".txt", "text/plain"},
                                                            {".geojson", kJson}};
  auto found = kTypes.find(std::filesystem::path(path).extension().string());
  return found == kTypes.end() ? "application/octet-stream" : found->second;
}

// Interrupts a connection's query when the deadline passes before Disarm.
class QueryWatchdog {
 public:
  QueryWatchdog(engine::Connection& connection, std::chrono::milliseconds timeout)
      : thread_([this, &connection, timeout] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!cv_.wait_for(lock, timeout, [this] { return disarmed_; })) {
            fired_ = true;
            connection.Interrupt();
          }
        }) {}
  ~QueryWatchdog() { Disarm(); }
  // Returns whether the deadline passed (the query was interrupted).
  bool Disarm() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      disarmed_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  bool fired_ = false;
  std::thread thread_;
};

struct LatencyHistogram {
  std::array<int64_t, kLatencyBuckets.size()> buckets{};
  int64_t count = 0;
  double sum = 0;
};

}  // namespace

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  // An IPv4 address 127.a.b.c, written as four decimal numbers (not a name such as 127.evil.com).
  std::vector<std::string_view> parts = Split(host, '.');
  if (parts.size() != 4 || parts[0] != "127") {
    return false;
  }
  return std::all_of(parts.begin(), parts.end(), [](std::string_view part) {
    return !part.empty() && part.size() <= 3 &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           ParseInt64(part, "an IPv4 part", 0, 255).ok();
  });
}

// The host of a Host header or an origin ("http://127.0.0.1:8080" -> "127.0.0.1").
std::string HostOf(std::string_view text) {
  size_t scheme = text.find("://");
  if (scheme != std::string_view::npos) {
    text = text.substr(scheme + 3);
  }
  text = text.substr(0, text.find('/'));
  if (!text.empty() && text[0] == '[') {  // [::1]:8080
    return std::string(text.substr(0, text.find(']') + 1));
  }
  return std::string(
      text.substr(0, text.rfind(':') == std::string_view::npos ? text.size() : text.rfind(':')));
}

class Server::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(std::move(options)),
        views_(options_.lake_dir, ViewsOptions(options_)),
        cache_(options_.cache_entries, options_.cache_bytes),
        server_(Limits(options_)) {}

  Result<int> Start() {
    if (options_.tokens.empty()) {
      if (!IsLoopback(options_.bind)) {
        return InvalidArgument(
            fmt::format("serve: refusing to bind {} without tokens: configure [[serve.tokens]] in "
                        "dhis2lake.toml, or bind 127.0.0.1",
                        options_.bind));
      }
      LogWarn(
          "serve: no tokens configured: everything is served to anyone who can reach {} "
          "(loopback only)",
          options_.bind);
    }
    for (const AccessToken& token : options_.tokens) {
      if (token.token.empty()) {
        return InvalidArgument("serve: a [[serve.tokens]] entry has an empty token");
      }
    }
    // Build the first generation now, so that a broken lake is reported at start.
    DHL_RETURN_IF_ERROR(views_.Current().status());
    AddRoutes();
    return server_.Start(options_.bind, options_.port);
  }

  void Stop() { server_.Stop(); }
  void Wait() { server_.Wait(); }
  int port() const { return server_.port(); }
  int64_t analytics_computations() const { return computations_.load(); }
  int64_t metadata_loads() const { return metadata_.loads(); }

 private:
  using Body =
      std::function<void(const http::ServerRequest&, http::ServerResponse&, const Caller&)>;

  static LakeViewsOptions ViewsOptions(const ServerOptions& options) {
    LakeViewsOptions views;
    views.analytics.threads = options.engine_threads;
    views.analytics.memory_limit = options.memory_limit;
    views.sql.threads = options.engine_threads;
    views.sql.memory_limit = options.sql_memory_limit;
    if (options.sorted_copies) {
      // Ordered as the gold readers filter: the request's key, then period, then org unit.
      ServingCopiesOptions copies;
      copies.dir = (std::filesystem::absolute(options.lake_dir) / "_system" / "tmp" /
                    ("serve-" + Uuid4().substr(0, 8)))
                       .lexically_normal()
                       .string();
      copies.order_by = {{analytics::kAggregateTable, "de, pe, ou"},
                         {analytics::kIndicatorValueTable, "indicator, pe, ou"},
                         {analytics::kReportingRateTable, "data_set, pe, ou"},
                         {analytics::kProgramIndicatorValueTable, "program_indicator, pe, ou"}};
      copies.engine.threads = options.engine_threads;
      copies.engine.memory_limit = options.memory_limit;
      views.copies = std::move(copies);
    }
    return views;
  }

  static http::ServerLimits Limits(const ServerOptions& options) {
    http::ServerLimits limits;
    limits.max_body_bytes = options.max_body_bytes;
    limits.path_body_limits = {{"/api(?:/[0-9]+)?/sql", options.sql_body_bytes}};
    limits.read_timeout = options.read_timeout;
    limits.write_timeout = options.write_timeout;
    limits.workers = options.workers;
    limits.queue = options.queue;
    limits.always_answered = {"/health"};
    return limits;
  }

  void AddRoutes() {
    const std::string api = "/api(?:/[0-9]+)?";
    server_.Route("GET", "/health",
                  Timed("health", [](const http::ServerRequest&, http::ServerResponse& response) {
                    response.SetBody(R"({"status":"ok"})", kJson);
                  }));
    for (const char* method : {"GET", "POST"}) {
      server_.Route(
          method, api + "/sql",
          Guarded("sql", [this](const auto& q, auto& r, const auto& c) { HandleSql(q, r, c); }));
    }
    server_.Route("GET", api + "/analytics(?:\\.json|\\.csv)?",
                  Guarded("analytics", [this](const auto& q, auto& r, const auto& c) {
                    HandleAnalytics(q, r, c);
                  }));
    server_.Route("GET", api + "/analytics/(?:events|enrollments)/aggregate/[^/]+",
                  Guarded("tracker_analytics", [this](const auto& q, auto& r, const auto& c) {
                    HandleTrackerAnalytics(q, r, c);
                  }));
    server_.Route(
        "GET", api + "/runs",
        Guarded("runs", [this](const auto& q, auto& r, const auto& c) { HandleRuns(q, r, c); }));
    server_.Route("GET", api + "/dq", Guarded("dq", [this](const auto& q, auto& r, const auto& c) {
                    HandleDq(q, r, c);
                  }));
    server_.Route("GET", api + "/system/info(?:\\.json)?",
                  Guarded("system_info", [](const auto&, auto& r, const auto&) {
                    r.SetBody(SystemInfo().dump(), kJson);
                  }));
    server_.Route(
        "GET", api + "/me(?:\\.json)?",
        Guarded("me", [this](const auto& q, auto& r, const auto& c) { HandleMe(q, r, c); }));
    server_.Route("GET", "/metrics",
                  Guarded("metrics", [this](const auto& q, auto& r, const auto& c) {
                    HandleMetrics(q, r, c);
                  }));
    server_.Route("GET", "/api/.*", Timed("api_unknown", [](const auto& request, auto& response) {
                    SetError(response, 404, "no API endpoint " + request.path);
                  }));
    server_.Route("GET", ".*", Timed("static", [this](const auto& request, auto& response) {
                    HandleStatic(request, response);
                  }));
  }

  // Records the handler's latency under `route`.
  http::Handler Timed(std::string route, http::Handler handler) {
    return
        [this, route, handler](const http::ServerRequest& request, http::ServerResponse& response) {
          auto start = std::chrono::steady_clock::now();
          handler(request, response);
          double seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::lock_guard<std::mutex> lock(latency_mutex_);
          LatencyHistogram& histogram = latencies_[route];
          for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            if (seconds <= kLatencyBuckets[i]) {
              ++histogram.buckets[i];
            }
          }
          ++histogram.count;
          histogram.sum += seconds;
        };
  }

  // Timed, and only for a caller with a valid token (when tokens are configured).
  http::Handler Guarded(std::string route, Body body) {
    return Timed(std::move(route), [this, body](const http::ServerRequest& request,
                                                http::ServerResponse& response) {
      if (options_.tokens.empty()) {
        // Open mode: only pages of this server may ask (DNS rebinding gives a foreign page a
        // Host naming it; a cross-site form post carries a foreign Origin).
        std::string host = HostOf(request.Header("Host").value_or(""));
        if (!IsLoopback(host)) {
          SetError(response, 403,
                   "without tokens this server answers only requests addressed to a loopback "
                   "host (Host: 127.0.0.1 or localhost)");
          return;
        }
        std::optional<std::string> origin = request.Header("Origin");
        std::string fetch_site = AsciiLower(request.Header("Sec-Fetch-Site").value_or(""));
        if ((origin.has_value() && *origin != "null" && !IsLoopback(HostOf(*origin))) ||
            (origin.has_value() && *origin == "null") || fetch_site == "cross-site") {
          SetError(response, 403, "cross-site requests are refused without tokens");
          return;
        }
      }
      std::optional<Caller> caller = Authenticate(request);
      if (!caller.has_value()) {
        response.SetHeader("WWW-Authenticate", "Bearer");
        SetError(response, 401, "a valid token is required: Authorization: Bearer <token>");
        return;
      }
      body(request, response, *caller);
    });
  }

  std::optional<Caller> Authenticate(const http::ServerRequest& request) const {
    if (options_.tokens.empty()) {
      return Caller{};
    }
    std::optional<std::string> header = request.Header("Authorization");
    if (!header.has_value()) {
      return std::nullopt;
    }
    std::string_view text = *header;
    size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      return std::nullopt;
    }
    std::string scheme = AsciiLower(text.substr(0, space));
    if (scheme != "bearer" && scheme != "apitoken") {
      return std::nullopt;
    }
    std::string_view secret = Trim(text.substr(space + 1));
    for (size_t i = 0; i < options_.tokens.size(); ++i) {
      if (ConstantTimeEqual(secret, options_.tokens[i].token)) {
        return Caller{static_cast<int>(i), options_.tokens[i].org_units};
      }
    }
    return std::nullopt;
  }

  // The current generation and a connection on it, or an error answer.
  std::optional<std::pair<std::shared_ptr<LakeGeneration>, ConnectionLease>> Open(
      http::ServerResponse& response, bool sql = false) {
    Result<std::shared_ptr<LakeGeneration>> generation = views_.Current();
    if (!generation.ok()) {
      SetInternalError(response, generation.status());
      return std::nullopt;
    }
    Result<ConnectionLease> lease = sql ? (*generation)->LeaseSql() : (*generation)->Lease();
    if (!lease.ok()) {
      SetInternalError(response, lease.status());
      return std::nullopt;
    }
    return std::make_pair(*generation, std::move(*lease));
  }

  void HandleSql(const http::ServerRequest& request, http::ServerResponse& response,
                 const Caller& caller) {
    if (!caller.whole_country()) {
      SetError(response, 403,
               "/api/sql needs a token scoped to the whole country: arbitrary SQL cannot honour "
               "an org-unit scope");
      return;
    }
    std::optional<std::string> query = request.Param("q");
    if (!query.has_value() || Trim(*query).empty()) {
      SetError(response, 400, "parameter q (the SQL) is required");
      return;
    }
    std::string format = AsciiLower(request.Param("format").value_or("json"));
    if (format != "json" && format != "csv") {
      SetError(response, 400, "format must be json or csv, not '" + format + "'");
      return;
    }
    auto opened = Open(response, /*sql=*/true);
    if (!opened.has_value()) {
      return;
    }
    engine::Connection& connection = *opened->second;
    // The engine says what the statement is: exactly one, prepared, of type SELECT or EXPLAIN,
    // and an EXPLAIN's inner statement a SELECT (EXPLAIN ANALYZE runs it).
    std::optional<std::string> inner = ExplainedStatement(*query);
    if (inner.has_value()) {
      Result<engine::PreparedStatement> explained = connection.PrepareSingle(*inner);
      if (!explained.ok() || explained->kind() != engine::StatementKind::kSelect) {
        SetError(response, 400,
                 "query refused: EXPLAIN may only explain a SELECT statement on /api/sql");
        return;
      }
    }
    Result<engine::PreparedStatement> prepared = connection.PrepareSingle(*query);
    if (!prepared.ok()) {
      SetError(response, 400, "query refused: " + prepared.status().message());
      return;
    }
    engine::StatementKind kind = prepared->kind();
    if (kind != engine::StatementKind::kSelect &&
        (kind != engine::StatementKind::kExplain || !inner.has_value())) {
      SetError(response, 400,
               "query refused: only a SELECT (or EXPLAIN) statement may run on /api/sql");
      return;
    }
    if (prepared->parameter_count() != 0) {
      SetError(response, 400, "query refused: parameters ($1, ?) are not supported");
      return;
    }
    // Rows are capped in the engine: a SELECT runs as `SELECT * FROM (<q>) LIMIT row_limit + 1`,
    // so no more rows than that are ever materialised (a statement the wrapper cannot hold runs
    // as it is, its rows then bounded by the SQL database's memory limit).
    if (kind == engine::StatementKind::kSelect) {
      const std::string capped_sql =
          fmt::format("SELECT * FROM (\n{}\n) AS capped LIMIT {}",
                      WithoutTrailingSemicolons(*query), options_.row_limit + 1);
      Result<engine::PreparedStatement> capped = connection.PrepareSingle(capped_sql);
      // ENUM columns come back as their text (the result API reads no ENUM value).
      if (capped.ok() && capped->kind() == engine::StatementKind::kSelect &&
          capped->parameter_count() == 0) {
        prepared = connection.WithEnumsAsText(std::move(*capped), capped_sql);
      } else {
        prepared = connection.WithEnumsAsText(std::move(*prepared), *query);
      }
      if (!prepared.ok()) {
        SetError(response, 400, "query refused: " + prepared.status().message());
        return;
      }
    }
    QueryWatchdog watchdog(connection, options_.query_timeout);
    Result<engine::QueryResult> result = prepared->Execute();
    if (watchdog.Disarm()) {
      SetError(
          response, 408,
          fmt::format("query interrupted after the {} ms timeout", options_.query_timeout.count()));
      return;
    }
    if (!result.ok()) {
      SetError(response, 400, "query failed: " + result.status().message());
      return;
    }
    size_t rows = std::min(result->row_count(), options_.row_limit);
    bool truncated = result->row_count() > options_.row_limit;
    // The answer is rendered row by row and refused as soon as it passes the byte cap.
    auto too_large = [&](size_t row) {
      SetError(response, 400,
               fmt::format("query refused: its answer passed /api/sql's cap of {} bytes at row {} "
                           "([serve] byte_limit): select fewer rows or columns, or aggregate",
                           options_.byte_limit, row + 1));
    };
    std::string text;
    if (format == "csv") {
      for (size_t column = 0; column < result->column_count(); ++column) {
        text += (column == 0 ? "" : ",") + CsvField(result->column_name(column));
      }
      text += "\n";
      for (size_t row = 0; row < rows; ++row) {
        for (size_t column = 0; column < result->column_count(); ++column) {
          text += (column == 0 ? "" : ",") + CsvField(result->GetString(column, row).value_or(""));
        }
        text += "\n";
        if (text.size() > options_.byte_limit) {
          too_large(row);
          return;
        }
      }
      if (truncated) {
        response.SetHeader("X-Row-Limit", std::to_string(options_.row_limit));
      }
      response.SetBody(std::move(text), kCsv);
      return;
    }
    json columns = json::array();
    for (size_t column = 0; column < result->column_count(); ++column) {
      columns.push_back(
          {{"name", result->column_name(column)}, {"type", result->column_type(column)}});
    }
    // {"columns":…,"row_count":…,"row_limit":…,"rows":[…],"truncated":…}, keys in the order
    // nlohmann's object writes them, the rows appended as they are rendered.
    text = fmt::format(R"({{"columns":{},"row_count":{},"row_limit":{},"rows":[)", columns.dump(),
                       rows, options_.row_limit);
    for (size_t row = 0; row < rows; ++row) {
      json cells = json::array();
      for (size_t column = 0; column < result->column_count(); ++column) {
        cells.push_back(CellJson(*result, column, row));
      }
      text += (row == 0 ? "" : ",") + cells.dump();
      if (text.size() > options_.byte_limit) {
        too_large(row);
        return;
      }
    }
    text += fmt::format(R"(],"truncated":{}}})", truncated ? "true" : "false");
    if (truncated) {
      response.SetHeader("X-Row-Limit", std::to_string(options_.row_limit));
    }
    response.SetBody(std::move(text), kJson);
  }

  using AnalyticsRunner =
      std::function<Result<AnalyticsAnswer>(engine::Connection&, const TableVersions&,
                                            const AnalyticsMetadata&, const AnalyticsRequest&)>;

  void HandleAnalytics(const http::ServerRequest& request, http::ServerResponse& response,
                       const Caller& caller) {
    AnswerAnalytics(request, response, caller, "analytics", RunAnalytics);
  }

  // /api/analytics/events|enrollments/aggregate/PROGRAM[.json|.csv] (serve/tracker_analytics.h).
  void HandleTrackerAnalytics(const http::ServerRequest& request, http::ServerResponse& response,
                              const Caller& caller) {
    std::string_view path = request.path;
    std::string_view last = path.substr(path.find_last_of('/') + 1);
    for (std::string_view suffix : {".json", ".csv"}) {
      if (last.ends_with(suffix)) {
        last.remove_suffix(suffix.size());
      }
    }
    TrackerEndpoint endpoint = path.find("/analytics/events/") != std::string_view::npos
                                   ? TrackerEndpoint::kEvents
                                   : TrackerEndpoint::kEnrollments;
    std::string program(last);
    std::string kind = endpoint == TrackerEndpoint::kEvents ? "events" : "enrollments";
    AnswerAnalytics(request, response, caller, "analytics." + kind + "." + program,
                    [endpoint, program](engine::Connection& connection, const TableVersions& tables,
                                        const AnalyticsMetadata& metadata,
                                        const AnalyticsRequest& analytics_request) {
                      TrackerAnalyticsRequest tracker_request{endpoint, program, analytics_request};
                      return RunTrackerAnalytics(connection, tables, metadata, tracker_request);
                    });
  }

  // Answers an analytics request through `run`, cached under `name`, the parameters, the caller's
  // scope and the day.
  void AnswerAnalytics(const http::ServerRequest& request, http::ServerResponse& response,
                       const Caller& caller, const std::string& name, const AnalyticsRunner& run) {
    std::string format = request.path.ends_with(".csv") ? "csv" : "json";
    Result<std::shared_ptr<LakeGeneration>> generation = views_.Current();
    if (!generation.ok()) {
      SetInternalError(response, generation.status());
      return;
    }
    std::shared_ptr<LakeGeneration> lake = *generation;
    // Relative periods depend on the day: the key holds it.
    dhis2::Date today = std::chrono::floor<std::chrono::days>(SystemClock::Instance().Now());
    std::string key = NormalisedKey(name + "." + format + "@" + dhis2::FormatDate(today),
                                    request.params, caller.org_units);
    bool timed_out = false;
    Result<CachedAnswer> answer = cache_.Get(key, lake->versions(), [&]() -> Result<CachedAnswer> {
      ++computations_;
      DHL_ASSIGN_OR_RETURN(ConnectionLease lease, lake->Lease());
      DHL_ASSIGN_OR_RETURN(std::shared_ptr<const AnalyticsMetadata> metadata,
                           metadata_.Get(*lease, lake->versions()));
      AnalyticsRequest analytics_request;
      analytics_request.params = request.params;
      analytics_request.format = format;
      analytics_request.ou_scope = caller.org_units;
      analytics_request.caller = CallerName(caller);
      analytics_request.today = today;
      QueryWatchdog watchdog(*lease, options_.query_timeout);
      Result<AnalyticsAnswer> ran = run(*lease, lake->versions(), *metadata, analytics_request);
      if (watchdog.Disarm()) {
        timed_out = true;
        return Unsupported("the analytics computation passed the query timeout");
      }
      DHL_ASSIGN_OR_RETURN(AnalyticsAnswer computed, std::move(ran));
      return CachedAnswer{computed.status, computed.content_type, std::move(computed.body),
                          std::move(computed.tables_read)};
    });
    if (!answer.ok() && timed_out) {
      SetError(response, 408,
               fmt::format("analytics interrupted after the {} ms timeout",
                           options_.query_timeout.count()));
      return;
    }
    if (!answer.ok()) {
      SetInternalError(response, answer.status());
      return;
    }
    response.SetStatus(answer->status);
    response.SetBody(answer->body, answer->content_type);
  }

  // Rows of `sql` when every table in `needs` is in the generation, else an empty array.
  Result<json> Rows(const std::shared_ptr<LakeGeneration>& lake, engine::Connection& connection,
                    const std::vector<lake::TableName>& needs, const std::string& sql,
                    const std::vector<engine::Value>& parameters = {}) {
    for (const lake::TableName& table : needs) {
      if (!lake->VersionOf(table).has_value()) {
        return json::array();
      }
    }
    DHL_ASSIGN_OR_RETURN(engine::QueryResult result, connection.Query(sql, parameters));
    return RowObjects(result);
  }

  void HandleRuns(const http::ServerRequest& request, http::ServerResponse& response,
                  const Caller&) {
    auto opened = Open(response);
    if (!opened.has_value()) {
      return;
    }
    const auto& lake = opened->first;
    engine::Connection& connection = *opened->second;
    int64_t limit = 100;
    if (auto text = request.Param("limit")) {
      auto parsed = ParseInt64(*text, "limit", 1, INT64_MAX);
      if (!parsed.ok()) {
        SetError(response, 400, "limit must be a positive integer, not '" + *text + "'");
        return;
      }
      limit = *parsed;
    }
    Result<json> runs =
        Rows(lake, connection, {{"ops", "pipeline_run"}},
             "SELECT * FROM ops.pipeline_run ORDER BY started_at DESC LIMIT $1", {limit});
    Result<json> models = Rows(
        lake, connection, {{"ops", "pipeline_run"}, {"ops", "model_run"}},
        "SELECT * FROM ops.model_run WHERE run_id IN (SELECT run_id FROM ops.pipeline_run ORDER BY "
        "started_at DESC LIMIT $1) ORDER BY started_at DESC, model",
        {limit});
    if (!runs.ok() || !models.ok()) {
      SetInternalError(response, (!runs.ok() ? runs.status() : models.status()));
      return;
    }
    // A model's error can quote the data it failed on: the caller learns that it failed; the
    // detail stays in the lake (ops.model_run) for whoever may read it there.
    // The table fingerprints a run records are the runner's bookkeeping, not the caller's.
    for (json& model : *models) {
      model.erase("fingerprints");
      if (model.contains("error") && !model["error"].is_null()) {
        model["error"] = "the model failed (the detail is in ops.model_run and the sync's log)";
      }
    }
    response.SetBody(json({{"pipeline_runs", *runs}, {"model_runs", *models}}).dump(), kJson);
  }

  void HandleDq(const http::ServerRequest&, http::ServerResponse& response, const Caller&) {
    auto opened = Open(response);
    if (!opened.has_value()) {
      return;
    }
    const auto& lake = opened->first;
    engine::Connection& connection = *opened->second;
    Result<json> results = Rows(
        lake, connection, {{"ops", "dq_result"}},
        "SELECT * FROM ops.dq_result ORDER BY recorded_at DESC, model, expectation LIMIT 1000");
    Result<json> rejects = Rows(lake, connection, {{"silver", "rejects"}},
                                "SELECT table_name, reason, count(*) AS rows FROM silver.rejects "
                                "GROUP BY table_name, reason ORDER BY table_name, reason");
    if (!results.ok() || !rejects.ok()) {
      SetInternalError(response, (!results.ok() ? results.status() : rejects.status()));
      return;
    }
    response.SetBody(json({{"dq_results", *results}, {"rejects", *rejects}}).dump(), kJson);
  }

  static json SystemInfo() {
    // DHIS2 writes serverDate without a zone designator.
    std::string now = FormatIsoUtcMillis(ToEpochMillis(SystemClock::Instance().Now()));
    if (!now.empty() && now.back() == 'Z') {
      now.pop_back();
    }
    return {{"version", "2.41.0"},
            {"revision", "dhis2lake"},
            {"systemName", "dhis2-lakehouse"},
            {"serverDate", now},
            {"serverTimeZoneId", "Etc/UTC"},
            {"calendar", "iso8601"},
            {"dateFormat", "yyyy-mm-dd"},
            {"contextPath", ""}};
  }

  void HandleMe(const http::ServerRequest&, http::ServerResponse& response, const Caller& caller) {
    std::vector<std::string> units = caller.org_units;
    if (units.empty()) {
      // The whole country: the roots of the hierarchy, when the lake knows them.
      auto opened = Open(response);
      if (!opened.has_value()) {
        return;
      }
      Result<json> roots =
          Rows(opened->first, *opened->second, {{"silver", "org_unit"}},
               "SELECT DISTINCT uid FROM silver.org_unit WHERE level = 1 ORDER BY uid");
      if (roots.ok()) {
        for (const json& row : *roots) {
          units.push_back(row["uid"].get<std::string>());
        }
      }
    }
    json org_units = json::array();
    for (const std::string& uid : units) {
      org_units.push_back({{"id", uid}});
    }
    std::string id = CallerName(caller);
    json me = {
        {"id", id},
        {"username", id},
        {"name", "dhis2lake " + id},
        {"displayName", "dhis2lake " + id},
        {"organisationUnits", org_units},
        {"dataViewOrganisationUnits", org_units},
        {"teiSearchOrganisationUnits", json::array()},
        {"authorities", json::array({"M_dhis-web-dashboard", "M_dhis-web-data-visualizer"})}};
    response.SetBody(me.dump(), kJson);
  }

  void HandleMetrics(const http::ServerRequest&, http::ServerResponse& response, const Caller&) {
    auto opened = Open(response);
    if (!opened.has_value()) {
      return;
    }
    const auto& lake = opened->first;
    engine::Connection& connection = *opened->second;
    std::string text;
    auto section = [&](const std::string& name, const std::string& type, const std::string& help) {
      text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    };
    auto add_rows = [&](const std::string& name, const std::vector<lake::TableName>& needs,
                        const std::string& sql, const std::vector<std::string>& labels,
                        const std::string& value_column) {
      Result<json> rows = Rows(lake, connection, needs, sql);
      if (!rows.ok()) {
        LogWarn("metrics {}: {}", name, rows.status().ToString());
        return;
      }
      for (const json& row : *rows) {
        std::string label_text;
        for (const std::string& label : labels) {
          const json& cell = row[label];
          label_text += fmt::format(
              "{}{}=\"{}\"", label_text.empty() ? "" : ",", label,
              PrometheusLabel(cell.is_string() ? cell.get<std::string>() : cell.dump()));
        }
        const json& value = row[value_column];
        text += fmt::format("{}{{{}}} {}\n", name, label_text,
                            value.is_number() ? value.dump() : "NaN");
      }
    };
    section("dhis2lake_pipeline_runs", "gauge",
            "Pipeline runs recorded in ops.pipeline_run by status.");
    add_rows("dhis2lake_pipeline_runs", {{"ops", "pipeline_run"}},
             "SELECT status, count(*) AS n FROM ops.pipeline_run GROUP BY status ORDER BY status",
             {"status"}, "n");
    const std::string latest_model_run =
        "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY model ORDER BY started_at DESC) "
        "AS position FROM ops.model_run) WHERE position = 1)";
    section("dhis2lake_model_run_seconds", "gauge", "Duration of each model's latest run.");
    add_rows("dhis2lake_model_run_seconds", {{"ops", "model_run"}},
             "SELECT model, date_diff('millisecond', CAST(started_at AS TIMESTAMP), "
             "CAST(ended_at AS TIMESTAMP)) / 1000.0 AS seconds FROM " +
                 latest_model_run + " ORDER BY model",
             {"model"}, "seconds");
    section("dhis2lake_model_rows_out", "gauge", "Rows written by each model's latest run.");
    add_rows(
        "dhis2lake_model_rows_out", {{"ops", "model_run"}},
        "SELECT model, CAST(rows_out AS BIGINT) AS n FROM " + latest_model_run + " ORDER BY model",
        {"model"}, "n");
    section("dhis2lake_rejects", "gauge", "Rows in silver.rejects by table and reason.");
    add_rows(
        "dhis2lake_rejects", {{"silver", "rejects"}},
        "SELECT table_name, reason, count(*) AS n FROM silver.rejects GROUP BY ALL ORDER BY ALL",
        {"table_name", "reason"}, "n");
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    section("dhis2lake_table_version", "gauge", "Delta version of each table being served.");
    for (const auto& [table, version] : lake->versions()) {
      text +=
          fmt::format("dhis2lake_table_version{{table=\"{}\"}} {}\n", table.ToString(), version);
    }
    section("dhis2lake_table_freshness_seconds", "gauge",
            "Seconds since each table's last commit.");
    for (const auto& [table, commit_ms] : lake->commit_times_ms()) {
      text += fmt::format("dhis2lake_table_freshness_seconds{{table=\"{}\"}} {:.3f}\n",
                          table.ToString(), (now_ms - commit_ms) / 1000.0);
    }
    section("dhis2lake_analytics_cache_hits_total", "counter",
            "Analytics answers served from cache.");
    text += fmt::format("dhis2lake_analytics_cache_hits_total {}\n", cache_.hits());
    section("dhis2lake_analytics_cache_misses_total", "counter", "Analytics answers computed.");
    text += fmt::format("dhis2lake_analytics_cache_misses_total {}\n", cache_.misses());
    section("dhis2lake_http_request_duration_seconds", "histogram",
            "Latency of HTTP requests by route.");
    {
      std::lock_guard<std::mutex> lock(latency_mutex_);
      for (const auto& [route, histogram] : latencies_) {
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
          text += fmt::format(
              "dhis2lake_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
              route, kLatencyBuckets[i], histogram.buckets[i]);
        }
        text += fmt::format(
            "dhis2lake_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
            route, histogram.count);
        text += fmt::format("dhis2lake_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n",
                            route, histogram.sum);
        text += fmt::format("dhis2lake_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                            route, histogram.count);
      }
    }
    response.SetBody(std::move(text), "text/plain; version=0.0.4");
  }

  void HandleStatic(const http::ServerRequest& request, http::ServerResponse& response) {
    if (options_.web_dir.empty()) {
      SetError(response, 404, "no dashboard is installed (web/dist was not found)");
      return;
    }
    std::filesystem::path root(options_.web_dir);
    std::filesystem::path relative = std::filesystem::path(request.path).relative_path();
    bool safe = true;
    for (const auto& part : relative) {
      if (part == "..") {
        safe = false;
      }
    }
    std::error_code error;
    std::filesystem::path file = root / relative;
    if (!safe || relative.empty() || !std::filesystem::is_regular_file(file, error)) {
      file = root / "index.html";  // the dashboard routes unknown paths itself
    }
    Result<std::string> content = ReadWholeFile(file.string());
    if (!content.ok()) {
      SetError(response, 404, "not found: " + request.path);
      return;
    }
    response.SetBody(std::move(*content), ContentTypeOf(file.string()));
  }

  ServerOptions options_;
  LakeViews views_;
  AnswerCache cache_;
  MetadataCache metadata_;
  std::atomic<int64_t> computations_{0};
  http::HttpServer server_;
  std::mutex latency_mutex_;
  std::map<std::string, LatencyHistogram> latencies_;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() { impl_->Stop(); }
Result<int> Server::Start() { return impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }
int Server::port() const { return impl_->port(); }
int64_t Server::analytics_computations() const { return impl_->analytics_computations(); }
int64_t Server::metadata_loads() const { return impl_->metadata_loads(); }

}  // namespace dhl::serve
