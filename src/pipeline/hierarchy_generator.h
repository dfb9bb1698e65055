// Generators 'org_unit_ancestry' and 'org_unit_ancestry_dates': the org-unit hierarchy gold's
// roll-ups follow ([gold] hierarchy, GeneratorSettings::hierarchy; docs/gold_aggregate.md, "The
// hierarchy a value rolls up along"), as CTEs a model places in its WITH list.
//
// Both render a CTE `ancestry` with one row per unit and stretch of days over which its chain of
// ancestors stayed the same: uid, level, valid_from and valid_to (DATE; the stretch is valid_from
// <= day < valid_to, NULL meaning unbounded), node (the chain as a path, '/'-joined uids from the
// root), parent_node (the parent's node, NULL at the root) and level1_uid .. level8_uid (the chain,
// as VARCHAR); 'org_unit_ancestry_dates' adds opening_date and closed_date of the unit's version.
// - current (DHIS2): every current unit (valid_to NULL) once, unbounded, node = uid and parent_node
//   = its parent's uid, the chain its current path.
// - as_of_period: from silver.org_unit's versions (dated by CAST(valid_from AS DATE)): a unit's
//   parent is the one its version names, and the parent's own chain on the same days, so a moved
//   ancestor moves its whole subtree from its move date. The first known version holds from the
//   beginning of time (history starts at the first sync); a deleted unit's last version ends at the
//   deletion; versions that lasted less than a day are left out. A unit has one node per distinct
//   chain.
// The text refs silver.org_unit (the model declares it).
//
// Generator 'org_unit_node_join' (gold.aggregate): what a value row `f` (columns ou, end_date)
// joins to find its unit's node, as the text after JOIN, with alias u (columns ou, ou_id, unit_id):
// current, `unit` on the uid (one node per unit, on every day); as_of_period, `unit_stretch` (each
// unit's node on each stretch of days) on the uid and the stretch holding the period's end date.
#pragma once

#include <string>

#include "base/status.h"
#include "pipeline/generator.h"

namespace dhl::pipeline {

Result<std::string> GenerateOrgUnitAncestry(const GeneratorContext& context);
Result<std::string> GenerateOrgUnitAncestryWithDates(const GeneratorContext& context);
Result<std::string> GenerateOrgUnitNodeJoin(const GeneratorContext& context);

}  // namespace dhl::pipeline
