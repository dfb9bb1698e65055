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
// loopback address (warning at start).
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
  size_t row_limit = 10000;  // rows an /api/sql answer holds at most
  std::chrono::milliseconds query_timeout{30000};
  size_t cache_entries = 1000;
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

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dhl::serve
