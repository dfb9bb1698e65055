#include "source/extract_options.h"

#include <toml++/toml.h>

#include <set>

namespace dhl::source {

Result<ExtractOptions> LoadExtractOptions(const std::string& config_file) {
  ExtractOptions options;
  if (config_file.empty()) {
    return options;
  }
  toml::table table;
  try {
    table = toml::parse_file(config_file);
  } catch (const toml::parse_error& error) {
    return InvalidArgument("configuration file " + config_file + ", line " +
                           std::to_string(error.source().begin.line) + ": " +
                           std::string(error.description()));
  }
  const toml::table* section = table["source"].as_table();
  if (section == nullptr) {
    return options;
  }
  static const std::set<std::string> kKeys = {"url",
                                              "concurrency",
                                              "org_unit_level",
                                              "chunk_by",
                                              "first_year",
                                              "trailing_periods",
                                              "overlap_seconds",
                                              "page_size",
                                              "max_tries",
                                              "max_backoff_ms",
                                              "landing_retention_days",
                                              "keep_tracker_landing",
                                              "personal_attributes",
                                              "personal_data_elements",
                                              "personal_geometry",
                                              "time_zone",
                                              "statement_timeout_seconds"};
  for (const auto& [key, value] : *section) {
    if (kKeys.count(std::string(key.str())) == 0) {
      return InvalidArgument("configuration file " + config_file + ": unknown key source." +
                             std::string(key.str()));
    }
  }
  auto integer = [&](const char* key, int* field, int minimum) -> Status {
    if (auto value = (*section)[key].value<int64_t>()) {
      if (*value < minimum) {
        return InvalidArgument("configuration file " + config_file + ": source." + key +
                               " must be at least " + std::to_string(minimum));
      }
      *field = static_cast<int>(*value);
    }
    return Status::Ok();
  };
  options.url = (*section)["url"].value_or(std::string());
  DHL_RETURN_IF_ERROR(integer("concurrency", &options.concurrency, 1));
  DHL_RETURN_IF_ERROR(integer("org_unit_level", &options.org_unit_level, 1));
  DHL_RETURN_IF_ERROR(integer("first_year", &options.first_year, 1900));
  DHL_RETURN_IF_ERROR(integer("trailing_periods", &options.trailing_periods, 1));
  DHL_RETURN_IF_ERROR(integer("overlap_seconds", &options.overlap_seconds, 0));
  DHL_RETURN_IF_ERROR(integer("page_size", &options.page_size, 1));
  DHL_RETURN_IF_ERROR(integer("max_tries", &options.max_tries, 1));
  DHL_RETURN_IF_ERROR(integer("max_backoff_ms", &options.max_backoff_ms, 0));
  DHL_RETURN_IF_ERROR(integer("landing_retention_days", &options.landing_retention_days, 0));
  options.keep_tracker_landing = (*section)["keep_tracker_landing"].value_or(false);
  options.personal_geometry = (*section)["personal_geometry"].value_or(false);
  options.time_zone = (*section)["time_zone"].value_or(std::string());
  DHL_RETURN_IF_ERROR(integer("statement_timeout_seconds", &options.statement_timeout_seconds, 0));
  std::string chunk_by = (*section)["chunk_by"].value_or(std::string("data_set"));
  if (chunk_by == "data_set") {
    options.chunk_by = ChunkBy::kDataSet;
  } else if (chunk_by == "data_element_group") {
    options.chunk_by = ChunkBy::kDataElementGroup;
  } else {
    return InvalidArgument("configuration file " + config_file +
                           ": source.chunk_by must be \"data_set\" or \"data_element_group\"");
  }
  auto strings = [&](const char* key, std::vector<std::string>* field) -> Status {
    const toml::node* node = section->get(key);
    if (node == nullptr) {
      return Status::Ok();
    }
    const toml::array* list = node->as_array();
    if (list == nullptr) {
      return InvalidArgument("configuration file " + config_file + ": source." + key +
                             " must be a list of strings");
    }
    for (const auto& item : *list) {
      auto text = item.value<std::string>();
      if (!text) {
        return InvalidArgument("configuration file " + config_file + ": source." + key +
                               " must be a list of strings");
      }
      field->push_back(*text);
    }
    return Status::Ok();
  };
  DHL_RETURN_IF_ERROR(strings("personal_attributes", &options.personal_attributes));
  DHL_RETURN_IF_ERROR(strings("personal_data_elements", &options.personal_data_elements));
  return options;
}

std::string InitConfigText() {
  return R"(# dhis2lake configuration. Precedence: command-line flags, then the environment, then this file,
# then defaults. Credentials never go here: they come from the environment (DHIS2_URL,
# DHIS2_USERNAME, DHIS2_PASSWORD or DHIS2_TOKEN) or from the secrets file named by DHIS2LAKE_SECRETS
# (default ${XDG_CONFIG_HOME:-~/.config}/dhis2lake/secrets.toml, created with a hashing key on first
# use).

[lake]
# The lake folder (Delta tables and _landing).
path = "./lake"

[log]
level = "info"    # debug, info, warn, error
format = "text"   # text or json

[engine]
# Memory the embedded engine may hold (--memory-limit and DHIS2LAKE_MEMORY_LIMIT win over it), e.g.
# "4GB", "3.5GiB" or "50%" of the machine; beyond it the engine spills under <lake>/_system/tmp. A
# model that cannot fit fails alone, naming itself and the limit. Default: half the machine's memory.
# memory_limit = "4GB"

[source]
# The DHIS2 server's base URL, without /api (DHIS2_URL and the secrets file win over it).
# url = "https://dhis2.example.org"

# Downloads at once.
concurrency = 4
# Data values and registrations are fetched per org-unit subtree rooted at this level, per data set
# (chunk_by = "data_set") or data element group (chunk_by = "data_element_group"), per year.
org_unit_level = 2
chunk_by = "data_set"
# First syncs and --full: one window for everything before first_year, then one per year.
first_year = 2000
# Complete registrations cannot be pulled incrementally: the last N periods are fetched each run.
trailing_periods = 12
# Incremental pulls reach back this many seconds before the stored watermark.
overlap_seconds = 300
# Records per page for paged endpoints (metadata; tracker pages use at most 500).
page_size = 1000
# Tries per request (exponential backoff with jitter, capped at max_backoff_ms).
max_tries = 10
max_backoff_ms = 5000

# Tracked-entity attributes hashed (HMAC-SHA256, key in the secrets file) before they reach any table
# or file, beside those DHIS2 marks confidential. Uids or codes. When tracker data arrives without the
# attribute metadata (an export folder without trackedEntityAttributes) and this list is empty, every
# attribute value is hashed.
personal_attributes = []
# Event data elements (uids) whose values are hashed the same way (notes and user names always are).
# Program indicators over them cannot compute with the values (they are hashes).
personal_data_elements = []
# Hash the geometry of events, enrollments and tracked entities (where a person was seen or lives):
# the GeoJSON is replaced by the hash of its text, so event maps lose those points.
personal_geometry = false
# Keep tracker responses (personal attributes already hashed) in lake/_landing.
keep_tracker_landing = false
# Landing files of finished runs are deleted after this many days.
landing_retention_days = 7

# The database source (sync --source postgresql://USER@HOST:PORT/DBNAME): the zone its timestamps
# without a zone are in (default: the database's TimeZone setting), and the statement_timeout of its
# queries in seconds (0: none). Its password comes from PGPASSWORD, [postgres] password in the
# secrets file or ~/.pgpass.
# time_zone = "Africa/Freetown"
statement_timeout_seconds = 3600
)";
}

}  // namespace dhl::source
