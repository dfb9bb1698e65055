// What the pickers select, the metadata lists they offer, and the hash route.
import { sql } from './api.js';

export const RELATIVE_PERIODS = [
  ['LAST_12_MONTHS', 'Last 12 months'],
  ['THIS_YEAR', 'This year (months)'],
  ['LAST_YEAR', 'Last year (months)'],
  ['LAST_4_QUARTERS', 'Last 4 quarters'],
  ['LAST_5_YEARS', 'Last 5 years'],
];

export const state = {
  ou: null, // the selected org unit uid (default: the root)
  pe: 'LAST_12_MONTHS',
  orgUnits: [], // current org units down to level 3: {uid, name, level, parent, path}
  levels: [], // {level, name}
  indicators: [], // {uid, name, decimals}
};

export function orgUnit(uid) {
  return state.orgUnits.find((unit) => unit.uid === uid);
}

// The period items a relative choice stands for when one period is needed ("latest").
export function periodDimension() {
  return [state.pe];
}

export async function loadMetadata() {
  const [units, levels, indicators] = await Promise.all([
    sql('SELECT uid, name, level, parent, path FROM silver.org_unit WHERE is_current AND level <= 3 ORDER BY level NULLS LAST, name NULLS LAST'),
    sql('SELECT level, name FROM silver.org_unit_level ORDER BY level NULLS LAST'),
    sql('SELECT uid, name, decimals FROM silver.indicator ORDER BY name NULLS LAST'),
  ]);
  state.orgUnits = units ?? [];
  state.levels = levels ?? [];
  state.indicators = indicators ?? [];
  if (!state.ou && state.orgUnits.length) state.ou = state.orgUnits[0].uid;
}

export function levelName(level) {
  return state.levels.find((l) => Number(l.level) === Number(level))?.name ?? `Level ${level}`;
}

export function childLevel() {
  const unit = orgUnit(state.ou);
  return unit ? Number(unit.level) + 1 : 2;
}
