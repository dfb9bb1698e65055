// A cache of computed answers keyed by a normalised request. Each entry remembers the Delta version
// of every table the computation read; a lookup made with the lake's current versions treats an
// entry as stale as soon as one of those tables has another version (or is gone). Concurrent
// lookups of the same key while it is being computed wait for that one computation (single flight)
// and share its answer; the flight lands even when the computation fails or throws. Failed
// computations are not cached. Least recently used entries are evicted beyond `capacity` entries or
// `max_bytes` of answers (0 disables storing; single flight still applies).
//
// Thread safety: every method may be called from several threads at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "lake/lake_catalog.h"
#include "serve/lake_views.h"

namespace dhl::serve {

struct CachedAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<lake::TableName> tables_read;
};

class AnswerCache {
 public:
  using Compute = std::function<Result<CachedAnswer>()>;

  explicit AnswerCache(size_t capacity, size_t max_bytes = 64 << 20)
      : capacity_(capacity), max_bytes_(max_bytes) {}

  // The cached answer for `key` when every table it read still has the version it was computed
  // at in `current`; otherwise runs `compute` once (other callers of the key wait for it).
  Result<CachedAnswer> Get(const std::string& key, const TableVersions& current,
                           const Compute& compute);

  size_t size() const;
  size_t bytes() const;  // held answers, approximately (bodies and bookkeeping)
  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    CachedAnswer answer;
    TableVersions read_versions;  // of the tables the answer read
    std::list<std::string>::iterator lru;
  };
  struct Flight {
    bool done = false;
    std::optional<Result<CachedAnswer>> result;
  };

  static bool Fresh(const Entry& entry, const TableVersions& current);
  static size_t Size(const CachedAnswer& answer);
  void Erase(const std::string& key);  // with mutex_ held

  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable landed_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
};

// The cache key of a request: its parameters sorted (name, then value), then the scope sorted.
std::string NormalisedKey(std::string_view route,
                          std::vector<std::pair<std::string, std::string>> params,
                          std::vector<std::string> scope);

}  // namespace dhl::serve
