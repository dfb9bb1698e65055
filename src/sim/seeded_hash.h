// The simulator's only source of randomness: pure functions of a seed and a tuple of integers, so
// that every generated thing is reproducible without storing it. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace dhl::sim {

inline uint64_t Mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A 64-bit hash of the seed and the parts, order-sensitive.
inline uint64_t SeededHash(uint64_t seed, std::initializer_list<uint64_t> parts) {
  uint64_t h = Mix64(seed ^ 0x5DEECE66Dull);
  for (uint64_t part : parts) {
    h = Mix64(h ^ part);
  }
  return h;
}

// Uniform in [0, 1).
inline double UnitFromHash(uint64_t hash) {
  return static_cast<double>(hash >> 11) * (1.0 / 9007199254740992.0);
}

inline double SeededUnit(uint64_t seed, std::initializer_list<uint64_t> parts) {
  return UnitFromHash(SeededHash(seed, parts));
}

// A DHIS2-style uid (11 characters, a letter first) derived from the hash.
inline std::string UidFromHash(uint64_t hash) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string uid(11, 'a');
  uid[0] = kLetters[hash % 52];
  uint64_t h = Mix64(hash);
  for (int i = 1; i < 11; ++i) {
    if (i == 6) {
      h = Mix64(h ^ hash);
    }
    uid[i] = kChars[h % 62];
    h /= 62;
  }
  return uid;
}

}  // namespace dhl::sim
