// Extracts a DHIS2 server (2.36+ aggregate and metadata, 2.39+ tracker) into bronze. One Run:
//   1. reads /api/system/info (wrong credentials, a server that is not DHIS2, an unsupported
//   version
//      fail here at once, before anything is written);
//   2. finishes every unfinished plan found in lake/_landing (a run interrupted earlier), without
//      downloading finished chunks again or committing any chunk twice;
//   3. plans and runs, in this order, the resources metadata, min_max_data_element, data_value,
//      complete_registration and tracker: each plan is saved with the server's serverDate as its
//      watermark before anything is fetched; incremental from the previous watermark unless --full
//      or the first sync (see docs/extraction.md for the chunking of each resource).
// Each worker thread gets its own transport from the factory. Not thread-safe itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/http_transport.h"
#include "http/sleeper.h"
#include "source/extract_options.h"
#include "source/extract_summary.h"
#include "source/secrets.h"

namespace dhl::source {

using TransportFactory = std::function<std::unique_ptr<http::HttpTransport>()>;

struct ExtractorEnvironment {
  TransportFactory transports;       // required
  http::Sleeper* sleeper = nullptr;  // default: really sleep
  const Clock* clock = nullptr;      // default: the system clock
  bool show_progress = true;
};

class WebApiExtractor {
 public:
  WebApiExtractor(std::string lake_dir, ExtractOptions options, Secrets secrets,
                  ExtractorEnvironment environment);

  Result<ExtractSummary> Run();

 private:
  std::string lake_dir_;
  ExtractOptions options_;
  Secrets secrets_;
  ExtractorEnvironment environment_;
};

}  // namespace dhl::source
