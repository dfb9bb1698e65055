// The simulator's tracker data: tracked entities (persons with personal attributes), their
// enrollments in the ANC programme and their events. Unlike data values these are few enough to
// hold in memory (300 to 50,000 persons); they are generated from the seed at construction and
// changed in place by mutation rounds, so the state is a deterministic function of (seed, mutation
// history). Thread-safe: every method locks.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sim/country.h"
#include "sim/data_value_store.h"

namespace dhl::sim {

struct TrackedEntity {
  std::string uid;
  int org_unit = 0;
  int64_t created_ms = 0, updated_ms = 0;
  bool deleted = false;
  std::vector<std::string> attribute_values;  // parallel to the programme's attributes
};

struct Enrollment {
  std::string uid;
  int tracked_entity = 0;
  int org_unit = 0;
  int64_t created_ms = 0, updated_ms = 0, enrolled_ms = 0;
  std::string status;  // ACTIVE, COMPLETED, CANCELLED
  bool deleted = false;
  bool follow_up = false;
};

struct TrackerEvent {
  std::string uid;
  int enrollment = 0;
  int tracked_entity = 0;
  int stage = 0;
  int org_unit = 0;
  std::string status;  // ACTIVE, COMPLETED, SCHEDULE
  int64_t occurred_ms = 0, scheduled_ms = 0, created_ms = 0, updated_ms = 0;
  bool deleted = false;
  std::vector<std::pair<int, std::string>> data_values;  // data element index, value
};

// A companion relationship between two persons (from brings to); derived from the persons, so it
// needs no state of its own: it exists while both persons are not deleted.
struct Relationship {
  std::string uid;
  int from = 0, to = 0;  // indices of tracked entities
  int64_t created_ms = 0;
};

// The relationships among `people`: about one person in ten (not the first) has a companion, the
// person registered just before. A pure function of (seed, people).
std::vector<Relationship> DeriveRelationships(uint64_t seed,
                                              const std::vector<TrackedEntity>& people);

struct TrackerCounts {
  int64_t tracked_entities = 0, enrollments = 0, events = 0;  // not deleted
};

class TrackerStore {
 public:
  explicit TrackerStore(const Country& country);  // `country` must outlive the store

  void ApplyRound(const MutationRound& round);
  TrackerCounts Counts() const;

  // Runs `read` with the current state under the store's lock.
  void Read(
      const std::function<void(const std::vector<TrackedEntity>&, const std::vector<Enrollment>&,
                               const std::vector<TrackerEvent>&)>& read) const;

 private:
  void AddPerson(uint64_t round, uint64_t index, int64_t created_ms);

  const Country& country_;
  mutable std::mutex mutex_;
  std::vector<TrackedEntity> entities_;
  std::vector<Enrollment> enrollments_;
  std::vector<TrackerEvent> events_;
};

}  // namespace dhl::sim
