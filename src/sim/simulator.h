// The DHIS2 simulator: a synthetic country (Country, MetadataCatalog, DataValueStore,
// TrackerStore) answering the DHIS2 Web API on an http::HttpServer, with Basic and personal access
// token authentication, deterministic fault injection and POST /admin/mutate. docs/simulator.md
// lists the endpoints and parameters. Handlers are thread-safe; the simulator must outlive the
// server it is registered on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"
#include "dhis2/period.h"
#include "http/http_server.h"
#include "sim/data_value_store.h"
#include "sim/sim_options.h"
#include "sim/tracker_store.h"

namespace dhl::sim {

class Country;
class MetadataCatalog;
class DataValueStore;
class TrackerStore;
struct MutationRound;

struct SimStats {
  int64_t live = 0, deleted = 0, invalid = 0;
  int64_t complete_registrations = 0, events = 0, enrollments = 0, tracked_entities = 0;
  int64_t org_units = 0, data_elements = 0, indicators = 0;
};

class Simulator {
 public:
  // Builds the country for options.scale and options.seed with data up to the clock's current
  // month, then applies options.mutate (when > 0) as mutation round 1 stamped with the clock's now.
  // `clock` must outlive the simulator.
  Simulator(SimOptions options, const Clock& clock);
  ~Simulator();

  // Routes every GET and POST path to this simulator.
  void RegisterRoutes(http::HttpServer& server);
  // Handles one request (what the routes call).
  void Handle(const http::ServerRequest& request, http::ServerResponse& response);

  // Applies one mutation round of `share`, stamped with the clock's now; returns its number.
  int Mutate(double share);
  // Serves what options.hold_back_months withheld, stamped with the clock's now (no earlier than
  // the last mutation round's stamp); returns the first day released and the stamp, or nullopt
  // when nothing is held back.
  std::optional<std::pair<dhis2::Date, int64_t>> Release();

  SimStats Stats() const;
  // {"data_values": {"live": N, "deleted": N, "invalid": N}, "complete_registrations": N, ...}
  std::string StatsJson() const;

  const Country& country() const { return *country_; }
  // The data the API serves (what `sim --write-postgres` writes into a database).
  const DataValueStore& values() const { return *values_; }
  const TrackerStore& tracker() const { return *tracker_; }
  const SimOptions& options() const { return options_; }
  int dhis2_minor_version() const { return minor_version_; }

 private:
  class Api;
  SimOptions options_;
  const Clock& clock_;
  int minor_version_ = 41;
  std::unique_ptr<Country> country_;
  std::unique_ptr<MetadataCatalog> catalog_;
  std::unique_ptr<DataValueStore> values_;
  std::unique_ptr<TrackerStore> tracker_;
  std::unique_ptr<Api> api_;
  std::atomic<uint64_t> request_counter_{0};
  std::mutex mutate_mutex_;
  int rounds_ = 0;
};

}  // namespace dhl::sim
