// Latency (p50, p99) and throughput of typical dashboard requests against a running `dhis2lake
// serve` (or `demo`), with 1 and 50 concurrent keep-alive clients (wrk is not installed here; this
// program plays its part with libcurl):
//   serve_bench --url http://127.0.0.1:PORT [--seconds 10] [--token T] [--only cached|distinct]
//   [--clients N] (N clients instead of 1, then 50)
// The requests are chosen from the lake through /api/sql: an indicator x LAST_12_MONTHS x level 2,
// and a data set's elements x the districts x the quarters of last year. Repeated identical
// requests are answered from the analytics cache after the first: the figures are the cached
// path's; the first (computed) answer's latency is printed separately.
// Then the uncached path: distinct requests (random indicators x a random year's months or
// quarters x a random org unit of levels 1-3 and its children), never the same twice in a run, at 1
// and 50 clients (--seed N picks the sequence).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/curl_transport.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string Escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct Client {
  std::string base;
  std::string token;
  dhl::http::CurlTransport transport;
  int Get(const std::string& path, std::string* body = nullptr) {
    dhl::http::HttpRequest request;
    request.url = base + path;
    if (!token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + token);
    }
    dhl::http::StringSink sink;
    if (!transport.Send(request, sink).ok()) {
      return 0;
    }
    if (body != nullptr) {
      *body = sink.body();
    }
    return sink.head().status;
  }
};

std::string FirstCell(Client& client, const std::string& sql) {
  std::string body;
  if (client.Get("/api/sql?q=" + Escape(sql), &body) != 200) {
    return "";
  }
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (answer.is_discarded() || answer["rows"].empty()) {
    return "";
  }
  return answer["rows"][0][0].get<std::string>();
}

// The rows of a one-column query, as text.
std::vector<std::string> Column(Client& client, const std::string& sql) {
  std::string body;
  std::vector<std::string> values;
  if (client.Get("/api/sql?q=" + Escape(sql), &body) != 200) {
    return values;
  }
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (answer.is_discarded()) {
    return values;
  }
  for (const nlohmann::json& row : answer["rows"]) {
    if (row[0].is_string()) {
      values.push_back(row[0].get<std::string>());
    } else {
      values.push_back(row[0].dump());
    }
  }
  return values;
}

// Distinct analytics requests drawn from the lake's indicators, org units and years.
class DistinctRequests {
 public:
  DistinctRequests(std::vector<std::string> indicators,
                   std::vector<std::pair<std::string, int>> org_units,
                   std::vector<std::string> years, uint64_t seed)
      : indicators_(std::move(indicators)),
        org_units_(std::move(org_units)),
        years_(std::move(years)),
        random_(seed) {}

  bool usable() const { return !indicators_.empty() && !org_units_.empty() && !years_.empty(); }

  std::string Next() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (;;) {
      std::string dx;
      int count = 1 + static_cast<int>(random_() % 3);
      for (int i = 0; i < count; ++i) {
        dx += (i == 0 ? "" : ";") + indicators_[random_() % indicators_.size()];
      }
      const std::string& year = years_[random_() % years_.size()];
      std::string pe;
      if (random_() % 2 == 0) {
        for (int month = 1; month <= 12; ++month) {
          pe += fmt::format("{}{}{:02}", month == 1 ? "" : ";", year, month);
        }
      } else {
        pe = fmt::format("{0}Q1;{0}Q2;{0}Q3;{0}Q4", year);
      }
      const auto& [uid, level] = org_units_[random_() % org_units_.size()];
      std::string path =
          fmt::format("/api/analytics?dimension=dx:{}&dimension=pe:{}&dimension=ou:{};LEVEL-{}", dx,
                      pe, uid, level + 1);
      if (used_.insert(path).second) {
        return path;
      }
    }
  }

 private:
  std::vector<std::string> indicators_;
  std::vector<std::pair<std::string, int>> org_units_;
  std::vector<std::string> years_;
  std::mutex mutex_;
  std::mt19937_64 random_;
  std::set<std::string> used_;
};

