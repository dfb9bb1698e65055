// Credentials and the key that hashes personal data. They come from the environment (DHIS2_URL,
// DHIS2_USERNAME, DHIS2_PASSWORD, DHIS2_TOKEN) or from the secrets file (DHIS2LAKE_SECRETS, TOML),
// never from the command line; the environment wins. With no DHIS2LAKE_SECRETS and no file at the
// default place (${XDG_CONFIG_HOME:-~/.config}/dhis2lake/secrets.toml), LoadSecrets creates that
// file with mode 0600 holding a fresh random hashing key (written under a unique name opened with
// O_EXCL|O_NOFOLLOW, fsynced, then linked), and says so on stderr; a secrets file its group or
// others can read is used with a warning on stderr. Secrets are never
// logged: Describe() names where they came from, not what they are.
//
// Secrets file format:
//   hash_key = "<64 hex digits>"
//   [dhis2]
//   url = "https://dhis2.example.org"
//   username = "admin"      # with password: Basic auth
//   password = "district"
//   token = "d2pat_..."     # or a personal access token
//   [postgres]              # the database source (--source postgresql://...)
//   password = "..."        # after a password in the URI and PGPASSWORD, before ~/.pgpass
//   encryption_key = "..."  # dhis.conf's encryption.password: reads confidential attributes
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace dhl::source {

// Looks an environment variable up (std::getenv in production; a map in tests).
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
EnvironmentLookup ProcessEnvironment();

struct Secrets {
  std::string url;  // DHIS2 base URL without /api; may be empty (then the config file's)
  std::string username;
  std::string password;
  std::string token;                    // a personal access token (d2pat_...)
  std::string postgres_password;        // [postgres] password
  std::string postgres_encryption_key;  // [postgres] encryption_key
  std::string hash_key;  // key of HMAC-SHA256 over personal attribute values; never empty
  std::string file;      // the secrets file that was read or created
  bool created = false;  // whether LoadSecrets created `file`

  // The HTTP Authorization header value ("ApiToken ..." or "Basic ..."), empty without credentials.
  std::string AuthorizationHeader() const;
};

// Reads the secrets as the header says. Errors: a named secrets file that does not exist or does
// not parse, or a file whose hash_key is missing or too short.
Result<Secrets> LoadSecrets(const EnvironmentLookup& environment);

}  // namespace dhl::source
