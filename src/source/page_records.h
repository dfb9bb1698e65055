// The records of a JSON page and the columns of a CSV header, as bronze reads them from a server's
// answer or an export folder's file. Pure functions of their input, thread-safe; fuzzed by
// src/source/export_folder_fuzz.cc.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dhl::source {

// CSV header names (lower case, as DHIS2 writes them) to JSON names.
const std::map<std::string, std::string>& CsvNames();

// Collects the records at `path` ("a[].b[].c": arrays nested in the elements of arrays) under
// `node` into `out` (copies). Missing parent keys (trackedEntity, enrollment, program) are filled
// in from the enclosing record; `parent` is null at the top. Recursion follows `path` only, but
// the copies recurse into each record: check the depth first (json_depth.h).
void CollectRecords(const nlohmann::json& node, std::string_view path, const nlohmann::json* parent,
                    std::vector<nlohmann::json>* out);

// Checks that `text` is one complete JSON document with simdjson's DOM parser (structure, strings,
// numbers, UTF-8 validated at SIMD speed, no tree of objects built), nested at most kMaxJsonDepth
// levels (json_depth.h). Errors name `what`: InvalidArgument for invalid UTF-8 (with the record
// around it, invalid_utf8.h) or too deep a nesting, which asking again does not fix; Corruption
// for anything else (cut short, not JSON). `text` may grow in capacity (simdjson's padding).
Status CheckJsonText(std::string& text, const std::string& what);

// The members of a listed record (ForEachListedRecord), in the order asked: a string unescaped,
// another value as its JSON text as received, nullopt when the record lacks the member or it is
// null. The views live until the callback returns.
using ListedMembers = std::vector<std::optional<std::string_view>>;

// Streams the records of a flat list (`key` without "[]."; CollectRecords' rules: the document
// itself when `key` is empty and it is an array, DHIS2's `instances` when `key` is absent) with
// simdjson's on-demand API: no tree is built; `on_record` gets, for each record that is an object,
// the `members` asked and the record's JSON text as received. The document must have passed
// CheckJsonText (on-demand parsing validates only what it reads); an error of the callback stops
// the walk and is returned. Thread-compatible (one parser per call).
Status ForEachListedRecord(
    std::string& text, std::string_view key, const std::vector<std::string>& members,
    const std::function<Status(const ListedMembers& values, std::string_view record)>& on_record,
    const std::string& what);

// The columns of a dataValueSets CSV header (the first line of `head`): JSON name -> the column as
// written (quotes removed), for the columns CsvNames knows. `*has_rows` says whether anything but
// blank lines follows the header.
std::map<std::string, std::string> CsvHeaderColumns(std::string_view head, bool* has_rows);

}  // namespace dhl::source
