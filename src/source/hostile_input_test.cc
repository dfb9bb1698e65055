// Hostile and malformed input to the extractors: symbolic links out of an export folder, attribute
// metadata that does not parse, gzip bombs, endless paging; and how the secrets file is created.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "http/curl_transport.h"
#include "http/http_server.h"
#include "http/sleeper.h"
#include "source/bronze_writer.h"
#include "source/dhis2_client.h"
#include "source/export_folder_source.h"
#include "source/plan_runner.h"
#include "source/secrets.h"
#include "source/web_api_extractor.h"

namespace dhl::source {
namespace {

namespace fs = std::filesystem;

// Answers /api/system/info as a DHIS2 of `version` in UTC on 2024-01-01.
void RouteSystemInfo(http::HttpServer& server, const std::string& version) {
  server.Route("GET", "/api/system/info",
               [version](const http::ServerRequest&, http::ServerResponse& response) {
                 response.SetBody(R"({"version":")" + version +
                                      R"(","serverDate":"2024-01-01T00:00:00.000",)"
                                      R"("serverTimeZoneId":"Etc/UTC"})",
                                  "application/json");
               });
}

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

TEST(HostileInputTest, ExportFolderReadsNothingByPathButWhatItListed) {
  // An interrupted run's plan (in the lake's _landing) names a file outside the folder, as a plan
  // edited, or a folder changed, between the listing and the reading would. Before, the file was
  // read by its path, whatever it had become.
  fs::path dir = TempDir("relisted");
  fs::create_directories(dir / "export");
  fs::create_directories(dir / "outside");
  std::ofstream(dir / "export" / "values.csv") << kCsv;
  std::ofstream(dir / "outside" / "secret.csv")
      << "dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"
         "fbfJHSPpUQD,202306,uNEhNuBUr0i,pq2XI5kz2BY,HllvX50cXC0,99\n";
  ExtractionPlan plan;
  plan.run_id = "0b5a7a4e-0000-4000-8000-000000000001";
  plan.resource = "export";
  plan.source = "folder:" + (dir / "export").lexically_normal().string();
  plan.server_time_zone = "Etc/UTC";
  plan.created_at = "2024-01-01T00:00:00.000Z";
  Chunk chunk;
  chunk.sequence = 1;
  chunk.id = "export/000001";
  chunk.table = "data_value";
  chunk.format = ChunkFormat::kCsv;
  chunk.file = (dir / "outside" / "secret.csv").string();
  plan.chunks.push_back(chunk);
  ASSERT_TRUE(SavePlan((dir / "lake").string(), plan).ok());
  ExportFolderSource source((dir / "lake").string(), (dir / "export").string(), ExtractOptions(),
                            TestSecrets(), SystemClock::Instance(), false);
  Result<ExtractSummary> refused = source.Run();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find((dir / "outside" / "secret.csv").string() +
                                            " is not a regular file of the folder as listed"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE(fs::exists(dir / "lake" / "bronze"));
  fs::remove_all(dir);
}

// Starts `server`, extracts from it into `lake` (one try per request, no progress) and stops it.
Status ExtractFrom(http::HttpServer& server, const fs::path& lake, ExtractOptions options) {
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
  options.max_tries = 1;
  WebApiExtractor extractor(lake.string(), options, secrets, environment);
  Result<ExtractSummary> summary = extractor.Run();
  server.Stop();
  return summary.status();
}

// A DHIS2 2.40 that answers /api/trackedEntityAttributes with `attributes` and nothing else.
Status ExtractWithAttributes(const fs::path& lake, const std::string& attributes) {
  http::HttpServer server;
  RouteSystemInfo(server, "2.40.2");
  server.Route("GET", "/api/trackedEntityAttributes",
               [&](const http::ServerRequest&, http::ServerResponse& response) {
                 response.SetBody(attributes, "application/json");
               });
  return ExtractFrom(server, lake, ExtractOptions());
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

TEST(HostileInputTest, DecompressionStopsAtTheCap) {
  fs::path dir = TempDir("gzip");
  std::string file = (dir / "bomb.json.gz").string();
  gzFile gz = gzopen(file.c_str(), "wb9");
  std::string zeros(1 << 20, '0');
  for (int i = 0; i < 4; ++i) {
    gzwrite(gz, zeros.data(), static_cast<unsigned>(zeros.size()));
  }
  gzclose(gz);
  ASSERT_LT(fs::file_size(file), 64u << 10);  // 4 MiB of zeros compress to a few KiB
  Result<std::string> capped = ReadMaybeGzipped(file, 1 << 20);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.status().message().find(file + " holds more than 1048576 bytes"),
            std::string::npos)
      << capped.status().ToString();
  Result<std::string> whole = ReadMaybeGzipped(file, 4 << 20);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->size(), 4u << 20);
  fs::remove_all(dir);
}

// A DHIS2 2.38 whose every list answers `answer(page asked)` with one record.
Status ExtractPaged(const fs::path& lake, std::function<nlohmann::json(int page)> answer) {
  http::HttpServer server;
  RouteSystemInfo(server, "2.38.4");
  server.Route(
      "GET", "/api/.*", [&](const http::ServerRequest& request, http::ServerResponse& response) {
        std::string key = request.path.substr(5);
        nlohmann::json body = answer(std::atoi(request.Param("page").value_or("1").c_str()));
        body[key] = nlohmann::json::array({{{"id", "a1234567890"}}});
        response.SetBody(body.dump(), "application/json");
      });
  ExtractOptions options;
  options.concurrency = 1;
  return ExtractFrom(server, lake, options);
}

