// Where to reach a Databricks workspace and how to authenticate, following Databricks' conventions:
// DATABRICKS_HOST and DATABRICKS_TOKEN (a personal access token), or a profile of the INI file
// DATABRICKS_CONFIG_FILE (default ~/.databrickscfg) chosen by DATABRICKS_CONFIG_PROFILE, else the
// file's [__settings__] default_profile, else [DEFAULT]. Environment values override the profile's.
// The token never appears in a message (ToString masks it). Values; thread-safe.
#pragma once

#include <string>

#include "base/status.h"
#include "source/secrets.h"

namespace dhl::databricks {

struct DatabricksCredentials {
  std::string host;          // "https://dbc-….cloud.databricks.com", no trailing '/'
  std::string token;         // sent as "Authorization: Bearer <token>"
  std::string profile;       // the profile used, empty when from the environment
  std::string warehouse_id;  // DATABRICKS_WAREHOUSE_ID or the profile's warehouse_id, if any
  // "host https://… (profile p)": for messages; never the token.
  std::string ToString() const;
};

// `home` is the folder holding .databrickscfg when DATABRICKS_CONFIG_FILE is unset. Errors are
// InvalidArgument naming what is missing (never a secret): no host, no token, an unknown profile, a
// profile that uses OAuth (client_id), which this client does not implement.
Result<DatabricksCredentials> ResolveCredentials(const source::EnvironmentLookup& environment,
                                                 const std::string& home);

}  // namespace dhl::databricks
