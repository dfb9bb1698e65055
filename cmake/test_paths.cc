// The paths of cmake/test_paths.h, from the absolute ones cmake passes to this file alone.
#include "base/test_paths.h"

namespace dhl::test_paths {

const char* SourceDir() { return DHL_TEST_SOURCE_DIR; }
const char* BinaryDir() { return DHL_TEST_BINARY_DIR; }
const char* Cli() { return DHL_TEST_CLI; }

}  // namespace dhl::test_paths
