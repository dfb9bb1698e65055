// The Files and Statement Execution clients against a local server that answers in Databricks'
// published shapes (docs.databricks.com REST reference; databricks-sdk-py service/sql.py and
// service/files.py): pending, running, succeeded with two result chunks, failed (HTTP 200),
// canceled, 429 and 503 retries, an expired token, and cancellation on interrupt.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/test_paths.h"
#include "databricks/databricks_client.h"
#include "databricks/databricks_credentials.h"
#include "databricks/databricks_runner.h"
#include "databricks/files_client.h"
#include "databricks/statement_client.h"
#include "engine/database.h"
#include "http/curl_transport.h"
#include "http/http_server.h"
#include "http/sleeper.h"
#include "lake/lake_catalog.h"
#include "pipeline/model_set.h"
#include "sql/dialect.h"

namespace dhl::databricks {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kToken = "dapi-test-secret-0123";

// A workspace: statements keyed by their text decide how they progress.
class FakeWorkspace {
 public:
  FakeWorkspace() {
    server_.Route("POST", "/api/2.0/sql/statements", [this](auto& request, auto& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      json body = json::parse(request.body);
      submitted_.push_back(body);
      if (body["statement"] == "SELECT busy" && busy_rejections_-- > 0) {
        response.SetStatus(429);
        response.SetHeader("Retry-After", "1");
        response.SetBody(R"({"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"})",
                         "application/json");
        return;
      }
      std::string id = "st-" + std::to_string(submitted_.size());
      statements_[id] = {body["statement"], 0};
      response.SetBody(Status(id, "PENDING").dump(), "application/json");
    });
    server_.Route("GET", "/api/2.0/sql/statements/([^/]+)", [this](auto& request, auto& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      std::string id = request.path.substr(std::string("/api/2.0/sql/statements/").size());
      auto& [text, polls] = statements_[id];
      ++polls;
      if (text == "SELECT flaky" && flaky_failures_-- > 0) {
        response.SetStatus(503);
        response.SetBody(R"({"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"})",
                         "application/json");
        return;
      }
      bool fails = !fail_containing_.empty() && text.find(fail_containing_) != std::string::npos;
      response.SetBody(Progress(id, fails ? "SELECT missing" : text, polls).dump(),
                       "application/json");
    });
    server_.Route("GET", "/api/2.0/sql/statements/([^/]+)/result/chunks/1",
                  [this](auto& request, auto& response) {
                    if (!Authorized(request, response)) return;
                    response.SetBody(R"({"chunk_index":1,"row_offset":2,"row_count":1,
                                        "data_array":[["ou3",null]]})",
                                     "application/json");
                  });
    server_.Route("POST", "/api/2.0/sql/statements/([^/]+)/cancel",
                  [this](auto& request, auto& response) {
                    if (!Authorized(request, response)) return;
                    std::lock_guard lock(mutex_);
                    cancelled_.push_back(request.path);
                    response.SetBody("", "application/json");
                  });
    server_.Route("PUT", "/api/2.0/fs/directories/.*", [this](auto& request, auto& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      directories_.push_back(request.path.substr(std::string("/api/2.0/fs/directories").size()));
      response.SetBody("", "application/octet-stream");
    });
    server_.Route("PUT", "/api/2.0/fs/files/.*", [this](auto& request, auto& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      std::string path = request.path.substr(std::string("/api/2.0/fs/files").size());
      if (request.Param("overwrite") == "false" && files_.count(path) > 0) {
        response.SetStatus(409);
        response.SetBody(R"({"error_code":"ALREADY_EXISTS","message":"exists"})",
                         "application/json");
        return;
      }
      files_[path] = request.body;
      response.SetBody("", "application/octet-stream");
    });
    // cpp-httplib answers HEAD with the GET handler (without its body).
    server_.Route("GET", "/api/2.0/fs/files/.*", [this](auto& request, auto& response) {
      if (!Authorized(request, response)) return;
      std::lock_guard lock(mutex_);
      std::string path = request.path.substr(std::string("/api/2.0/fs/files").size());
      response.SetStatus(files_.count(path) > 0 ? 200 : 404);
      response.SetBody("", "application/octet-stream");
    });
    auto port = server_.Start();
    EXPECT_TRUE(port.ok());
    host_ = "http://127.0.0.1:" + std::to_string(port.ok() ? *port : 0);
  }

  std::string host() const { return host_; }
  std::string fail_containing_;  // statements holding this text fail
  int busy_rejections_ = 0;
  int flaky_failures_ = 0;
  std::vector<json> submitted_;
  std::vector<std::string> cancelled_;
  std::vector<std::string> directories_;
  std::map<std::string, std::string> files_;
  std::mutex mutex_;

 private:
  static json Status(const std::string& id, const std::string& state) {
    return {{"statement_id", id}, {"status", {{"state", state}}}};
  }
  // PENDING, then RUNNING, then the statement's end.
  static json Progress(const std::string& id, const std::string& text, int polls) {
    if (text == "SELECT forever" || polls == 1)
      return Status(id, polls == 1 ? "PENDING" : "RUNNING");
    if (polls == 2) return Status(id, "RUNNING");
    if (text == "SELECT missing") {
      json failed = Status(id, "FAILED");
      failed["status"]["error"] = {{"error_code", "BAD_REQUEST"},
                                   {"message", "[TABLE_OR_VIEW_NOT_FOUND] nope"}};
      failed["status"]["sql_state"] = "42P01";
      return failed;
    }
    if (text == "SELECT canceled") return Status(id, "CANCELED");
    json done = Status(id, "SUCCEEDED");
    done["manifest"] = {{"format", "JSON_ARRAY"},
                        {"schema",
                         {{"column_count", 2},
                          {"columns",
                           {{{"name", "ou"}, {"position", 0}, {"type_name", "STRING"}},
                            {{"name", "n"}, {"position", 1}, {"type_name", "LONG"}}}}}},
                        {"total_chunk_count", 2},
                        {"total_row_count", 3}};
    done["result"] = {
        {"chunk_index", 0},
        {"row_offset", 0},
        {"row_count", 2},
        {"data_array", {{"ou1", "1"}, {"ou2", "2"}}},
        {"next_chunk_index", 1},
        {"next_chunk_internal_link", "/api/2.0/sql/statements/" + id + "/result/chunks/1"}};
    return done;
  }
  bool Authorized(const http::ServerRequest& request, http::ServerResponse& response) {
    if (request.Header("Authorization") == std::string("Bearer ") + kToken) return true;
    response.SetStatus(403);
    response.SetBody(R"({"error_code":"403","message":"Invalid access token."})",
                     "application/json");
    return false;
  }

  http::HttpServer server_;
  std::string host_;
  std::map<std::string, std::pair<std::string, int>> statements_;
};

