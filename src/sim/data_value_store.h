// The simulator's aggregate data: data values and complete data set registrations. Nothing is
// stored: a value is a pure function of (seed, data element, org unit, period, category option
// combo, attribute option combo) and of the mutation rounds applied so far, each round being (its
// number, its share, its time stamp). So a large scale (50 million values) costs no memory, every
// query streams, and the state after mutations is a deterministic function of (seed, mutation
// history).
//
// Base data: a facility's form for a period is reported with the data set's report rate (only while
// the facility is open); a reported form has each cell filled with the element's presence rate;
// values follow the facility's size, a yearly trend and seasonality (malaria peaks in the rains),
// with outliers (some marked for follow-up), comments, about 0.2% invalid values (text in numeric
// elements, negative counts, percentages over 100), 1% soft-deleted values, and created/lastUpdated
// times after the period's end (15% of forms late), all before the start of `today`.
//
// A mutation round of share F visits every cell: a live value is changed (75%) or deleted (25%)
// with probability F; an empty cell of an open facility is filled with probability 0.3 F; touched
// cells get lastUpdated = the round's stamp. Registrations are changed, deleted or added alike.
//
// Held back (HoldBack): the values and registrations of periods starting on or after a date are not
// served until Release(stamp); from then on they are served as if they arrived at the stamp
// (created and lastUpdated, a registration's date, no earlier than it), so that
// `lastUpdated=<stamp>` finds them as it finds a mutation round's changes.
//
// Thread-safe: queries may run while rounds are added or data is released (each query sees the
// rounds and the release present when it started).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/country.h"

namespace dhl::sim {

struct MutationRound {
  int number = 0;  // 1, 2, ... in the order applied
  double share = 0;
  int64_t stamp_ms = 0;
};

struct DataValueRecord {
  int data_set = 0, data_element = 0, org_unit = 0, coc = 0, aoc = 0;
  const dhis2::Period* period = nullptr;
  std::string value;
  const std::string* stored_by = nullptr;
  const char* comment = "";  // empty when none
  int64_t created_ms = 0, updated_ms = 0;
  bool followup = false;
  bool deleted = false;
  bool invalid = false;  // the value does not fit the element's value type
};

struct RegistrationRecord {
  int data_set = 0, org_unit = 0, aoc = 0;
  const dhis2::Period* period = nullptr;
  int64_t date_ms = 0;  // the registration's date (what `created` filters on)
  const std::string* stored_by = nullptr;
  bool completed = true;
};

// What to visit. Empty masks mean "all".
struct DataQuery {
  std::vector<int> data_sets;                // sets whose forms are visited
  std::vector<char> element_mask;            // by data element index
  std::vector<char> org_unit_mask;           // by org unit index (facilities carry data)
  std::vector<std::string> period_ids;       // explicit periods, or:
  std::optional<Date> start_date, end_date;  // periods inside [start, end]
  std::optional<int64_t> updated_since_ms;   // lastUpdated (or registration date) >= this
  bool include_deleted = false;
};

struct DataValueCounts {
  int64_t live = 0, deleted = 0, invalid = 0;
};

class DataValueStore {
 public:
  explicit DataValueStore(const Country& country);  // `country` must outlive the store

  void AddRound(MutationRound round);
  std::vector<MutationRound> rounds() const;

  // Withholds the periods starting on or after `from` (until Release).
  void HoldBack(Date from);
  // Serves what was held back, stamped `stamp_ms`. Returns the first day held back, or nullopt
  // when nothing is held back (or it was released already).
  std::optional<Date> Release(int64_t stamp_ms);

  // Calls `visit` for each matching value, data set by data set, period by period, org unit by org
  // unit; stops early when `visit` returns false. Returns false if stopped early.
  bool ForEachValue(const DataQuery& query,
                    const std::function<bool(const DataValueRecord&)>& visit) const;
  bool ForEachRegistration(const DataQuery& query,
                           const std::function<bool(const RegistrationRecord&)>& visit) const;

  DataValueCounts CountValues() const;
  int64_t CountRegistrations() const;

  const Country& country() const { return country_; }

 private:
  const Country& country_;
  std::vector<std::string> stored_by_;  // per org unit
  mutable std::mutex mutex_;
  std::vector<MutationRound> rounds_;
  std::optional<Date> held_from_;
  std::optional<int64_t> released_ms_;
  // What a query sees of the hold: (first day held, release stamp) under the mutex.
  std::pair<std::optional<Date>, std::optional<int64_t>> Hold() const;
};

}  // namespace dhl::sim
