// Overview, trends, comparison and pivot table: indicators from /api/analytics.
import { analytics } from '../api.js';
import { state, orgUnit, childLevel, levelName } from '../state.js';
import { el, chartPanel, panel, message, format } from '../ui.js';

function decimalsOf(uid) {
  const decimals = state.indicators.find((i) => i.uid === uid)?.decimals;
  return decimals === null || decimals === undefined ? 1 : Number(decimals);
}

function indicatorPicker(selected, onChange, { multiple = false } = {}) {
  const select = el('select', { class: 'indicator-picker', ...(multiple ? { multiple: 'true', size: '6' } : {}) },
    state.indicators.map((i) => el('option', { value: i.uid, ...(selected.includes(i.uid) ? { selected: 'true' } : {}) }, i.name)));
  select.addEventListener('change', () => onChange([...select.selectedOptions].map((o) => o.value)));
  return el('label', { class: 'picker' }, multiple ? 'Indicators ' : 'Indicator ', select);
}

let chosen = null;
function chosenIndicators(count) {
  if (!chosen || !chosen.length) chosen = state.indicators.slice(0, count).map((i) => i.uid);
  return chosen.slice(0, Math.max(count, 1));
}

export async function overview(root) {
  if (!state.indicators.length) {
    root.append(message('No indicators in the lake yet: run `dhis2lake sync` first.', 'warn'));
    return;
  }
  const dx = state.indicators.slice(0, 8).map((i) => i.uid);
  const answer = await analytics({ dx, pe: [state.pe], ou: [state.ou] });
  const unit = orgUnit(state.ou);
  root.append(el('h2', {}, `Key indicators — ${unit?.name ?? state.ou}`));
  const cards = el('div', { class: 'cards' });
  for (const id of answer.dx) {
    const series = answer.pe.map((pe) => answer.value(id, pe, state.ou) ?? null);
    const last = [...series].reverse().find((v) => v !== null && v !== undefined);
    const card = el('div', { class: 'card' },
      el('div', { class: 'card-title' }, answer.name(id)),
      el('div', { class: 'card-value' }, format(last, decimalsOf(id))),
      el('div', { class: 'card-sub' }, `latest of ${answer.pe.length} periods`));
    cards.append(card);
  }
  root.append(cards);
  const first = answer.dx.slice(0, 4);
  root.append(chartPanel('Trend of the first indicators', {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: answer.pe.map(answer.name) },
    yAxis: { type: 'value' },
    series: first.map((id) => ({ type: 'line', name: answer.name(id), smooth: true, data: answer.pe.map((pe) => answer.value(id, pe, state.ou) ?? null) })),
  }, { id: 'overview-trend' }));
}

export async function trends(root, rerender) {
  const dx = chosenIndicators(3);
  root.append(el('div', { class: 'toolbar' }, indicatorPicker(dx, (ids) => { chosen = ids; rerender(); }, { multiple: true })));
  const answer = await analytics({ dx, pe: [state.pe], ou: [state.ou] });
  root.append(chartPanel(`Trends — ${orgUnit(state.ou)?.name ?? state.ou}`, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: answer.pe.map(answer.name) },
    yAxis: { type: 'value' },
    dataZoom: [{ type: 'slider', bottom: 10 }],
    series: answer.dx.map((id) => ({ type: 'line', name: answer.name(id), data: answer.pe.map((pe) => answer.value(id, pe, state.ou) ?? null) })),
  }, { height: 420, id: 'trends' }));
}

export async function compare(root, rerender) {
  const dx = chosenIndicators(1).slice(0, 1);
  root.append(el('div', { class: 'toolbar' }, indicatorPicker(dx, (ids) => { chosen = ids; rerender(); })));
  const level = childLevel();
  const answer = await analytics({ dx, ou: [`${state.ou};LEVEL-${level}`], filters: [`pe:${state.pe}`] });
  const units = answer.ou
    .map((ou) => ({ ou, value: answer.value(dx[0], '', ou) }))
    .filter((u) => u.value !== undefined)
    .sort((a, b) => b.value - a.value);
  root.append(chartPanel(`${answer.name(dx[0])} by ${levelName(level)}`, {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 140, right: 30, top: 20, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: units.map((u) => answer.name(u.ou)) },
    series: [{ type: 'bar', data: units.map((u) => u.value), label: { show: true, position: 'right', formatter: (p) => format(p.value, decimalsOf(dx[0])) } }],
  }, { height: Math.max(300, units.length * 24 + 60), id: 'compare' }));
}

export async function pivot(root, rerender) {
  const dx = chosenIndicators(3);
  root.append(el('div', { class: 'toolbar' }, indicatorPicker(dx, (ids) => { chosen = ids; rerender(); }, { multiple: true })));
  const level = childLevel();
  const answer = await analytics({ dx, pe: [state.pe], ou: [`${state.ou};LEVEL-${level}`] });
  const head = el('tr', {}, el('th', {}, 'Indicator'), el('th', {}, levelName(level)), answer.pe.map((pe) => el('th', {}, answer.name(pe))));
  const rows = [];
  for (const id of answer.dx) {
    answer.ou.forEach((ou, i) => {
      rows.push(el('tr', {},
        i === 0 ? el('th', { rowspan: String(answer.ou.length), class: 'row-group' }, answer.name(id)) : null,
        el('th', {}, answer.name(ou)),
        answer.pe.map((pe) => el('td', { class: 'num' }, format(answer.value(id, pe, ou), decimalsOf(id))))));
    });
  }
  root.append(panel(`Pivot table — ${orgUnit(state.ou)?.name ?? ''}`,
    el('div', { class: 'scroll' }, el('table', { class: 'grid pivot', 'data-pivot': 'true' }, el('thead', {}, head), el('tbody', {}, rows)))));
}
