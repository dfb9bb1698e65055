#include "sim/data_value_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "sim/seeded_hash.h"

namespace dhl::sim {
namespace {

constexpr int64_t kHourMs = 3'600'000;

enum ValueTag : uint64_t {
  kForm = 11,
  kDelay,
  kCell,
  kValue,
  kMutate,
  kRegistration,
  kRegMutate,
};

constexpr std::array<const char*, 6> kComments = {
    "Register checked by supervisor", "Stock-out reported to district",
    "Late report: road cut off",      "Value confirmed with facility in-charge",
    "Includes outreach sessions",     "Data entry corrected"};
constexpr std::array<const char*, 5> kRemarks = {"No electricity for two weeks", "New nurse posted",
                                                 "Outreach to three villages", "Roof repaired",
                                                 "Cold chain fridge broken"};

uint64_t PeriodKey(const dhis2::Period& period) {
  return static_cast<uint64_t>(period.start().time_since_epoch().count()) * 32 +
         static_cast<uint64_t>(period.type());
}

struct CellKey {
  uint64_t ds, de, ou, pe, coc, aoc;
};

struct CellState {
  bool present = false;
  bool deleted = false;
  int64_t created_ms = 0, updated_ms = 0;
  uint64_t value_salt = 0;  // 0 = the base value; a round number for a mutated one
};

double SeasonFactor(Season season, unsigned month) {
  static constexpr std::array<double, 12> kMalaria = {0.7, 0.6, 0.6, 0.7, 0.9, 1.2,
                                                      1.5, 1.7, 1.6, 1.3, 1.0, 0.8};
  static constexpr std::array<double, 12> kMild = {1.0,  0.95, 1.0,  1.05, 1.1, 1.1,
                                                   1.05, 1.0,  0.95, 0.95, 0.9, 0.95};
  switch (season) {
    case Season::kMalaria:
      return kMalaria[month - 1];
    case Season::kMild:
      return kMild[month - 1];
    case Season::kNone:
      return 1.0;
  }
  return 1.0;
}

}  // namespace

namespace {

class Evaluator {
 public:
  Evaluator(const Country& country, const std::vector<MutationRound>& rounds)
      : country_(country), seed_(country.seed), rounds_(rounds) {}

  // The form's submission time, or nullopt when the base form was not reported.
  std::optional<int64_t> FormTime(const DataSet& ds, const CellKey& key,
                                  const dhis2::Period& period) const {
    if (SeededUnit(seed_, {kForm, key.ds, key.ou, key.pe, key.aoc}) >= ds.report_rate) {
      return std::nullopt;
    }
    uint64_t h = SeededHash(seed_, {kDelay, key.ds, key.ou, key.pe, key.aoc});
    double u = UnitFromHash(h);
    int timely = std::max(1, ds.timely_days);
    int delay_days = u < 0.85 ? static_cast<int>(u / 0.85 * timely)
                              : timely + 1 + static_cast<int>((u - 0.85) / 0.15 * 60);
    int64_t time = DateToMillis(period.end()) + kDayMs + delay_days * kDayMs +
                   static_cast<int64_t>(Mix64(h) % (10 * kHourMs)) + 7 * kHourMs;
    return Clamp(time, h);
  }

  int64_t Clamp(int64_t time, uint64_t h) const {
    int64_t limit = country_.as_of_ms - 1000 - static_cast<int64_t>(h % (6 * kHourMs));
    return std::min(time, limit);
  }

