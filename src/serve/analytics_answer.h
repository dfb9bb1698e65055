// The shape of an analytics answer, DHIS2's: headers {name, column, valueType, type, hidden, meta},
// metaData.items and metaData.dimensions (ouHierarchy with hierarchyMeta, ouNameHierarchy with
// showHierarchy), rows of strings, width, height, headerWidth; or CSV, a header line of the
// columns' names, then the rows.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "serve/analytics_query.h"

namespace dhl::serve::analytics {

// The answer body of `query` with `rows` (dimension items, value, and with includeNumDen the
// numerator, denominator, factor, multiplier and divisor), in `format` (json | csv).
// `hierarchy` / `name_hierarchy`: each org unit's ancestor uids / names; `extra_names`: more
// metaData items (the ancestors named in the hierarchy).
std::string Render(const Query& query, const std::vector<std::vector<std::string>>& rows,
                   const std::map<std::string, std::string>& hierarchy,
                   const std::map<std::string, std::string>& name_hierarchy,
                   const std::string& format,
                   const std::map<std::string, std::string>& extra_names);

}  // namespace dhl::serve::analytics
