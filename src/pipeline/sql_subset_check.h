// The token-level check that a model's SQL stays within the subset DuckDB and Spark SQL share
// (docs/models.md, "The shared SQL subset"). Conservative: it rejects DuckDB-only syntax and
// functions it knows of, and every ORDER BY item that does not say NULLS FIRST/LAST; it cannot
// prove that a query means the same on both engines. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dhl::pipeline {

struct SubsetViolation {
  int line = 0;
  std::string message;
  std::string ToString(std::string_view path) const;  // "<path>:<line>: <message>"
};

// Every violation in `text` (a model file), in order of appearance.
std::vector<SubsetViolation> CheckSharedSubset(std::string_view text);

}  // namespace dhl::pipeline