class RestClientTest : public ::testing::Test {
 protected:
  DatabricksClient Client(const std::string& token = kToken) {
    DatabricksCredentials credentials;
    credentials.host = workspace_.host();
    credentials.token = token;
    return DatabricksClient(credentials, transport_, sleeper_);
  }
  StatementOptions Options() {
    StatementOptions options;
    options.warehouse_id = "wh1";
    return options;
  }

  FakeWorkspace workspace_;
  http::CurlTransport transport_;
  http::FakeSleeper sleeper_;
};

TEST_F(RestClientTest, StatementPendingRunningSucceededWithTwoChunks) {
  DatabricksClient client = Client();
  StatementClient statements(client, Options());
  auto result = statements.Execute("SELECT ok");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->state, "SUCCEEDED");
  EXPECT_EQ(result->polls, 3);  // PENDING, RUNNING, SUCCEEDED
  EXPECT_EQ(result->chunks, 2);
  EXPECT_EQ(result->columns, (std::vector<std::string>{"ou", "n"}));
  ASSERT_EQ(result->rows.size(), 3u);
  EXPECT_EQ(result->rows[2][0], "ou3");
  EXPECT_FALSE(result->rows[2][1].has_value());
  std::lock_guard lock(workspace_.mutex_);
  const json& body = workspace_.submitted_.at(0);
  EXPECT_EQ(body["warehouse_id"], "wh1");
  EXPECT_EQ(body["disposition"], "INLINE");
  EXPECT_EQ(body["format"], "JSON_ARRAY");
  // Polls wait 500 ms, then 1 s, then 2 s (growing, capped at max_poll).
  EXPECT_EQ(sleeper_.waits(), (std::vector<std::chrono::milliseconds>{
                                  std::chrono::milliseconds(500), std::chrono::milliseconds(1000),
                                  std::chrono::milliseconds(2000)}));
}