void Run(const std::string& base, const std::string& token, const std::string& name,
         const std::function<std::string()>& next_path, int clients, int seconds) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int64_t> failures{0};
  Clock::time_point end = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      Client client{base, token, {}};
      while (Clock::now() < end) {
        std::string path = next_path();
        Clock::time_point start = Clock::now();
        int status = client.Get(path);
        latencies[i].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (status != 200) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  std::vector<double> all;
  for (const auto& list : latencies) {
    all.insert(all.end(), list.begin(), list.end());
  }
  std::sort(all.begin(), all.end());
  auto at = [&](double q) {
    return all.empty() ? 0.0 : all[static_cast<size_t>(q * (all.size() - 1))];
  };
  fmt::print(
      "{:<44} clients {:>2}  requests {:>7}  p50 {:>7.2f} ms  p99 {:>7.2f} ms  {:>8.0f} req/s  "
      "failures {}\n",
      name, clients, all.size(), at(0.5), at(0.99), all.size() / static_cast<double>(seconds),
      failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  std::string base;
  std::string token;
  int seconds = 10;
  uint64_t seed = 1;
  std::string only;  // "cached" or "distinct": that part alone
  std::vector<int> client_counts = {1, 50};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--url") {
      base = argv[i + 1];
    } else if (flag == "--seconds") {
      seconds = std::stoi(argv[i + 1]);
    } else if (flag == "--seed") {
      seed = std::stoull(argv[i + 1]);
    } else if (flag == "--token") {
      token = argv[i + 1];
    } else if (flag == "--only") {
      only = argv[i + 1];
    } else if (flag == "--clients") {
      client_counts = {std::stoi(argv[i + 1])};
    }
  }
  if (base.empty()) {
    std::fprintf(stderr,
                 "usage: serve_bench --url http://127.0.0.1:PORT [--seconds N] [--token T] "
                 "[--seed N] [--only cached|distinct] [--clients N]\n");
    return 2;
  }
  Client probe{base, token, {}};
  std::string indicator = FirstCell(probe,
                                    "SELECT indicator FROM gold.indicator_value GROUP BY indicator "
                                    "ORDER BY count(*) DESC LIMIT 1");
  std::string data_set = FirstCell(probe,
                                   "SELECT data_set FROM silver.data_set_element GROUP BY data_set "
                                   "ORDER BY count(*) DESC LIMIT 1");
  std::string elements;
  if (!data_set.empty()) {
    std::string body;
    probe.Get("/api/sql?q=" + Escape("SELECT string_agg(de, ';' ORDER BY de) FROM "
                                     "silver.data_set_element WHERE data_set = '" +
                                     data_set + "'"),
              &body);
    nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (!answer.is_discarded() && !answer["rows"].empty()) {
      elements = answer["rows"][0][0].get<std::string>();
    }
  }
  if (indicator.empty() || elements.empty()) {
    std::fprintf(stderr,
                 "serve_bench: the lake has no gold.indicator_value or data set elements\n");
    return 1;
  }
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"indicator x 12 months x level 2", "/api/analytics?dimension=dx:" + indicator +
                                              "&dimension=pe:LAST_12_MONTHS&dimension=ou:LEVEL-2"},
      {"data set elements x districts x quarters",
       "/api/analytics?dimension=dx:" + elements +
           "&dimension=pe:QUARTERS_LAST_YEAR&dimension=ou:LEVEL-2"},
  };
  for (const auto& [name, path] : requests) {
    if (only == "distinct") {
      break;
    }
    Clock::time_point start = Clock::now();
    int status = probe.Get(path);
    fmt::print("{:<44} first (computed) answer: status {} in {:.1f} ms\n", name, status,
               std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    for (int clients : client_counts) {
      Run(
          base, token, name, [&path = path] { return path; }, clients, seconds);
    }
  }
  if (only == "cached") {
    return 0;
  }
  std::vector<std::pair<std::string, int>> org_units;
  for (const std::string& row :
       Column(probe,
              "SELECT uid || ',' || level FROM silver.org_unit WHERE level <= 3 AND "
              "COALESCE(is_current, TRUE) ORDER BY uid")) {
    size_t comma = row.find(',');
    org_units.emplace_back(row.substr(0, comma), std::stoi(row.substr(comma + 1)));
  }
  DistinctRequests distinct(
      Column(probe, "SELECT DISTINCT indicator FROM gold.indicator_value ORDER BY 1"), org_units,
      Column(probe,
             "SELECT DISTINCT left(pe, 4) FROM gold.indicator_value WHERE length(pe) = 6 "
             "ORDER BY 1"),
      seed);
  if (!distinct.usable()) {
    std::fprintf(stderr, "serve_bench: no indicators, org units or years for distinct requests\n");
    return 1;
  }
  for (int clients : client_counts) {
    Run(
        base, token, "distinct (uncached) indicator requests", [&] { return distinct.Next(); },
        clients, seconds);
  }
  return 0;
}
