// Where a test finds the source tree (tests/data, models/), the build tree and the dhis2lake
// binary. For tests and benchmarks only. The paths are compiled into one small object
// (cmake/test_paths.cc, library dhl_test_paths, which every test target links), so no test file's
// object depends on where the tree lies: ccache shares them between clones and worktrees (their
// compile lines are the same).
#pragma once

namespace dhl::test_paths {

const char* SourceDir();
const char* BinaryDir();
const char* Cli();  // empty when this build has no dhis2lake (DHL_CORE_ONLY)

}  // namespace dhl::test_paths

#define DHL_SOURCE_DIR (::dhl::test_paths::SourceDir())
#define DHL_BINARY_DIR (::dhl::test_paths::BinaryDir())
// Only in test targets that run the CLI (tests/): cmake defines DHL_WITH_CLI for those, and
// `#ifdef DHL_CLI` tells the others apart.
#ifdef DHL_WITH_CLI
#define DHL_CLI (::dhl::test_paths::Cli())
#endif