TEST_F(RestClientTest, FailedStateArrivesWithHttp200AndIsReadFromTheBody) {
  DatabricksClient client = Client();
  StatementClient statements(client, Options());
  auto result = statements.Execute("SELECT missing");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kSql);
  std::string message = result.status().message();
  for (const char* part : {"BAD_REQUEST", "[TABLE_OR_VIEW_NOT_FOUND] nope", "SQLSTATE 42P01",
                           "statement: SELECT missing"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
  }
}

TEST_F(RestClientTest, CanceledStateIsAnError) {
  DatabricksClient client = Client();
  StatementClient statements(client, Options());
  auto result = statements.Execute("SELECT canceled");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("ended CANCELED"), std::string::npos)
      << result.status().message();
}

TEST_F(RestClientTest, InterruptCancelsTheRunningStatement) {
  DatabricksClient client = Client();
  StatementOptions options = Options();
  int checks = 0;
  options.interrupted = [&checks] { return ++checks > 2; };
  StatementClient statements(client, options);
  auto result = statements.Execute("SELECT forever");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("interrupted: statement st-1 cancelled"),
            std::string::npos)
      << result.status().message();
  std::lock_guard lock(workspace_.mutex_);
  EXPECT_EQ(workspace_.cancelled_,
            (std::vector<std::string>{"/api/2.0/sql/statements/st-1/cancel"}));
}

TEST_F(RestClientTest, TooManyRequestsAndUnavailableAreRetried) {
  workspace_.busy_rejections_ = 2;
  workspace_.flaky_failures_ = 2;
  DatabricksClient client = Client();
  StatementClient statements(client, Options());
  auto busy = statements.Execute("SELECT busy");
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  auto flaky = statements.Execute("SELECT flaky");
  ASSERT_TRUE(flaky.ok()) << flaky.status().ToString();
  // Two 429s honoured their Retry-After of 1 s.
  auto waits = sleeper_.waits();
  EXPECT_EQ(std::count(waits.begin(), waits.end(), std::chrono::milliseconds(1000)) >= 2, true);
  std::lock_guard lock(workspace_.mutex_);
  EXPECT_EQ(workspace_.submitted_.size(), 4u);  // busy x3, flaky x1
}

TEST_F(RestClientTest, ExpiredTokenIsAClearErrorWithoutTheToken) {
  DatabricksClient client = Client("dapi-expired-token-9999");
  StatementClient statements(client, Options());
  auto result = statements.Execute("SELECT ok");
  ASSERT_FALSE(result.ok());
  std::string message = result.status().message();
  EXPECT_NE(message.find("refused the token"), std::string::npos) << message;
  EXPECT_NE(message.find("Invalid access token"), std::string::npos) << message;
  EXPECT_EQ(message.find("dapi-expired-token-9999"), std::string::npos) << message;
  FilesClient files(client);
  Status upload = files.CreateDirectory("/Volumes/c/s/v/x");
  EXPECT_NE(upload.message().find("refused the token"), std::string::npos) << upload.message();
}

TEST_F(RestClientTest, FilesUploadIntoVolumeDirectories) {
  fs::path local = fs::temp_directory_path() / "dhl_files_client_test.parquet";
  std::ofstream(local, std::ios::binary) << std::string("PAR1\0data", 9);
  DatabricksClient client = Client();
  FilesClient files(client);
  ASSERT_TRUE(files.CreateDirectory("/Volumes/c/s/v/bronze/data value").ok());
  auto absent = files.Exists("/Volumes/c/s/v/bronze/data value/part-1.parquet");
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_FALSE(*absent);
  ASSERT_TRUE(
      files.Upload(local.string(), "/Volumes/c/s/v/bronze/data value/part-1.parquet", false).ok());
  auto present = files.Exists("/Volumes/c/s/v/bronze/data value/part-1.parquet");
  ASSERT_TRUE(present.ok());
  EXPECT_TRUE(*present);
  Status again =
      files.Upload(local.string(), "/Volumes/c/s/v/bronze/data value/part-1.parquet", false);
  EXPECT_NE(again.message().find("HTTP 409"), std::string::npos) << again.message();
  EXPECT_FALSE(files.Upload(local.string(), "/tmp/elsewhere", true).ok());
  std::lock_guard lock(workspace_.mutex_);
  EXPECT_EQ(workspace_.directories_,
            (std::vector<std::string>{"/Volumes/c/s/v/bronze/data value"}));
  EXPECT_EQ(workspace_.files_["/Volumes/c/s/v/bronze/data value/part-1.parquet"],
            std::string("PAR1\0data", 9));
  fs::remove(local);
}

