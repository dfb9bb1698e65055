// The silver metadata an analytics answer needs (indicators, data elements, data sets, category
// option combos, categories and their options, org units and group members), read from the lake
// once per set of those tables' Delta versions and then looked up in memory by every request that
// reads the same versions. A request notes each metadata table it looks at in its LakeReader, as
// it would had it queried the table, so the answer cache keys on the same versions as before.
//
// Thread safety: an AnalyticsMetadata is immutable once loaded; MetadataCache is safe to use from
// several threads (a load happens under its lock, once per new set of versions).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "serve/lake_views.h"

namespace dhl::serve {

class AnalyticsMetadata {
 public:
  struct Indicator {
    std::string name;
    std::optional<std::string> short_name;
    std::optional<int64_t> decimals;
    std::optional<double> factor;
    bool annualized = false;
    std::string numerator;
    std::string denominator;
  };
  struct ProgramIndicator {
    std::string name;
    std::optional<std::string> short_name;
    std::optional<int64_t> decimals;
  };
  struct DataElement {
    std::string name;
    std::optional<std::string> short_name;
    std::string aggregation_type;
    std::string category_combo;
    std::string value_type;
  };
  struct Named {  // category option combos (with their combo), categories, category options
    std::string uid;
    std::string name;
    std::string category_combo;
  };
  struct OrgUnit {
    std::string uid;
    std::string name;
    std::optional<std::string> short_name;
    int level = 0;
    std::string path;
  };

  // Reads the metadata tables of `tables` on `connection` (a table absent from `tables` is empty).
  static Result<std::shared_ptr<const AnalyticsMetadata>> Load(engine::Connection& connection,
                                                               const TableVersions& tables);

  // The metadata tables (and their versions) of `tables`: what a load depends on.
  static TableVersions MetadataVersions(const TableVersions& tables);

  const TableVersions& versions() const { return versions_; }
  const std::map<std::string, Indicator>& indicators() const { return indicators_; }
  const std::map<std::string, DataElement>& data_elements() const { return data_elements_; }
  const std::map<std::string, ProgramIndicator>& program_indicators() const {
    return program_indicators_;
  }
  const std::map<std::string, std::string>& data_sets() const { return data_sets_; }
  // Ordered by name, then uid (as the API lists them).
  const std::vector<Named>& category_option_combos() const { return cocs_; }
  const std::map<std::string, std::string>& categories() const { return categories_; }
  const std::vector<Named>& category_options() const { return category_options_; }
  // Category -> its options (silver.category_option_combo_option).
  const std::map<std::string, std::set<std::string>>& options_of_category() const {
    return options_of_category_;
  }
  // Category -> (option combo -> its option of that category).
  const std::map<std::string, std::map<std::string, std::string>>& option_of_combo() const {
    return option_of_combo_;
  }
  // The current org units, ordered by name, then uid.
  const std::vector<OrgUnit>& org_units() const { return org_units_; }
  // Group uid -> its member org units.
  const std::map<std::string, std::set<std::string>>& group_members() const {
    return group_members_;
  }

 private:
  TableVersions versions_;
  std::map<std::string, Indicator> indicators_;
  std::map<std::string, DataElement> data_elements_;
  std::map<std::string, ProgramIndicator> program_indicators_;
  std::map<std::string, std::string> data_sets_;
  std::vector<Named> cocs_;
  std::map<std::string, std::string> categories_;
  std::vector<Named> category_options_;
  std::map<std::string, std::set<std::string>> options_of_category_;
  std::map<std::string, std::map<std::string, std::string>> option_of_combo_;
  std::vector<OrgUnit> org_units_;
  std::map<std::string, std::set<std::string>> group_members_;
};

// The metadata of the latest versions asked for, loaded once per set of versions.
class MetadataCache {
 public:
  // The metadata of `tables` (loaded on `connection` when their metadata versions changed).
  Result<std::shared_ptr<const AnalyticsMetadata>> Get(engine::Connection& connection,
                                                       const TableVersions& tables);
  // Loads so far; for tests.
  int64_t loads() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const AnalyticsMetadata> current_;
  int64_t loads_ = 0;
};

}  // namespace dhl::serve
