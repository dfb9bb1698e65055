// The records of a JSON page and the columns of a CSV header, as bronze reads them from a server's
// answer or an export folder's file. Pure functions of their input, thread-safe; fuzzed by
// src/source/export_folder_fuzz.cc.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dhl::source {

// CSV header names (lower case, as DHIS2 writes them) to JSON names.
const std::map<std::string, std::string>& CsvNames();

// Collects the records at `path` ("a[].b[].c": arrays nested in the elements of arrays) under
// `node` into `out` (copies). Missing parent keys (trackedEntity, enrollment, program) are filled
// in from the enclosing record; `parent` is null at the top. Recursion follows `path` only, but
// the copies recurse into each record: check the depth first (json_depth.h).
void CollectRecords(const nlohmann::json& node, std::string_view path, const nlohmann::json* parent,
                    std::vector<nlohmann::json>* out);

// The columns of a dataValueSets CSV header (the first line of `head`): JSON name -> the column as
// written (quotes removed), for the columns CsvNames knows. `*has_rows` says whether anything but
// blank lines follows the header.
std::map<std::string, std::string> CsvHeaderColumns(std::string_view head, bool* has_rows);

}  // namespace dhl::source
