// Whether a model's freshly computed rows equal what its table holds, decided in one linear scan of
// each side instead of a set difference (docs/models.md, "How a run works").
//
// A side's fingerprint, per partition tuple of the table (one when unpartitioned), is its row count
// and two sums, as HUGEINT, of two independent order-free 64-bit row hashes: DuckDB's hash() over
// the compared columns in their order, and hash() over a constant salt then the columns in reverse
// order. Sums make it order-independent and count duplicates (a row twice differs from once); NULL
// hashes unlike '' and 0, and a value moved to another column changes both hashes. Doubles are
// hashed as FingerprintDouble gives them (31 significant bits, about 9.3 decimal digits; magnitudes
// under 1e-10 as 0), so that the last bits a parallel sum flips from run to run, and the noise left
// when such sums cancel ((value - mean) / sd of 1e-16 instead of 0), do not count as a change (nor
// does a genuine change under 1e-10, or one within a step of that grid, 2^-30 of the value at
// most, that crosses no boundary of it);
// -0.0 and 0.0 hash alike, as do NaNs. Doubles inside lists and structs are hashed as they are. A
// value whose jitter still straddles a boundary of the grid (about 2^-22, 2.4e-7, per unit in the
// last place of jitter per computed double per run) counts as a change: a model whose doubles come
// from parallel sums over many rows can then commit an unchanged result, only the partitions
// holding such a value; only sums made exact in the model (DECIMAL) avoid that.
//
// Collision risk: two different row multisets of one partition look the same only if their counts
// are equal and both 64-bit sums collide. For hashes that behave randomly that is about 2^-128 per
// comparison (2^-64 if the two hashes were not independent); a row whose value changes into another
// value of the same 64-bit hash (DuckDB's per-value hash, not cryptographic) is missed with
// probability about 2^-64 per changed value. A missed change leaves the table one run behind: the
// next change of that partition, or `sync --full`, writes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/connection.h"
#include "lake/actions.h"

namespace dhl::pipeline {

struct RowFingerprint {
  int64_t rows = 0;
  std::string hash_sum;   // decimal text of the HUGEINT sum ("0" for no rows)
  std::string check_sum;  // the second, independent hash's sum

  bool operator==(const RowFingerprint&) const = default;
};

// Fingerprints per partition tuple (values as CAST(column AS VARCHAR), NULL as nullopt); without
// partition columns one entry under the empty tuple, also for no rows.
using Fingerprints = std::map<lake::PartitionValues, RowFingerprint>;

// A double as the fingerprints hash it: NaN and infinities as they are; magnitudes under 1e-10 as
// 0.0 (also -0.0); any other value rounded to 31 significant bits (the low 22 of its 52 fraction
// bits cleared, one step of the grid 2^-30 to 2^-31 of the value), so a whole number under 2^31
// (2,147,483,648) is itself. The rounding is to nearest except that the boundary between two grid
// points lies 2^12 units in the last place (2^-40 of the value) below their midpoint: a value on
// the midpoint itself has few significant bits (a whole number between 2^31 and 2^32 that is odd,
// 0.5 more than a whole number between 2^30 and 2^31, a sum of halves and quarters) and comes out
// of a parallel sum with a few units of jitter, which must not decide its side; a value on the
// moved boundary has 41 significant bits ending in nine ones, which neither short binary nor short
// decimal numbers have. Native code (an engine function), since the same rule as a SQL expression
// (a CASE, abs, multiplications DuckDB checks for overflow) cost more than reading and hashing the
// column.
double FingerprintDouble(double value);

// The fingerprints of `relation` (a table, view or parenthesised SELECT) over `columns` (name and
// DuckDB type as DESCRIBE gives them; the type picks the double rounding), grouped by
// `partition_columns`. `where` (a SQL condition, empty = all rows) restricts the rows read.
Result<Fingerprints> ComputeFingerprints(
    engine::Connection& connection, const std::string& relation,
    const std::vector<std::pair<std::string, std::string>>& columns,
    const std::vector<std::string>& partition_columns, const std::string& where = "");

// Per partition, `base` plus `added` less `removed` (the fingerprints of a partition's rows after
// adding some rows and removing others it held: sums make that exact). A partition left with no
// rows is absent from the result, as ComputeFingerprints gives none for it (without partition
// columns, the empty tuple stays, with 0 rows).
Result<Fingerprints> AddFingerprints(engine::Connection& connection, const Fingerprints& base,
                                     const Fingerprints& added, const Fingerprints& removed);

// The partition tuples whose fingerprints differ between `before` and `after` (present in only one
// counts as differing), in order.
std::vector<lake::PartitionValues> DifferingPartitions(const Fingerprints& before,
                                                       const Fingerprints& after);

// A whole table's fingerprints at one Delta version, as the runner records them with a model run
// (ops.model_run.fingerprints) so that the next run need not read the table. They stand for the
// table only while it is still at `version` (a commit by anything else, `optimize` included, makes
// a new version) and while `format` (FingerprintFormat: these rules and the engine's version, whose
// hash() they rely on) is the current one; otherwise the table is read.
struct TableFingerprints {
  int64_t version = -1;
  std::string format;
  std::vector<std::string> partition_columns;
  Fingerprints partitions;
};

// The rules' version and the engine's ("1/v1.4.4").
Result<std::string> FingerprintFormat(engine::Connection& connection);

// As JSON text for ops.model_run, and back (nullopt for text it cannot read: the table is read).
std::string TableFingerprintsText(const TableFingerprints& fingerprints);
std::optional<TableFingerprints> ParseTableFingerprints(const std::string& text);

// A SQL condition selecting the rows of the partition tuples `partitions` (values compared as
// CAST(column AS VARCHAR)); "FALSE" when there are none.
std::string PartitionCondition(const std::vector<lake::PartitionValues>& partitions);

}  // namespace dhl::pipeline
