// Whole-file reads for small files (plans, markers, static assets), lock-file probes: errors as
// values.
#pragma once

#include <string>

#include "base/status.h"

namespace dhl {

// The bytes of the file at `path`; an I/O error naming the path when it cannot be opened or read.
Result<std::string> ReadWholeFile(const std::string& path);

// Whether a live process holds a flock on the file at `path` (false when it does not exist): the
// lock files of lake::WriterRegistry and engine::SpillFolder, whose owners hold them exclusively
// for as long as they live. flock does not reach across NFS.
Result<bool> IsFlockHeld(const std::string& path);

}  // namespace dhl