  CellState Evaluate(const DataSet& ds, const DataElement& de, const OrgUnit& unit,
                     const dhis2::Period& period, const CellKey& key,
                     std::optional<int64_t> form_time) const {
    CellState state;
    uint64_t h = SeededHash(seed_, {kCell, key.de, key.ou, key.pe, key.coc, key.aoc});
    if (form_time && UnitFromHash(h) < de.presence) {
      state.present = true;
      // Never after the country's "now" (a form filled minutes before midnight is saved by then):
      // a stamp later than the clock of a mutation round would make the round's update older
      // than the value it replaces.
      state.created_ms = Clamp(*form_time + static_cast<int64_t>(Mix64(h) % 600000), h);
      state.updated_ms = state.created_ms;
      uint64_t h2 = Mix64(h ^ 0xD1);
      double u = UnitFromHash(h2);
      if (u < 0.01) {
        state.deleted = true;
        state.updated_ms =
            Clamp(state.created_ms + (1 + static_cast<int64_t>(h2 % 20)) * kDayMs, h2);
      } else if (u < 0.06) {
        state.updated_ms =
            Clamp(state.created_ms + (1 + static_cast<int64_t>(h2 % 30)) * kDayMs, h2);
      }
    }
    (void)ds;
    for (const MutationRound& round : rounds_) {
      double u = SeededUnit(seed_, {kMutate, static_cast<uint64_t>(round.number), key.de, key.ou,
                                    key.pe, key.coc, key.aoc});
      bool live = state.present && !state.deleted;
      if (live) {
        if (u >= round.share) {
          continue;
        }
        if (u < round.share * 0.75) {
          state.value_salt = static_cast<uint64_t>(round.number);
        } else {
          state.deleted = true;
        }
        state.updated_ms = round.stamp_ms;
      } else {
        if (u >= round.share * 0.3 || !country_.IsOpen(unit, period)) {
          continue;
        }
        if (!state.present) {
          state.created_ms = round.stamp_ms;
        }
        state.present = true;
        state.deleted = false;
        state.value_salt = static_cast<uint64_t>(round.number);
        state.updated_ms = round.stamp_ms;
      }
    }
    return state;
  }

  // Fills record.value, comment, followup, invalid.
  void FillValue(const DataElement& de, const OrgUnit& unit, const dhis2::Period& period,
                 const CellKey& key, uint64_t salt, DataValueRecord& record) const {
    uint64_t h = SeededHash(seed_, {kValue, salt, key.de, key.ou, key.pe, key.coc, key.aoc});
    auto next = [&h]() {
      h = Mix64(h);
      return UnitFromHash(h);
    };
    record.value.clear();
    record.comment = "";
    record.followup = false;
    record.invalid = false;
    auto ymd = std::chrono::year_month_day(period.start());
    unsigned month = static_cast<unsigned>(ymd.month());
    int years = static_cast<int>(ymd.year()) -
                static_cast<int>(std::chrono::year_month_day(country_.first_day).year());
    double share = country_.category_option_combos[key.coc].share *
                   country_.category_option_combos[key.aoc].share;
    double mean = de.base * unit.size * SeasonFactor(de.season, month) *
                  std::pow(1.04, years + (month - 1) / 12.0) * share;
    double normal = (next() + next() + next() + next() - 2.0) * 1.7320508;
    std::string_view type = de.value_type;
    char buffer[32];
    auto put_int = [&](int64_t n) {
      auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), n);
      (void)error;
      record.value.assign(buffer, end);
    };
    if (type == "TEXT") {
      record.value = kRemarks[static_cast<size_t>(next() * kRemarks.size())];
      return;
    }
    if (type == "BOOLEAN") {
      record.value = next() < de.base ? "true" : "false";
      if (next() < 0.002) {
        record.value = "maybe";
        record.invalid = true;
      }
      return;
    }
    if (type == "PERCENTAGE") {
      double pct = std::clamp(de.base + 18 * normal, 0.0, 100.0);
      record.value = fmt::format("{:.1f}", pct);
      if (next() < 0.002) {
        record.value = fmt::format("{}", 100 + 1 + static_cast<int>(next() * 80));
        record.invalid = true;
      }
      return;
    }
    double value;
    if (mean < 2) {
      // Rare events: Poisson-like small counts.
      double u = next();
      value = u < std::exp(-mean) ? 0 : u < std::exp(-mean) * (1 + mean) ? 1 : 2;
    } else {
      value = std::max(0.0, std::round(mean + std::sqrt(mean) * normal));
    }
    double outlier = next();
    if (outlier < 0.004 && mean >= 2) {
      value = std::round(value * (5 + 10 * next()) + 10);
      record.followup = next() < 0.4;
    } else if (outlier < 0.006) {
      record.followup = true;
    }
    if (type == "INTEGER_POSITIVE" && value < 1) {
      value = 1;
    }
    if (de.code == "STOCKOUT_DAYS") {
      record.value = fmt::format("{:.1f}", std::max(0.0, mean + 2 * normal));
    } else {
      put_int(static_cast<int64_t>(value));
    }
    if (next() < 0.002) {
      record.invalid = true;
      if (type == "NUMBER") {
        record.value += "a";  // "12a": text in a numeric element
      } else {
        put_int(-1 - static_cast<int64_t>(value));  // a negative count
      }
    }
    if (next() < 0.01) {
      record.comment = kComments[static_cast<size_t>(next() * kComments.size())];
    }
  }

 private:
  const Country& country_;
  uint64_t seed_;
  const std::vector<MutationRound>& rounds_;
};

