#include "source/secrets.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/hash.h"
#include "base/text.h"

namespace dhl::source {
namespace {

constexpr size_t kMinHashKeyLength = 32;

Result<std::string> DefaultSecretsPath(const EnvironmentLookup& environment) {
  std::optional<std::string> config_home = environment("XDG_CONFIG_HOME");
  if (config_home && !config_home->empty()) {
    return *config_home + "/dhis2lake/secrets.toml";
  }
  std::optional<std::string> home = environment("HOME");
  if (!home || home->empty()) {
    return InvalidArgument(
        "no secrets file: set DHIS2LAKE_SECRETS, XDG_CONFIG_HOME or HOME so that one can be "
        "created");
  }
  return *home + "/.config/dhis2lake/secrets.toml";
}

// Writes the new secrets file without ever exposing the key: a unique temporary name opened with
// O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (no symlink planted at the name is followed, no file
// another user made is reused), fsynced, then linked to `path`. When another process created `path`
// meanwhile, theirs is kept and `key` is cleared.
Status CreateSecretsFile(const std::string& path, std::string* key) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  if (error) {
    return IoError("cannot create the folder of secrets file " + path + ": " + error.message());
  }
  *key = HexEncode(RandomBytes(32));
  std::string temp = fmt::format("{}.{}.{}.tmp", path, ::getpid(), HexEncode(RandomBytes(8)));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return IoError("cannot create secrets file " + path + ": " + std::strerror(errno));
  }
  std::string text = fmt::format(
      "# dhis2lake secrets (keep private; mode 0600). Created by dhis2lake.\n"
      "# hash_key hashes personal tracked-entity attributes (HMAC-SHA256): changing it changes "
      "every hash.\n"
      "hash_key = \"{}\"\n\n"
      "# [dhis2]\n# url = \"https://dhis2.example.org\"\n# username = \"...\"\n"
      "# password = \"...\"\n# token = \"d2pat_...\"\n",
      *key);
  bool written = ::fchmod(fd, 0600) == 0;
  for (size_t done = 0; written && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    written = n > 0;
    done += written ? static_cast<size_t>(n) : 0;
  }
  written = written && ::fsync(fd) == 0;
  written = (::close(fd) == 0) && written;
  if (!written) {
    ::unlink(temp.c_str());
    return IoError("cannot write secrets file " + path);
  }
  // Another process may have created it meanwhile: keep theirs (link fails when present).
  bool linked = ::link(temp.c_str(), path.c_str()) == 0;
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (!linked) {
    key->clear();
    if (link_errno != EEXIST) {
      return IoError("cannot create secrets file " + path + ": " + std::strerror(link_errno));
    }
  }
  return Status::Ok();
}

// Warns on stderr when the secrets file can be read by its group or by others.
void WarnIfReadableByOthers(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    fmt::print(stderr,
               "warning: secrets file {} has mode {:o}: its group or others can read it; "
               "run chmod 600 {}\n",
               path, info.st_mode & 0777, path);
  }
}

}  // namespace

EnvironmentLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::string Secrets::AuthorizationHeader() const {
  if (!token.empty()) {
    return "ApiToken " + token;
  }
  if (!username.empty()) {
    return "Basic " + Base64Encode(username + ":" + password);
  }
  return "";
}

Result<Secrets> LoadSecrets(const EnvironmentLookup& environment) {
  Secrets secrets;
  std::optional<std::string> named = environment("DHIS2LAKE_SECRETS");
  if (named && !named->empty()) {
    secrets.file = *named;
    if (!std::filesystem::exists(secrets.file)) {
      return NotFound("secrets file " + secrets.file + " (DHIS2LAKE_SECRETS) does not exist");
    }
  } else {
    DHL_ASSIGN_OR_RETURN(secrets.file, DefaultSecretsPath(environment));
    if (!std::filesystem::exists(secrets.file)) {
      std::string key;
      DHL_RETURN_IF_ERROR(CreateSecretsFile(secrets.file, &key));
      if (!key.empty()) {
        secrets.created = true;
        fmt::print(stderr, "created secrets file {} (mode 0600) with a new hashing key\n",
                   secrets.file);
      }
    }
  }
  WarnIfReadableByOthers(secrets.file);
  toml::table table;
  try {
    table = toml::parse_file(secrets.file);
  } catch (const toml::parse_error& error) {
    // The description never quotes the file's values.
    return InvalidArgument("secrets file " + secrets.file + ", line " +
                           std::to_string(error.source().begin.line) + ": does not parse");
  }
  secrets.hash_key = table["hash_key"].value_or(std::string());
  if (secrets.hash_key.size() < kMinHashKeyLength) {
    return InvalidArgument("secrets file " + secrets.file +
                           ": hash_key is missing or shorter than 32 characters");
  }
  secrets.url = table["dhis2"]["url"].value_or(std::string());
  secrets.username = table["dhis2"]["username"].value_or(std::string());
  secrets.password = table["dhis2"]["password"].value_or(std::string());
  secrets.token = table["dhis2"]["token"].value_or(std::string());
  secrets.postgres_password = table["postgres"]["password"].value_or(std::string());
  secrets.postgres_encryption_key = table["postgres"]["encryption_key"].value_or(std::string());
  auto override_with = [&](const char* name, std::string* field) {
    std::optional<std::string> value = environment(name);
    if (value && !value->empty()) {
      *field = *value;
    }
  };
  override_with("DHIS2_URL", &secrets.url);
  override_with("DHIS2_USERNAME", &secrets.username);
  override_with("DHIS2_PASSWORD", &secrets.password);
  override_with("DHIS2_TOKEN", &secrets.token);
  return secrets;
}

}  // namespace dhl::source
