// The [serve] section of dhis2lake.toml: tokens, their org-unit scopes and the limits.
#include "serve/server_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace dhl::serve {
namespace {

namespace fs = std::filesystem;

// Writes `text` to a fresh configuration file and applies it over default options.
Status Apply(const std::string& text, ServerOptions& options) {
  fs::path file = fs::temp_directory_path() /
                  fmt::format("dhl_server_config_{}_{}.toml", ::getpid(), std::rand());
  std::ofstream(file) << text;
  Status status = ApplyServeConfig(file.string(), options);
  fs::remove(file);
  return status;
}

TEST(ServerConfigTest, AnEmptyOrgUnitListIsRefusedNotTheWholeCountry) {
  ServerOptions options;
  Status status = Apply("[[serve.tokens]]\ntoken = \"district-secret\"\norg_units = []\n", options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("serve.tokens[1].org_units is empty"), std::string::npos)
      << status.ToString();
  EXPECT_TRUE(options.tokens.empty());
}

TEST(ServerConfigTest, TokensKeepTheirScopes) {
  ::setenv("DHL_SERVER_CONFIG_TEST_TOKEN", "from-the-environment", 1);
  ServerOptions options;
  Status status = Apply(
      "[serve]\nrow_limit = 50\n"
      "[[serve.tokens]]\ntoken = \"national\"\n"
      "[[serve.tokens]]\ntoken_env = \"DHL_SERVER_CONFIG_TEST_TOKEN\"\n"
      "org_units = [\"O6uvpzGd5pu\", \"fdc6uOvgoji\"]\n",
      options);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(options.row_limit, 50u);
  ASSERT_EQ(options.tokens.size(), 2u);
  EXPECT_EQ(options.tokens[0].token, "national");
  EXPECT_TRUE(options.tokens[0].org_units.empty());  // omitted: the whole country
  EXPECT_EQ(options.tokens[1].token, "from-the-environment");
  EXPECT_EQ(options.tokens[1].org_units, (std::vector<std::string>{"O6uvpzGd5pu", "fdc6uOvgoji"}));
  // An unset variable and a non-uid are errors naming the entry.
  ::unsetenv("DHL_SERVER_CONFIG_TEST_TOKEN");
  ServerOptions unset;
  Status missing = Apply("[[serve.tokens]]\ntoken_env = \"DHL_SERVER_CONFIG_TEST_TOKEN\"\n", unset);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("DHL_SERVER_CONFIG_TEST_TOKEN is not set"), std::string::npos);
  ServerOptions number;
  Status not_uid = Apply("[[serve.tokens]]\ntoken = \"t\"\norg_units = [3]\n", number);
  ASSERT_FALSE(not_uid.ok());
  EXPECT_NE(not_uid.message().find("serve.tokens[1].org_units holds a value that is not a uid"),
            std::string::npos);
}

}  // namespace
}  // namespace dhl::serve
