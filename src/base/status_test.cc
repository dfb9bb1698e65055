#include "base/status.h"

#include <gtest/gtest.h>

namespace dhl {
namespace {

Result<int> Half(int value) {
  if (value % 2 != 0) {
    return InvalidArgument("value " + std::to_string(value) + " is odd");
  }
  return value / 2;
}

Result<int> Quarter(int value) {
  DHL_ASSIGN_OR_RETURN(int half, Half(value));
  DHL_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckQuarter(int value) {
  DHL_RETURN_IF_ERROR(Quarter(value).status());
  return Status::Ok();
}

TEST(StatusTest, PropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(12), 3);
  Result<int> odd = Quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(odd.status().message(), "value 3 is odd");
  EXPECT_EQ(CheckQuarter(6).ToString(), "invalid argument: value 3 is odd");
  EXPECT_TRUE(CheckQuarter(8).ok());
}

TEST(StatusTest, ContextIsPrepended) {
  Status status = NotFound("table silver.x").WithContext("sql");
  EXPECT_EQ(status.message(), "sql: table silver.x");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, ResultFromOkStatusIsAnInternalError) {
  Result<int> result{Status::Ok()};
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
}

TEST(StatusDeathTest, ValueOfErrorAborts) {
  Result<int> result = Half(3);
  EXPECT_DEATH({ (void)result.value(); }, "value 3 is odd");
}

}  // namespace
}  // namespace dhl