// sync --engine databricks after extraction: bronze files to the volume once, then the plan's
// statements in DAG order; a failing model skips its descendants only.
TEST_F(RestClientTest, RunOnDatabricksUploadsThenRunsThePlanInOrder) {
  fs::path dir = fs::temp_directory_path() / "dhl_databricks_runner_test";
  fs::remove_all(dir);
  auto database = engine::Database::Open();
  ASSERT_TRUE(database.ok());
  auto connection = database->Connect();
  ASSERT_TRUE(connection.ok());
  lake::LakeCatalog catalog((dir / "lake").string());
  auto write = [&](const std::string& table, const std::string& select) {
    auto written = catalog.Table(*lake::ParseTableName(table)).Write(*connection, select, {});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
  };
  write("bronze.data_value",
        "SELECT * FROM (VALUES ('de1', '202401', 'ou1', '5', CAST(NULL AS VARCHAR), "
        "TIMESTAMPTZ '2024-02-01 00:00:00+00', FALSE, 'run1', TIMESTAMPTZ '2024-02-02 "
        "00:00:00+00', 'api', 'c1')) AS t(dataElement, period, orgUnit, value, comment, "
        "lastUpdated, deleted, _run_id, _ingested_at, _source, _chunk)");
  write("bronze.metadata_organisation_unit",
        "SELECT * FROM (VALUES ('ou1', 'Bo', '3', '{}')) AS t(id, name, level, object)");
  auto models = pipeline::ModelSet::LoadDirectory(std::string(DHL_SOURCE_DIR) +
                                                  "/tests/data/databricks/models");
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  pipeline::GeneratorRegistry registry;
  registry.Add("share", [](const pipeline::GeneratorContext& context) -> Result<std::string> {
    return sql::SafeDivide("SUM(v.value)", "COUNT(*)", context.dialect);
  });
  DatabricksRunOptions options;
  options.names.catalog = "health";
  options.warehouse_id = "wh1";
  options.run_id = "run-42";
  options.generators = &registry;
  workspace_.fail_containing_ = "MERGE INTO `health`.`dhis2_silver`.`data_value`";
  DatabricksClient client = Client();
  auto summary = RunOnDatabricks(catalog, *connection, *models, client, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->files_uploaded, 2);
  EXPECT_EQ(summary->files_present, 0);
  std::map<std::string, std::string> status;
  for (const auto& task : summary->tasks) status[task.key] = task.status;
  EXPECT_EQ(status, (std::map<std::string, std::string>{
                        {"setup", "succeeded"},
                        {"load_bronze_data_value", "succeeded"},
                        {"load_bronze_metadata_constant", "succeeded"},
                        {"load_bronze_metadata_organisation_unit", "succeeded"},
                        {"silver_constant", "succeeded"},
                        {"silver_data_value", "failed"},
                        {"silver_org_unit", "succeeded"},
                        {"gold_total", "upstream failed"}}));
  EXPECT_EQ(summary->failed, 2);
  {
    std::lock_guard lock(workspace_.mutex_);
    // The uploaded bytes are the lake's data files.
    int matched = 0;
    for (const auto& [path, bytes] : workspace_.files_) {
      EXPECT_EQ(path.rfind("/Volumes/health/dhis2_bronze/landing/bronze/", 0), 0u) << path;
      for (const auto& entry : fs::recursive_directory_iterator(dir / "lake" / "bronze")) {
        if (entry.path().filename() == fs::path(path).filename()) {
          std::ifstream in(entry.path(), std::ios::binary);
          std::string local((std::istreambuf_iterator<char>(in)), {});
          EXPECT_EQ(local, bytes);
          ++matched;
        }
      }
    }
    EXPECT_EQ(matched, 2);
    // Set-up first, COPY INTO before the models, the run id in the expectation rows.
    const auto& submitted = workspace_.submitted_;
    ASSERT_FALSE(submitted.empty());
    EXPECT_EQ(submitted.front()["statement"].get<std::string>().rfind("CREATE SCHEMA", 0), 0u);
    size_t first_copy = 0, first_merge = 0;
    for (size_t i = 0; i < submitted.size(); ++i) {
      std::string text = submitted[i]["statement"];
      if (first_copy == 0 && text.rfind("COPY INTO", 0) == 0) first_copy = i;
      if (first_merge == 0 && text.rfind("MERGE INTO", 0) == 0) first_merge = i;
      if (text.find("dq_result") != std::string::npos && text.rfind("INSERT", 0) == 0) {
        EXPECT_NE(text.find("'run-42'"), std::string::npos) << text;
      }
    }
    EXPECT_GT(first_merge, first_copy);
    // bronze.metadata_constant was never delivered: no COPY INTO for it, its empty table (created
    // by the set-up with the extractor's columns) stands in.
    bool created = false;
    for (const auto& statement : submitted) {
      std::string text = statement["statement"];
      EXPECT_FALSE(text.rfind("COPY INTO", 0) == 0 &&
                   text.find("metadata_constant") != std::string::npos)
          << text;
      created = created || (text.rfind("CREATE TABLE IF NOT EXISTS", 0) == 0 &&
                            text.find("metadata_constant") != std::string::npos);
    }
    EXPECT_TRUE(created);
  }
  // A second run sends no file again.
  workspace_.fail_containing_.clear();
  auto again = RunOnDatabricks(catalog, *connection, *models, client, options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->files_uploaded, 0);
  EXPECT_EQ(again->files_present, 2);
  EXPECT_TRUE(again->ok()) << again->ToString();
  fs::remove_all(dir);
}

