#include "serve/server_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>

namespace dhl::serve {

Status ApplyServeConfig(const std::string& file, ServerOptions& options) {
  if (file.empty()) {
    return Status::Ok();
  }
  toml::table root;
  // Debian's toml++ throws; this wrapper catches (the file was already read once by LoadConfig).
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& error) {
    return InvalidArgument(fmt::format("{}: {}", file, error.description()));
  }
  const toml::table* serve_table = root["serve"].as_table();
  if (serve_table == nullptr) {
    return Status::Ok();
  }
  const toml::table& table = *serve_table;
  if (auto port = table["port"].value<int64_t>()) {
    options.port = static_cast<int>(*port);
  }
  if (auto bind = table["bind"].value<std::string>()) {
    options.bind = *bind;
  }
  if (auto limit = table["row_limit"].value<int64_t>()) {
    if (*limit <= 0) {
      return InvalidArgument(fmt::format("{}: serve.row_limit must be positive", file));
    }
    options.row_limit = static_cast<size_t>(*limit);
  }
  if (auto limit = table["byte_limit"].value<int64_t>()) {
    if (*limit <= 0) {
      return InvalidArgument(fmt::format("{}: serve.byte_limit must be positive", file));
    }
    options.byte_limit = static_cast<size_t>(*limit);
  }
  if (auto timeout = table["timeout"].value<double>()) {
    if (*timeout <= 0) {
      return InvalidArgument(fmt::format("{}: serve.timeout must be positive seconds", file));
    }
    options.query_timeout = std::chrono::milliseconds(static_cast<int64_t>(*timeout * 1000));
  }
  if (auto entries = table["cache_entries"].value<int64_t>()) {
    options.cache_entries = static_cast<size_t>(std::max<int64_t>(0, *entries));
  }
  if (const toml::array* tokens = table["tokens"].as_array()) {
    size_t index = 0;
    for (const toml::node& node : *tokens) {
      ++index;
      const toml::table* entry = node.as_table();
      if (entry == nullptr) {
        return InvalidArgument(fmt::format("{}: serve.tokens[{}] is not a table", file, index));
      }
      AccessToken token;
      if (auto secret = (*entry)["token"].value<std::string>()) {
        token.token = *secret;
      } else if (auto variable = (*entry)["token_env"].value<std::string>()) {
        const char* value = std::getenv(variable->c_str());
        if (value == nullptr || *value == '\0') {
          return InvalidArgument(fmt::format(
              "{}: serve.tokens[{}]: environment variable {} is not set", file, index, *variable));
        }
        token.token = value;
      } else {
        return InvalidArgument(
            fmt::format("{}: serve.tokens[{}] needs token or token_env", file, index));
      }
      if (const toml::array* units = (*entry)["org_units"].as_array()) {
        if (units->empty()) {
          return InvalidArgument(fmt::format(
              "{}: serve.tokens[{}].org_units is empty: name the subtree roots the token may "
              "see, or omit org_units for the whole country",
              file, index));
        }
        for (const toml::node& unit : *units) {
          auto uid = unit.value<std::string>();
          if (!uid.has_value() || uid->empty()) {
            return InvalidArgument(fmt::format(
                "{}: serve.tokens[{}].org_units holds a value that is not a uid", file, index));
          }
          token.org_units.push_back(*uid);
        }
      }
      options.tokens.push_back(std::move(token));
    }
  }
  return Status::Ok();
}

}  // namespace dhl::serve
