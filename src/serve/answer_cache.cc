#include "serve/answer_cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace dhl::serve {

bool AnswerCache::Fresh(const Entry& entry, const TableVersions& current) {
  for (const auto& [table, version] : entry.read_versions) {
    auto found = current.find(table);
    if (found == current.end() || found->second != version) {
      return false;
    }
  }
  return true;
}

size_t AnswerCache::Size(const CachedAnswer& answer) {
  return answer.body.size() + answer.content_type.size() + 64 * (answer.tables_read.size() + 1);
}

void AnswerCache::Erase(const std::string& key) {
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    return;
  }
  bytes_ -= Size(found->second.answer);
  lru_.erase(found->second.lru);
  entries_.erase(found);
}

size_t AnswerCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

Result<CachedAnswer> AnswerCache::Get(const std::string& key, const TableVersions& current,
                                      const Compute& compute) {
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      auto found = entries_.find(key);
      if (found != entries_.end()) {
        if (Fresh(found->second, current)) {
          ++hits_;
          lru_.splice(lru_.begin(), lru_, found->second.lru);
          return found->second.answer;
        }
        Erase(key);
      }
      auto flying = flights_.find(key);
      if (flying == flights_.end()) {
        break;
      }
      // Someone computes this key: wait for it, then share its answer if it still fits.
      std::shared_ptr<Flight> other = flying->second;
      landed_.wait(lock, [&] { return other->done; });
      if (other->result.has_value() && other->result->ok()) {
        ++hits_;
        return *other->result;
      }
      // It failed: try again ourselves (the loop looks for a newer flight first).
    }
    ++misses_;
    flight = std::make_shared<Flight>();
    flights_[key] = flight;
  }
  // Whatever happens in compute (an error, an exception thrown through it), the flight lands, so
  // that callers waiting for the key never wait forever.
  struct Landing {
    AnswerCache& cache;
    const std::string& key;
    std::shared_ptr<Flight>& flight;
    ~Landing() {
      std::lock_guard<std::mutex> lock(cache.mutex_);
      if (!flight->result.has_value()) {
        flight->result = Result<CachedAnswer>(Internal("the computation of an answer was aborted"));
      }
      flight->done = true;
      cache.flights_.erase(key);
      cache.landed_.notify_all();
    }
  } landing{*this, key, flight};
  Result<CachedAnswer> result = compute();
  std::lock_guard<std::mutex> lock(mutex_);
  if (result.ok() && capacity_ > 0 && result->body.size() <= max_bytes_) {
    Entry entry;
    entry.answer = *result;
    for (const lake::TableName& table : result->tables_read) {
      auto found = current.find(table);
      // A table read but absent from the listing is recorded as version -1: stale once it exists.
      entry.read_versions[table] = found == current.end() ? -1 : found->second;
    }
    Erase(key);
    lru_.push_front(key);
    entry.lru = lru_.begin();
    bytes_ += Size(entry.answer);
    entries_[key] = std::move(entry);
    while (entries_.size() > capacity_ || bytes_ > max_bytes_) {
      Erase(lru_.back());
    }
  }
  flight->result = result;
  return result;
}

size_t AnswerCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}
int64_t AnswerCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}
int64_t AnswerCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

std::string NormalisedKey(std::string_view route,
                          std::vector<std::pair<std::string, std::string>> params,
                          std::vector<std::string> scope) {
  std::sort(params.begin(), params.end());
  std::sort(scope.begin(), scope.end());
  nlohmann::json key = {{"route", route}, {"params", params}, {"scope", scope}};
  return key.dump();
}

}  // namespace dhl::serve