TEST(CredentialsTest, EnvironmentThenProfiles) {
  fs::path home = fs::temp_directory_path() / "dhl_databricks_home";
  fs::create_directories(home);
  std::ofstream(home / ".databrickscfg")
      << "[DEFAULT]\nhost = dbc-1.cloud.databricks.com/\n"
         "token = dapi-default\n\n[prod]\nhost = https://adb-2.net\n"
         "token = dapi-prod\nwarehouse_id = w9\n[sp]\n"
         "host = https://adb-3.net\nclient_id = abc\n";
  std::map<std::string, std::string> env;
  auto lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto found = env.find(std::string(name));
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
  env = {{"DATABRICKS_HOST", "https://env.example"}, {"DATABRICKS_TOKEN", "dapi-env"}};
  auto from_env = ResolveCredentials(lookup, home.string());
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->host, "https://env.example");
  EXPECT_EQ(from_env->token, "dapi-env");
  EXPECT_EQ(from_env->ToString().find("dapi"), std::string::npos);
  env = {};
  auto fallback = ResolveCredentials(lookup, home.string());
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_EQ(fallback->host, "https://dbc-1.cloud.databricks.com");
  EXPECT_EQ(fallback->profile, "DEFAULT");
  env = {{"DATABRICKS_CONFIG_PROFILE", "prod"}};
  auto prod = ResolveCredentials(lookup, home.string());
  ASSERT_TRUE(prod.ok());
  EXPECT_EQ(prod->token, "dapi-prod");
  EXPECT_EQ(prod->warehouse_id, "w9");
  env = {{"DATABRICKS_CONFIG_PROFILE", "sp"}};
  auto oauth = ResolveCredentials(lookup, home.string());
  ASSERT_FALSE(oauth.ok());
  EXPECT_NE(oauth.status().message().find("OAuth"), std::string::npos);
  env = {{"DATABRICKS_CONFIG_PROFILE", "nope"}};
  EXPECT_NE(ResolveCredentials(lookup, home.string()).status().message().find("[nope]"),
            std::string::npos);
  fs::remove_all(home);
  env = {};
  auto none = ResolveCredentials(lookup, home.string());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("DATABRICKS_HOST and DATABRICKS_TOKEN"),
            std::string::npos);
}

}  // namespace
}  // namespace dhl::databricks
