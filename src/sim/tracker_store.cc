#include "sim/tracker_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "sim/seeded_hash.h"

namespace dhl::sim {
namespace {

enum TrackerTag : uint64_t {
  kPerson = 31,
  kEnrollment,
  kEvent,
  kTrackerMutate,
  kEventMutate,
  kRelationship
};
constexpr double kCompanionShare = 0.1;

constexpr std::array<const char*, 12> kFirstNames = {"Aminata", "Fatmata", "Mariama",  "Isatu",
                                                     "Hawa",    "Kadiatu", "Adama",    "Zainab",
                                                     "Mabinty", "Jeneba",  "Salamatu", "Memunatu"};
constexpr std::array<const char*, 10> kLastNames = {"Kamara",   "Sesay",  "Conteh", "Bangura",
                                                    "Koroma",   "Turay",  "Jalloh", "Kanu",
                                                    "Mansaray", "Fofanah"};
constexpr std::array<const char*, 3> kOutcomes = {"Live birth", "Live birth", "Stillbirth"};

}  // namespace

TrackerStore::TrackerStore(const Country& country) : country_(country) {
  int64_t first = DateToMillis(country.first_day);
  int64_t span = country.as_of_ms - first - 2 * kDayMs;
  for (int i = 0; i < country.tracked_entity_count; ++i) {
    uint64_t h = SeededHash(country.seed, {kPerson, 0, static_cast<uint64_t>(i)});
    int64_t created = first + static_cast<int64_t>(UnitFromHash(h) * static_cast<double>(span));
    AddPerson(0, static_cast<uint64_t>(i), created);
  }
}

void TrackerStore::AddPerson(uint64_t round, uint64_t index, int64_t created_ms) {
  const Country& c = country_;
  uint64_t h = SeededHash(c.seed, {kPerson, round, index, 1});
  auto next = [&h]() {
    h = Mix64(h);
    return h;
  };
  TrackedEntity person;
  person.uid = UidFromHash(next());
  person.org_unit = c.facilities[next() % c.facilities.size()];
  person.created_ms = created_ms;
  person.updated_ms = created_ms;
  person.attribute_values = {
      kFirstNames[next() % kFirstNames.size()],
      kLastNames[next() % kLastNames.size()],
      fmt::format("+232 7{} {:03d} {:03d}", next() % 10, next() % 1000, next() % 1000),
      fmt::format("SIM{:09d}", next() % 1000000000),
      fmt::format("{}", 15 + next() % 30),
      "Female",
  };
  bool base_deleted = round == 0 && UnitFromHash(next()) < 0.02;
  int person_index = static_cast<int>(entities_.size());
  Enrollment enrollment;
  enrollment.uid = UidFromHash(next());
  enrollment.tracked_entity = person_index;
  enrollment.org_unit = person.org_unit;
  enrollment.created_ms = created_ms;
  enrollment.updated_ms = created_ms;
  enrollment.enrolled_ms = created_ms;
  int64_t age_days = (c.as_of_ms - created_ms) / kDayMs;
  bool finished = age_days > 280;
  enrollment.status = UnitFromHash(next()) < 0.02 ? "CANCELLED" : finished ? "COMPLETED" : "ACTIVE";
  enrollment.follow_up = UnitFromHash(next()) < 0.05;
  int enrollment_index = static_cast<int>(enrollments_.size());
  int visits = round == 0 ? 1 + static_cast<int>(next() % 4) : 1;
  for (int v = 0; v < visits; ++v) {
    int64_t when = created_ms + v * 30 * kDayMs + static_cast<int64_t>(next() % kDayMs);
    if (when >= c.as_of_ms) {
      break;
    }
    TrackerEvent event;
    event.uid = UidFromHash(next());
    event.enrollment = enrollment_index;
    event.tracked_entity = person_index;
    event.stage = 0;
    event.org_unit = person.org_unit;
    event.status = "COMPLETED";
    event.occurred_ms = when;
    event.scheduled_ms = when;
    event.created_ms = when;
    event.updated_ms = when + (round == 0 ? static_cast<int64_t>(next() % (2 * kDayMs)) : 0);
    if (round == 0 && event.updated_ms >= c.as_of_ms) {
      event.updated_ms = c.as_of_ms - 1000;
    }
    event.data_values = {
        {c.program_stages[0].data_elements[0], fmt::format("{:.1f}", 8.5 + (next() % 50) / 10.0)},
        {c.program_stages[0].data_elements[1], fmt::format("{}", 45 + next() % 40)}};
    event.deleted = base_deleted;
    events_.push_back(std::move(event));
  }
  if (finished && enrollment.status == "COMPLETED") {
    int64_t when = created_ms + 270 * kDayMs;
    TrackerEvent event;
    event.uid = UidFromHash(next());
    event.enrollment = enrollment_index;
    event.tracked_entity = person_index;
    event.stage = 1;
    event.org_unit = person.org_unit;
    event.status = "COMPLETED";
    event.occurred_ms = event.scheduled_ms = event.created_ms = event.updated_ms = when;
    event.data_values = {
        {c.program_stages[1].data_elements[0], kOutcomes[next() % kOutcomes.size()]},
        {c.program_stages[1].data_elements[1], fmt::format("{}", 50 + next() % 40)}};
    event.deleted = base_deleted;
    events_.push_back(std::move(event));
    enrollment.updated_ms = when;
  }
  if (base_deleted) {
    int64_t when = std::min(c.as_of_ms - 1000, created_ms + 20 * kDayMs);
    person.deleted = enrollment.deleted = true;
    person.updated_ms = enrollment.updated_ms = when;
  }
  entities_.push_back(std::move(person));
  enrollments_.push_back(std::move(enrollment));
}

void TrackerStore::ApplyRound(const MutationRound& round) {
  std::lock_guard lock(mutex_);
  uint64_t r = static_cast<uint64_t>(round.number);
  size_t base_people = entities_.size();
  for (size_t i = 0; i < base_people; ++i) {
    TrackedEntity& person = entities_[i];
    if (person.deleted) {
      continue;
    }
    double u = SeededUnit(country_.seed, {kTrackerMutate, r, i});
    if (u >= round.share) {
      continue;
    }
    person.updated_ms = round.stamp_ms;
    if (u < round.share * 0.8) {
      uint64_t h = SeededHash(country_.seed, {kTrackerMutate, r, i, 1});
      person.attribute_values[2] =
          fmt::format("+232 8{} {:03d} {:03d}", h % 10, (h >> 8) % 1000, (h >> 20) % 1000);
    } else {
      person.deleted = true;
      Enrollment& enrollment = enrollments_[i];  // one enrollment per person, same index
      enrollment.deleted = true;
      enrollment.updated_ms = round.stamp_ms;
      for (TrackerEvent& event : events_) {
        if (event.tracked_entity == static_cast<int>(i) && !event.deleted) {
          event.deleted = true;
          event.updated_ms = round.stamp_ms;
        }
      }
    }
  }
  for (size_t e = 0; e < events_.size(); ++e) {
    TrackerEvent& event = events_[e];
    if (event.deleted) {
      continue;
    }
    double u = SeededUnit(country_.seed, {kEventMutate, r, e});
    if (u >= round.share) {
      continue;
    }
    event.updated_ms = round.stamp_ms;
    if (u < round.share * 0.8) {
      uint64_t h = SeededHash(country_.seed, {kEventMutate, r, e, 1});
      if (!event.data_values.empty() && event.stage == 0) {
        event.data_values[0].second =
            fmt::format("{:.1f}", 8.5 + static_cast<double>(h % 50) / 10.0);
      } else if (event.data_values.size() > 1) {
        event.data_values[1].second = fmt::format("{}", 50 + h % 40);
      }
    } else {
      event.deleted = true;
    }
  }
  int added = static_cast<int>(
      std::lround(round.share * 0.3 * static_cast<double>(country_.tracked_entity_count)));
  for (int a = 0; a < added; ++a) {
    AddPerson(r, static_cast<uint64_t>(a), round.stamp_ms);
  }
}

std::vector<Relationship> DeriveRelationships(uint64_t seed,
                                              const std::vector<TrackedEntity>& people) {
  std::vector<Relationship> relationships;
  for (size_t i = 1; i < people.size(); ++i) {
    uint64_t index = static_cast<uint64_t>(i);
    if (people[i].deleted || people[i - 1].deleted ||
        SeededUnit(seed, {kRelationship, index}) >= kCompanionShare) {
      continue;
    }
    Relationship relationship;
    relationship.uid = UidFromHash(SeededHash(seed, {kRelationship, index, 1}));
    relationship.from = static_cast<int>(i);
    relationship.to = static_cast<int>(i - 1);
    relationship.created_ms = std::max(people[i].created_ms, people[i - 1].created_ms);
    relationships.push_back(std::move(relationship));
  }
  return relationships;
}

TrackerCounts TrackerStore::Counts() const {
  std::lock_guard lock(mutex_);
  TrackerCounts counts;
  for (const auto& person : entities_) {
    counts.tracked_entities += person.deleted ? 0 : 1;
  }
  for (const auto& enrollment : enrollments_) {
    counts.enrollments += enrollment.deleted ? 0 : 1;
  }
  for (const auto& event : events_) {
    counts.events += event.deleted ? 0 : 1;
  }
  return counts;
}

void TrackerStore::Read(
    const std::function<void(const std::vector<TrackedEntity>&, const std::vector<Enrollment>&,
                             const std::vector<TrackerEvent>&)>& read) const {
  std::lock_guard lock(mutex_);
  read(entities_, enrollments_, events_);
}

}  // namespace dhl::sim
