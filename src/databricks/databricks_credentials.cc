#include "databricks/databricks_credentials.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "base/text.h"

namespace dhl::databricks {
namespace {

using Profiles = std::map<std::string, std::map<std::string, std::string>>;

// The sections and keys of an INI file (';' and '#' comments, `key = value`).
Result<Profiles> ReadIni(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("Databricks configuration file " + path + " does not exist");
  Profiles profiles;
  std::string section;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#' || text.front() == ';') continue;
    if (text.front() == '[') {
      if (text.back() != ']') {
        return InvalidArgument(path + ":" + std::to_string(number) + ": unclosed section name");
      }
      section = std::string(Trim(text.substr(1, text.size() - 2)));
      profiles[section];
      continue;
    }
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      return InvalidArgument(path + ":" + std::to_string(number) + ": expected key = value");
    }
    profiles[section][AsciiLower(Trim(text.substr(0, equals)))] =
        std::string(Trim(text.substr(equals + 1)));
  }
  return profiles;
}

std::string NormalizeHost(std::string host) {
  host = std::string(Trim(host));
  if (!host.empty() && host.find("://") == std::string::npos) host = "https://" + host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host;
}

}  // namespace

std::string DatabricksCredentials::ToString() const {
  return "host " + host + (profile.empty() ? "" : " (profile " + profile + ")");
}

Result<DatabricksCredentials> ResolveCredentials(const source::EnvironmentLookup& environment,
                                                 const std::string& home) {
  auto get = [&](std::string_view name) {
    auto value = environment(name);
    return value && !value->empty() ? *value : std::string();
  };
  DatabricksCredentials credentials;
  std::string host = get("DATABRICKS_HOST");
  std::string token = get("DATABRICKS_TOKEN");
  std::string profile = get("DATABRICKS_CONFIG_PROFILE");
  credentials.warehouse_id = get("DATABRICKS_WAREHOUSE_ID");
  bool need_file = !profile.empty() || host.empty() || token.empty();
  if (need_file) {
    std::string file = get("DATABRICKS_CONFIG_FILE");
    if (file.empty()) file = (std::filesystem::path(home) / ".databrickscfg").string();
    auto profiles = ReadIni(file);
    if (!profiles.ok()) {
      if (profiles.status().code() != StatusCode::kNotFound || !profile.empty()) {
        return profiles.status();
      }
      return InvalidArgument(
          "no Databricks credentials: set DATABRICKS_HOST and DATABRICKS_TOKEN, or write a "
          "profile to " +
          file + " (DATABRICKS_CONFIG_PROFILE picks one)");
    }
    if (profile.empty()) {
      auto settings = profiles->find("__settings__");
      if (settings != profiles->end() && settings->second.count("default_profile") > 0) {
        profile = settings->second.at("default_profile");
      } else {
        profile = "DEFAULT";
      }
    }
    auto section = profiles->find(profile);
    if (section == profiles->end()) {
      return InvalidArgument("Databricks profile [" + profile + "] is not in " + file);
    }
    const auto& keys = section->second;
    auto key = [&](const char* name) {
      auto found = keys.find(name);
      return found == keys.end() ? std::string() : found->second;
    };
    if (host.empty()) host = key("host");
    if (token.empty()) token = key("token");
    if (credentials.warehouse_id.empty()) credentials.warehouse_id = key("warehouse_id");
    if (token.empty() && !key("client_id").empty()) {
      return InvalidArgument("Databricks profile [" + profile + "] in " + file +
                             " uses OAuth (client_id); dhis2lake needs a personal access token "
                             "(token = … or DATABRICKS_TOKEN)");
    }
    credentials.profile = profile;
  }
  if (host.empty()) {
    return InvalidArgument("no Databricks host: set DATABRICKS_HOST or host = … in the profile");
  }
  if (token.empty()) {
    return InvalidArgument("no Databricks token for " + NormalizeHost(host) +
                           ": set DATABRICKS_TOKEN or token = … in the profile");
  }
  credentials.host = NormalizeHost(host);
  credentials.token = token;
  return credentials;
}

}  // namespace dhl::databricks
