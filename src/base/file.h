// Whole-file reads for small files (plans, markers, static assets): errors as values.
#pragma once

#include <string>

#include "base/status.h"

namespace dhl {

// The bytes of the file at `path`; an I/O error naming the path when it cannot be opened or read.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace dhl
