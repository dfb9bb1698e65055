// Hostile and malformed input to the extractors: symbolic links out of an export folder, attribute
// metadata that does not parse, gzip bombs, endless paging; and how the secrets file is created.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "http/curl_transport.h"
#include "http/http_server.h"
#include "source/export_folder_source.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 fmt::format("dhl_hostile_{}_{}_{}", name, ::getpid(), std::rand());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Secrets TestSecrets() {
  Secrets secrets;
  secrets.hash_key = std::string(64, 'a');
  return secrets;
}

const char kCsv[] =
    "dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"
    "fbfJHSPpUQD,202306,uNEhNuBUr0i,pq2XI5kz2BY,HllvX50cXC0,10\n";

TEST(HostileInputTest, ExportFolderRefusesASymlinkOutOfTheFolder) {
  fs::path dir = TempDir("symlink");
  fs::create_directories(dir / "export");
  fs::create_directories(dir / "config");
  std::ofstream(dir / "export" / "values.csv") << kCsv;
  std::ofstream(dir / "config" / "secrets.csv") << kCsv;
  // A link inside the folder to a file inside it is read as the file.
  fs::create_symlink(dir / "export" / "values.csv", dir / "export" / "again.csv");
  ExportFolderSource inside((dir / "lake_inside").string(), (dir / "export").string(),
                            ExtractOptions(), TestSecrets(), SystemClock::Instance(), false);
  Result<ExtractSummary> ok = inside.Run();
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();

  // A link out of it is an error naming the link; nothing lands.
  fs::create_symlink(dir / "config" / "secrets.csv", dir / "export" / "x.csv");
  ExportFolderSource outside((dir / "lake").string(), (dir / "export").string(), ExtractOptions(),
                             TestSecrets(), SystemClock::Instance(), false);
  Result<ExtractSummary> refused = outside.Run();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find((dir / "export" / "x.csv").string()), std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("outside the folder"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "lake" / "bronze"));
  fs::remove_all(dir);
}

// A DHIS2 2.40 that answers /api/trackedEntityAttributes with `attributes` and nothing else.
Status ExtractWithAttributes(const fs::path& lake, const std::string& attributes) {
  http::HttpServer server;
  server.Route("GET", "/api/system/info",
               [](const http::ServerRequest&, http::ServerResponse& response) {
                 response.SetBody(R"({"version":"2.40.2","serverDate":"2024-01-01T00:00:00.000",)"
                                  R"("serverTimeZoneId":"Etc/UTC"})",
                                  "application/json");
               });
  server.Route("GET", "/api/trackedEntityAttributes",
               [&](const http::ServerRequest&, http::ServerResponse& response) {
                 response.SetBody(attributes, "application/json");
               });
  Result<int> port = server.Start();
  if (!port.ok()) {
    return port.status();
  }
  Secrets secrets = TestSecrets();
  secrets.url = fmt::format("http://127.0.0.1:{}", *port);
  secrets.token = "d2pat_test";
  ExtractorEnvironment environment;
  environment.transports = [] { return std::make_unique<http::CurlTransport>(); };
  environment.show_progress = false;
  ExtractOptions options;
  options.max_tries = 1;
  WebApiExtractor extractor(lake.string(), options, secrets, environment);
  Result<ExtractSummary> summary = extractor.Run();
  server.Stop();
  return summary.status();
}

TEST(HostileInputTest, AnUnexpectedAttributesAnswerIsAnErrorNotUnhashedValues) {
  fs::path dir = TempDir("attributes");
  for (const char* body : {"<html>not json</html>", "[]", R"({"trackedEntityAttributes":{}})",
                           R"({"trackedEntityAttributes":[{"id":"w75KJ2mc4zz",)"
                           R"("confidential":"yes"}]})",
                           R"({"trackedEntityAttributes":[{"confidential":true}]})"}) {
    Status status = ExtractWithAttributes(dir / "lake", body);
    ASSERT_FALSE(status.ok()) << body;
    EXPECT_NE(status.message().find("/api/trackedEntityAttributes"), std::string::npos)
        << body << ": " << status.ToString();
    EXPECT_NE(status.message().find("confidential"), std::string::npos) << status.ToString();
  }
  fs::remove_all(dir);
}

EnvironmentLookup ConfigHome(const fs::path& dir) {
  return [dir](std::string_view name) -> std::optional<std::string> {
    if (name == "XDG_CONFIG_HOME") {
      return dir.string();
    }
    return std::nullopt;
  };
}

TEST(HostileInputTest, SecretsFileIsCreatedPrivatelyWithoutFollowingPlantedLinks) {
  fs::path dir = TempDir("secrets");
  fs::path file = dir / "dhis2lake" / "secrets.toml";
  fs::create_directories(file.parent_path());
  // Another local user plants a link at the obvious temporary name, hoping the key lands in it.
  fs::create_symlink(dir / "leak", file.string() + ".tmp");
  testing::internal::CaptureStderr();
  Result<Secrets> created = LoadSecrets(ConfigHome(dir));
  std::string said = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->created);
  EXPECT_FALSE(fs::exists(dir / "leak"));
  struct stat info;
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(said.find("warning"), std::string::npos) << said;
  // Only the file and the planted link remain: no temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 2);

  // An existing file that its group or others can read is used, with a warning that says so.
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  testing::internal::CaptureStderr();
  Result<Secrets> loaded = LoadSecrets(ConfigHome(dir));
  said = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->hash_key, created->hash_key);
  EXPECT_NE(said.find("warning: secrets file " + file.string() + " has mode 644"),
            std::string::npos)
      << said;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::source