bool PeriodSelected(const DataQuery& query, const dhis2::Period& period, std::string& id_buffer) {
  if (!query.period_ids.empty()) {
    id_buffer.clear();
    period.AppendId(&id_buffer);
    return std::find(query.period_ids.begin(), query.period_ids.end(), id_buffer) !=
           query.period_ids.end();
  }
  if (query.start_date && period.start() < *query.start_date) {
    return false;
  }
  if (query.end_date && period.end() > *query.end_date) {
    return false;
  }
  return true;
}

std::vector<int> SetsOf(const DataQuery& query, const Country& country) {
  if (!query.data_sets.empty()) {
    return query.data_sets;
  }
  std::vector<int> all;
  for (size_t i = 0; i < country.data_sets.size(); ++i) {
    all.push_back(static_cast<int>(i));
  }
  return all;
}

}  // namespace

DataValueStore::DataValueStore(const Country& country) : country_(country) {
  stored_by_.resize(country.org_units.size());
  for (size_t i = 0; i < country.org_units.size(); ++i) {
    const OrgUnit& unit = country.org_units[i];
    int district = unit.level >= 3 ? unit.parent : -1;
    while (district >= 0 && country.org_units[district].level > 3) {
      district = country.org_units[district].parent;
    }
    stored_by_[i] = district >= 0
                        ? fmt::format("clerk_{}", country.org_units[district].code.substr(4))
                        : "admin";
    std::transform(stored_by_[i].begin(), stored_by_[i].end(), stored_by_[i].begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
}

void DataValueStore::AddRound(MutationRound round) {
  std::lock_guard lock(mutex_);
  rounds_.push_back(round);
}

std::vector<MutationRound> DataValueStore::rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

void DataValueStore::HoldBack(Date from) {
  std::lock_guard lock(mutex_);
  held_from_ = from;
  released_ms_.reset();
}

std::optional<Date> DataValueStore::Release(int64_t stamp_ms) {
  std::lock_guard lock(mutex_);
  if (!held_from_ || released_ms_) return std::nullopt;
  released_ms_ = stamp_ms;
  return held_from_;
}

std::pair<std::optional<Date>, std::optional<int64_t>> DataValueStore::Hold() const {
  std::lock_guard lock(mutex_);
  return {held_from_, released_ms_};
}

bool DataValueStore::ForEachValue(const DataQuery& query,
                                  const std::function<bool(const DataValueRecord&)>& visit) const {
  std::vector<MutationRound> rounds = this->rounds();
  auto [held_from, released_ms] = Hold();
  Evaluator evaluator(country_, rounds);
  DataValueRecord record;
  std::string id_buffer;
  for (int ds_index : SetsOf(query, country_)) {
    const DataSet& ds = country_.data_sets[ds_index];
    const CategoryCombo& attribute_combo = country_.category_combos[ds.attribute_combo];
    bool any_element = query.element_mask.empty();
    for (int e : ds.elements) {
      any_element = any_element || query.element_mask[e];
    }
    if (!any_element) {
      continue;
    }
    for (const dhis2::Period& period : ds.periods) {
      if (!PeriodSelected(query, period, id_buffer)) {
        continue;
      }
      // A released period's values arrived at the release.
      std::optional<int64_t> arrived;
      if (held_from && period.start() >= *held_from) {
        if (!released_ms) continue;
        arrived = released_ms;
      }
      uint64_t pe = PeriodKey(period);
      for (int ou : ds.org_units) {
        if (!query.org_unit_mask.empty() && !query.org_unit_mask[ou]) {
          continue;
        }
        const OrgUnit& unit = country_.org_units[ou];
        bool open = country_.IsOpen(unit, period);
        if (!open && rounds.empty()) {
          continue;
        }
        for (int aoc : attribute_combo.option_combos) {
          CellKey key{static_cast<uint64_t>(ds_index), 0, static_cast<uint64_t>(ou), pe, 0,
                      static_cast<uint64_t>(aoc)};
          std::optional<int64_t> form_time;
          if (open) {
            form_time = evaluator.FormTime(ds, key, period);
          }
          for (int de_index : ds.elements) {
            if (!query.element_mask.empty() && !query.element_mask[de_index]) {
              continue;
            }
            const DataElement& de = country_.data_elements[de_index];
            key.de = static_cast<uint64_t>(de_index);
            for (int coc : country_.category_combos[de.combo].option_combos) {
              key.coc = static_cast<uint64_t>(coc);
              CellState state = evaluator.Evaluate(ds, de, unit, period, key, form_time);
              if (!state.present || (state.deleted && !query.include_deleted)) {
                continue;
              }
              if (arrived) {
                state.created_ms = std::max(state.created_ms, *arrived);
                state.updated_ms = std::max(state.updated_ms, *arrived);
              }
              if (query.updated_since_ms && state.updated_ms < *query.updated_since_ms) {
                continue;
              }
              record.data_set = ds_index;
              record.data_element = de_index;
              record.org_unit = ou;
              record.coc = coc;
              record.aoc = aoc;
              record.period = &period;
              record.stored_by = &stored_by_[ou];
              record.created_ms = state.created_ms;
              record.updated_ms = state.updated_ms;
              record.deleted = state.deleted;
              evaluator.FillValue(de, unit, period, key, state.value_salt, record);
              if (!visit(record)) {
                return false;
              }
            }
          }
        }
      }
    }
  }
  return true;
}

bool DataValueStore::ForEachRegistration(
    const DataQuery& query, const std::function<bool(const RegistrationRecord&)>& visit) const {
  std::vector<MutationRound> rounds = this->rounds();
  auto [held_from, released_ms] = Hold();
  Evaluator evaluator(country_, rounds);
  RegistrationRecord record;
  std::string id_buffer;
  for (int ds_index : SetsOf(query, country_)) {
    const DataSet& ds = country_.data_sets[ds_index];
    for (const dhis2::Period& period : ds.periods) {
      if (!PeriodSelected(query, period, id_buffer)) {
        continue;
      }
      std::optional<int64_t> arrived;
      if (held_from && period.start() >= *held_from) {
        if (!released_ms) continue;
        arrived = released_ms;
      }
      uint64_t pe = PeriodKey(period);
      for (int ou : ds.org_units) {
        if (!query.org_unit_mask.empty() && !query.org_unit_mask[ou]) {
          continue;
        }
        const OrgUnit& unit = country_.org_units[ou];
        bool open = country_.IsOpen(unit, period);
        if (!open) {
          continue;
        }
        for (int aoc : country_.category_combos[ds.attribute_combo].option_combos) {
          CellKey key{static_cast<uint64_t>(ds_index), 0, static_cast<uint64_t>(ou), pe, 0,
                      static_cast<uint64_t>(aoc)};
          std::optional<int64_t> form_time = evaluator.FormTime(ds, key, period);
          uint64_t h = SeededHash(country_.seed, {kRegistration, key.ds, key.ou, key.pe, key.aoc});
          bool exists = form_time && UnitFromHash(h) < 0.93;
          int64_t date =
              form_time ? *form_time + static_cast<int64_t>(Mix64(h) % (3 * kHourMs)) : 0;
          if (form_time) {
            date = evaluator.Clamp(date, h);
          }
          bool completed = UnitFromHash(Mix64(h ^ 0xC0)) < 0.95;
          for (const MutationRound& round : rounds) {
            double u = SeededUnit(country_.seed, {kRegMutate, static_cast<uint64_t>(round.number),
                                                  key.ds, key.ou, key.pe, key.aoc});
            if (exists && u < round.share) {
              if (u < round.share * 0.75) {
                date = round.stamp_ms;
                completed = true;
              } else {
                exists = false;
              }
            } else if (!exists && u < round.share * 0.3) {
              exists = true;
              date = round.stamp_ms;
              completed = true;
            }
          }
          if (arrived) date = std::max(date, *arrived);
          if (!exists || (query.updated_since_ms && date < *query.updated_since_ms)) {
            continue;
          }
          record.data_set = ds_index;
          record.org_unit = ou;
          record.aoc = aoc;
          record.period = &period;
          record.date_ms = date;
          record.stored_by = &stored_by_[ou];
          record.completed = completed;
          if (!visit(record)) {
            return false;
          }
        }
      }
    }
  }
  return true;
}

DataValueCounts DataValueStore::CountValues() const {
  DataQuery query;
  query.include_deleted = true;
  DataValueCounts counts;
  (void)ForEachValue(query, [&counts](const DataValueRecord& record) {
    if (record.deleted) {
      ++counts.deleted;
    } else {
      ++counts.live;
      counts.invalid += record.invalid ? 1 : 0;
    }
    return true;
  });
  return counts;
}

int64_t DataValueStore::CountRegistrations() const {
  int64_t count = 0;
  (void)ForEachRegistration(DataQuery{}, [&count](const RegistrationRecord&) {
    ++count;
    return true;
  });
  return count;
}

}  // namespace dhl::sim
