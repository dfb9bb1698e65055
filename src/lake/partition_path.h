// Partition directory names and the path encoding of add/remove paths (docs/delta.md §2, §5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/actions.h"

namespace dhl::lake {

inline constexpr std::string_view kHiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";

// Spark's escapePathName of a partition value (NULL/empty -> __HIVE_DEFAULT_PARTITION__ is the
// caller's business; see PartitionDirectory).
std::string HiveEscape(std::string_view value);
// Percent-encodes every byte outside the RFC 3986 unreserved, sub-delims, ':', '@' and '/'.
std::string UriEncodePath(std::string_view path);
// Decodes %XX sequences. Corruption when a '%' is not followed by two hex digits.
Result<std::string> UriDecodePath(std::string_view path);
// "p1=v1/p2=v2" (Hive-escaped values) for the partition columns in order; "" when none.
std::string PartitionDirectory(const std::vector<std::string>& partition_columns,
                               const PartitionValues& values);
// Whether a file with partition `file_values` belongs to partition `wanted`: every column of
// `wanted` has the same value, NULL and the empty string being the same (docs/delta.md §5).
bool SamePartition(const PartitionValues& file_values, const PartitionValues& wanted);
// "c1=v1, c2=NULL" for messages.
std::string PartitionText(const PartitionValues& values);

}  // namespace dhl::lake
