// A tracker programme: its enrollments and one of its program indicators over time at the selected
// org unit, and its enrollments by the level below on the map (/api/analytics/enrollments/aggregate
// and /api/analytics with the program indicator as dx).
import { analytics, sql, trackerCounts } from '../api.js';
import { state, orgUnit, childLevel, levelName } from '../state.js';
import { el, chartPanel, message, uid } from '../ui.js';
import { choroplethPanel } from './map.js';

let program = null;
let indicator = null;

function picker(label, className, options, selected, onChange) {
  const select = el('select', { class: className, onchange: (e) => onChange(e.target.value) },
    options.map((o) => el('option', { value: o.uid, ...(o.uid === selected ? { selected: 'true' } : {}) }, o.name)));
  return el('label', { class: 'picker' }, label, select);
}

export async function tracker(root, rerender) {
  const programs = await sql('SELECT e.program AS uid, coalesce(max(p.name), e.program) AS name, count(*) AS enrollments '
    + 'FROM gold.enrollment_analytics AS e LEFT JOIN bronze.metadata_program AS p ON p.id = e.program '
    + 'GROUP BY e.program ORDER BY enrollments DESC, name');
  if (!programs?.length) {
    root.append(message('No tracker enrollments in the lake yet.', 'warn'));
    return;
  }
  if (!programs.some((p) => p.uid === program)) program = programs[0].uid;
  const indicators = (await sql(`SELECT uid, name, decimals FROM silver.program_indicator WHERE program = ${uid(program)} ORDER BY name`)) ?? [];
  if (!indicators.some((i) => i.uid === indicator)) indicator = indicators[0]?.uid ?? null;
  root.append(el('div', { class: 'toolbar' },
    picker('Programme ', 'program-picker', programs, program, (value) => { program = value; rerender(); }),
    indicators.length ? picker('Program indicator ', 'indicator-picker', indicators, indicator, (value) => { indicator = value; rerender(); }) : null));

  const unit = orgUnit(state.ou);
  const level = childLevel();
  const [overTime, byUnit, values] = await Promise.all([
    trackerCounts('enrollments', program, { dimensions: [`pe:${state.pe}`, `ou:${state.ou}`] }),
    trackerCounts('enrollments', program, { dimensions: [`ou:${state.ou};LEVEL-${level}`], filters: [`pe:${state.pe}`] }),
    indicator ? analytics({ dx: [indicator], pe: [state.pe], ou: [state.ou] }) : null,
  ]);
  const programName = programs.find((p) => p.uid === program)?.name ?? program;
  root.append(chartPanel(`${programName}: enrollments — ${unit?.name ?? state.ou}`, {
    tooltip: { trigger: 'axis' },
    grid: { left: 50, right: 20, top: 20, bottom: 40 },
    xAxis: { type: 'category', data: overTime.pe.map(overTime.name) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: 'Enrollments', data: overTime.pe.map((pe) => overTime.value(pe, state.ou) ?? 0) }],
  }, { id: 'tracker-enrollments' }));
  if (values) {
    root.append(chartPanel(`${values.name(indicator)} — ${unit?.name ?? state.ou}`, {
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: 'category', data: values.pe.map(values.name) },
      yAxis: { type: 'value' },
      series: [{ type: 'line', name: values.name(indicator), data: values.pe.map((pe) => values.value(indicator, pe, state.ou) ?? null) }],
    }, { id: 'tracker-indicator' }));
  } else {
    root.append(message('This programme has no program indicators in the lake.', 'info'));
  }
  root.append(await choroplethPanel({
    level,
    title: `${programName}: enrollments by ${levelName(level)} — ${unit?.name ?? ''}`,
    valueOf: (ou) => byUnit.value('', ou),
    id: 'tracker-map',
    decimals: 0,
  }));
}
