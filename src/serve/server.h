// `dhis2lake serve`: the lake over HTTP. Routes (each also under a versioned path /api/NN/...):
//   /health                 no token needed; {"status":"ok"}
//   /api/sql                read-only SQL (q, format=json|csv), whole-country tokens only
//   /api/analytics[.json|.csv]  DHIS2's analytics API (serve/analytics.h), cached
//   /api/runs, /api/dq      pipeline runs and data-quality results (ops tables, silver.rejects)
//   /api/system/info, /api/me  DHIS2-like objects for tools written for DHIS2
//   /metrics                Prometheus text
//   anything else           the dashboard's static files (index.html for unknown paths)
//
// Access: with tokens configured every request but /health needs `Authorization: Bearer <token>`
// (401 otherwise) and is limited to the token's org-unit subtrees; a token with no org units sees
// the whole country. With no tokens everything is served to anyone, which Start only allows on a
// loopback address (warning at start); requests must then name a loopback Host (DNS rebinding) and
// carry no foreign Origin or Sec-Fetch-Site: cross-site (cross-site form posts): 403 otherwise.
// Bodies over 64 KiB on /api/sql (1 MiB elsewhere) are 413, compressed bodies 415; beyond the
// workers and their queue, 503 (/health still answers). A failure of ours is a 500 with a short
// message and a request id (X-Request-Id); the detail goes to the log.
//
// Each request reads a LakeViews generation (see lake_views.h): the lake as of the request's start.
// Thread safety: Start/Stop/Wait from one thread; handlers run on the HTTP server's workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace dhl::serve {

struct AccessToken {
  std::string token;                   // the bearer secret
  std::vector<std::string> org_units;  // subtree roots (uids); empty = the whole country
};

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;  // 0 = a free port
  std::string lake_dir = "./lake";
  std::vector<AccessToken> tokens;
  // The built dashboard (index.html and assets); empty = no static files.
  std::string web_dir;
  size_t row_limit = 10000;      // rows an /api/sql answer holds at most
  size_t byte_limit = 32 << 20;  // bytes an /api/sql answer holds at most (refused beyond)
  std::chrono::milliseconds query_timeout{30000};  // /api/sql and analytics computations
  size_t cache_entries = 1000;
  size_t cache_bytes = 64 << 20;  // answers the analytics cache holds, at most
  // The serving databases (analytics, and /api/sql's own): DuckDB's memory limit and threads.
  std::string memory_limit = "2GB";
  std::string sql_memory_limit = "1GB";
  int engine_threads = 2;
  // Sorted copies of the gold tables for analytics (serving_copies.h), under
  // <lake>/_system/tmp/serve-<id>/ while the server runs.
  bool sorted_copies = true;
  // HTTP limits (http::ServerLimits): bodies, timeouts, the bounded worker pool.
  size_t max_body_bytes = 1 << 20;
  size_t sql_body_bytes = 64 << 10;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{30};
  // A keep-alive connection holds its worker until it closes (cpp-httplib serves a connection on
  // one thread): with fewer workers than clients, the others wait whole connections in the queue
  // (50 dashboard clients on 16 workers: p99 10.6 s for p50 145 ms). Workers are threads mostly
  // waiting; the engine's own threads bound the CPU.
  size_t workers = 64;
  size_t queue = 256;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopback(const std::string& host);

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and serves on background threads; returns the bound port. InvalidArgument for a
  // non-loopback bind address without tokens.
  Result<int> Start();
  void Stop();
  void Wait();
  int port() const;

  // Computations the analytics cache ran (not served from it); for tests.
  int64_t analytics_computations() const;
  // Loads of the analytics metadata (once per set of silver metadata versions); for tests.
  int64_t metadata_loads() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dhl::serve
