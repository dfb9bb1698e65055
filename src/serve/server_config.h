// The [serve] section of dhis2lake.toml (the keys are listed in src/cli/serve_command.cc, and in
// docs/serve.md), applied over ServerOptions. Every bad value is an InvalidArgument naming the
// file and the key: a token entry without a secret, an unset token_env variable, and an
// `org_units = []` (which must not widen a token meant to see nothing to the whole country; omit
// org_units for the whole country).
#pragma once

#include <string>

#include "base/status.h"
#include "serve/server.h"

namespace dhl::serve {

// Reads `file` (nothing to do when empty or without [serve]) into `options`.
Status ApplyServeConfig(const std::string& file, ServerOptions& options);

}  // namespace dhl::serve
