#include "serve/answer_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace dhl::serve {
namespace {

const lake::TableName kTable{"gold", "aggregate"};

CachedAnswer Answer(size_t bytes) {
  return CachedAnswer{200, "text/plain", std::string(bytes, 'x'), {kTable}};
}

TEST(AnswerCacheTest, AThrowingComputationStillLandsItsFlight) {
  AnswerCache cache(10);
  TableVersions versions{{kTable, 1}};
  bool thrown = false;
  try {
    (void)cache.Get("k", versions,
                    []() -> Result<CachedAnswer> { throw std::runtime_error("boom"); });
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  EXPECT_TRUE(thrown);
  // A later caller of the same key computes instead of waiting for the aborted flight forever.
  std::atomic<bool> answered{false};
  std::thread later([&] {
    Result<CachedAnswer> answer =
        cache.Get("k", versions, [] { return Result<CachedAnswer>(Answer(3)); });
    answered = answer.ok() && answer->body == "xxx";
  });
  for (int i = 0; i < 500 && !answered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(answered.load());
  if (answered) {
    later.join();
  } else {
    later.detach();
  }
}

TEST(AnswerCacheTest, AnswersAreBudgetedInBytes) {
  const size_t budget = 3000;
  AnswerCache cache(1000, budget);
  TableVersions versions{{kTable, 1}};
  int computed = 0;
  for (int i = 0; i < 10; ++i) {
    Result<CachedAnswer> answer = cache.Get("k" + std::to_string(i), versions, [&] {
      ++computed;
      return Result<CachedAnswer>(Answer(1000));
    });
    ASSERT_TRUE(answer.ok());
    EXPECT_LE(cache.bytes(), budget);
  }
  EXPECT_EQ(computed, 10);
  EXPECT_EQ(cache.size(), 2u);  // two answers of 1000 bytes and their bookkeeping fit in 3000
  // The most recent is kept, the oldest evicted.
  (void)cache.Get("k9", versions, [&] {
    ++computed;
    return Result<CachedAnswer>(Answer(1000));
  });
  EXPECT_EQ(computed, 10);
  (void)cache.Get("k0", versions, [&] {
    ++computed;
    return Result<CachedAnswer>(Answer(1000));
  });
  EXPECT_EQ(computed, 11);
  // An answer larger than the whole budget is answered, not stored.
  Result<CachedAnswer> huge =
      cache.Get("huge", versions, [] { return Result<CachedAnswer>(Answer(5000)); });
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->body.size(), 5000u);
  EXPECT_LE(cache.bytes(), budget);
}

}  // namespace
}  // namespace dhl::serve
