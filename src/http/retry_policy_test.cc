#include "http/retry_policy.h"

#include <gtest/gtest.h>

#include "http/fake_transport.h"

namespace dhl::http {
namespace {

using std::chrono::milliseconds;

HttpRequest Get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

class RetryPolicyTest : public ::testing::Test {
 protected:
  FakeClock clock_{1'700'000'000'000};
  FakeSleeper sleeper_{&clock_};
  FakeTransport transport_{sleeper_};
  RetryPolicy policy_{transport_, sleeper_};
  StringSink sink_;
};

TEST_F(RetryPolicyTest, SucceedsAtOnce) {
  transport_.Push(FakeReply::Json(R"({"ok":true})"));
  int tries = 0;
  ASSERT_TRUE(policy_.Send(Get("http://h/api/x"), sink_, ExpectedBody::kJson, &tries).ok());
  EXPECT_EQ(tries, 1);
  EXPECT_EQ(sink_.body(), R"({"ok":true})");
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(RetryPolicyTest, RetriesEveryRetryableFaultThenSucceeds) {
  transport_.Push(FakeReply::Code(500, "boom"));
  transport_.Push(FakeReply::Code(502));
  transport_.Push(FakeReply::Code(503));
  transport_.Push(FakeReply::Reset());
  transport_.Push(FakeReply::Truncate(R"({"dataValues":[1,2,3]})", 5));
  transport_.Push(FakeReply::Delay(milliseconds(120000), FakeReply::Json("{}")));  // a timeout
  transport_.Push(
      FakeReply::Code(200, "<html>maintenance</html>", {{"Content-Type", "text/html"}}));
  transport_.Push(
      FakeReply::Code(200, "<html>login</html>", {{"Content-Type", "application/json"}}));
  transport_.Push(FakeReply::Json(R"({"done":1})"));
  int tries = 0;
  Status status =
      policy_.Send(Get("http://h/api/dataValueSets"), sink_, ExpectedBody::kJson, &tries);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(tries, 9);
  EXPECT_EQ(transport_.request_count(), 9);
  EXPECT_EQ(sink_.body(), R"({"done":1})");  // the truncated attempt's bytes were discarded
  EXPECT_EQ(sleeper_.waits().size(), 9u);    // 8 back-offs and the simulated idle timeout
}

TEST_F(RetryPolicyTest, HonoursRetryAfter) {
  transport_.Push(FakeReply::Code(429, "slow down", {{"Retry-After", "7"}}));
  transport_.Push(FakeReply::Json("[]"));
  ASSERT_TRUE(policy_.Send(Get("http://h/api/x"), sink_).ok());
  ASSERT_EQ(sleeper_.waits().size(), 1u);
  EXPECT_EQ(sleeper_.waits()[0], milliseconds(7000));
}

TEST_F(RetryPolicyTest, GivesUpAfterTheBoundWithTheUrlMasked) {
  FakeTransport failing(sleeper_, FakeReply::Code(503, "down"));
  RetryPolicy policy(failing, sleeper_);
  int tries = 0;
  Status status = policy.Send(Get("http://admin:district@h/api/x?token=secret&page=2"), sink_,
                              ExpectedBody::kJson, &tries);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(tries, 10);
  EXPECT_EQ(failing.request_count(), 10);
  EXPECT_EQ(status.code(), StatusCode::kHttpRetryable);
  EXPECT_NE(status.message().find("http://***@h/api/x?token=***&page=2"), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("district"), std::string::npos);
  EXPECT_EQ(status.message().find("secret"), std::string::npos);
  EXPECT_NE(status.message().find("gave up after 10 tries"), std::string::npos);
  // Exponential with jitter, capped near 5 s.
  auto waits = sleeper_.waits();
  ASSERT_EQ(waits.size(), 9u);
  for (auto wait : waits) {
    EXPECT_LE(wait, milliseconds(5000));
  }
  EXPECT_GE(waits.back(), milliseconds(2500));
  EXPECT_LT(waits.front(), milliseconds(300));
  EXPECT_EQ(clock_.Now().time_since_epoch(), milliseconds(1'700'000'000'000) + sleeper_.total());
}

TEST_F(RetryPolicyTest, ClientErrorsAreNotRetried) {
  transport_.Push(FakeReply::Code(409, R"({"httpStatus":"Conflict","message":"E2001"})"));
  int tries = 0;
  Status status =
      policy_.Send(Get("http://h/api/dataValueSets"), sink_, ExpectedBody::kJson, &tries);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kHttp);
  EXPECT_EQ(tries, 1);
  EXPECT_NE(status.message().find("HTTP 409"), std::string::npos);
  EXPECT_NE(status.message().find("E2001"), std::string::npos);
}

TEST(MaskUrlTest, MasksCredentials) {
  EXPECT_EQ(MaskUrl("https://u:p@play.dhis2.org/api/me"), "https://***@play.dhis2.org/api/me");
  EXPECT_EQ(MaskUrl("http://h/api?password=x&a=b"), "http://h/api?password=***&a=b");
  EXPECT_EQ(MaskUrl("http://h/a@b"), "http://h/a@b");
}

TEST(ParseRetryAfterTest, SecondsAndDates) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("3", now), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10000));
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
}

}  // namespace
}  // namespace dhl::http
