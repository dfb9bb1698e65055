// MaskPostgresUri: no password of a libpq URI survives into what is logged or stored.
#include "source/postgres_connection.h"

#include <gtest/gtest.h>

namespace dhl::source {
namespace {

TEST(PostgresConnectionTest, MasksEveryPasswordOfAUri) {
  EXPECT_EQ(MaskPostgresUri("postgresql://dhis:s3cr%40t@db.example.org:5432/dhis2"),
            "postgresql://dhis:***@db.example.org:5432/dhis2");
  EXPECT_EQ(MaskPostgresUri("postgres://dhis:pw@h/db?sslmode=require&password=other&x=1"),
            "postgres://dhis:***@h/db?sslmode=require&password=***&x=1");
  EXPECT_EQ(MaskPostgresUri("postgresql://h/db?password=only"), "postgresql://h/db?password=***");
  // No password: unchanged, and an '@' in a parameter is not user info.
  EXPECT_EQ(MaskPostgresUri("postgresql://dhis@h:5433/db"), "postgresql://dhis@h:5433/db");
  EXPECT_EQ(MaskPostgresUri("postgresql://h/db?user=a@b"), "postgresql://h/db?user=a@b");
  // A parameter merely ending in "password" is not the password.
  EXPECT_EQ(MaskPostgresUri("postgresql://h/db?oldpassword=x"), "postgresql://h/db?oldpassword=x");
}

TEST(PostgresConnectionTest, TellsUrisWithPasswordsAndPostgresSchemes) {
  EXPECT_TRUE(PostgresUriHasPassword("postgresql://u:p@h/db"));
  EXPECT_FALSE(PostgresUriHasPassword("postgresql://u@h/db"));
  EXPECT_TRUE(IsPostgresUri("postgres://h/db"));
  EXPECT_TRUE(IsPostgresUri("postgresql://h/db"));
  EXPECT_FALSE(IsPostgresUri("https://play.dhis2.org"));
  EXPECT_FALSE(IsPostgresUri("./exports"));
}

}  // namespace
}  // namespace dhl::source