TEST(HostileInputTest, EndlessOrOverlongPagingIsAnError) {
  fs::path dir = TempDir("paging");
  // Page 1 whatever page is asked, always with a next page: before, a million requests.
  Status ignored = ExtractPaged(dir / "lake1", [](int) {
    return nlohmann::json{{"pager", {{"page", 1}, {"nextPage", "http://x/api/a?page=2"}}}};
  });
  ASSERT_FALSE(ignored.ok());
  EXPECT_NE(ignored.message().find("page 2 was answered as page 1"), std::string::npos)
      << ignored.ToString();
  // The same nextPage on every page.
  Status repeated = ExtractPaged(dir / "lake2", [](int page) {
    return nlohmann::json{{"pager", {{"page", page}, {"nextPage", "http://x/api/a?page=2"}}}};
  });
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.message().find("names nextPage \"http://x/api/a?page=2\" again"),
            std::string::npos)
      << repeated.ToString();
  // A page count beyond int (and beyond any real server) is refused, not wrapped around.
  Status huge = ExtractPaged(dir / "lake3", [](int page) {
    return nlohmann::json{{"pager", {{"page", page}, {"pageCount", 3000000000LL}}}};
  });
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.message().find("pageCount 3000000000 is not a page count"), std::string::npos)
      << huge.ToString();
  fs::remove_all(dir);
}

TEST(HostileInputTest, AServersAnswerIsCappedOnceDecompressed) {
  // 8 MiB of JSON that the server gzips (a few KiB on the wire, which libcurl inflates).
  http::HttpServer server;
  server.Route("GET", "/api/big", [](const http::ServerRequest&, http::ServerResponse& response) {
    response.SetStreamedBody("application/json", [](http::BodyWriter& writer) {
      std::string zeros(1 << 20, '0');
      if (!writer.Write("[")) {
        return false;
      }
      for (int i = 0; i < 8; ++i) {
        if (!writer.Write(zeros)) {
          return false;
        }
      }
      return writer.Write("]");
    });
  });
  Result<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  http::CurlTransport transport;
  http::SystemSleeper sleeper;
  http::RetryOptions retry;
  retry.max_tries = 3;
  Dhis2Client client(fmt::format("http://127.0.0.1:{}", *port), "", transport, sleeper, retry);
  client.set_max_response_bytes(1 << 20);
  http::StringSink sink;
  Status capped = client.Download("/api/big", {}, sink, http::ExpectedBody::kJson);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.code(), StatusCode::kInvalidArgument) << capped.ToString();  // not retried
  EXPECT_NE(capped.message().find("/api/big: the answer holds more than 1048576 bytes once "
                                  "decompressed"),
            std::string::npos)
      << capped.ToString();
  EXPECT_LE(sink.body().size(), 1u << 20);
  // Under the cap the same answer is read whole.
  client.set_max_response_bytes(16 << 20);
  ASSERT_TRUE(client.Download("/api/big", {}, sink, http::ExpectedBody::kJson).ok());
  EXPECT_EQ(sink.body().size(), (8u << 20) + 2);
  server.Stop();
}

// A JSON text nesting `levels` arrays inside a record of `key`.
std::string DeepRecords(const std::string& key, int levels) {
  return "{\"" + key + "\":[{\"id\":\"a1234567890\",\"deep\":" + std::string(levels, '[') +
         std::string(levels, ']') + "}]}";
}

TEST(HostileInputTest, DeeplyNestedJsonIsRefusedNotRecursedInto) {
  // A million levels: copying or printing it recursively overflows the stack.
  constexpr int kLevels = 1000000;
  fs::path dir = TempDir("depth");
  // From a server: every list answers with the deep record.
  http::HttpServer server;
  RouteSystemInfo(server, "2.38.4");
  server.Route("GET", "/api/.*",
               [&](const http::ServerRequest& request, http::ServerResponse& response) {
                 response.SetBody(DeepRecords(request.path.substr(5), kLevels), "application/json");
               });
  ExtractOptions options;
  options.concurrency = 1;
  Status served = ExtractFrom(server, dir / "lake1", options);
  ASSERT_FALSE(served.ok());
  EXPECT_NE(served.message().find("JSON nested more than 64 levels deep"), std::string::npos)
      << served.ToString().substr(0, 400);
  // From an export folder.
  fs::create_directories(dir / "export");
  std::ofstream(dir / "export" / "events.json") << DeepRecords("events", kLevels);
  ExportFolderSource folder((dir / "lake2").string(), (dir / "export").string(), ExtractOptions(),
                            TestSecrets(), SystemClock::Instance(), false);
  Result<ExtractSummary> landed = folder.Run();
  ASSERT_FALSE(landed.ok());
  EXPECT_NE(landed.status().message().find((dir / "export" / "events.json").string() +
                                           ": JSON nested more than 64 levels deep"),
            std::string::npos)
      << landed.status().ToString().substr(0, 400);
  EXPECT_FALSE(fs::exists(dir / "lake2" / "bronze"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dhl::source
