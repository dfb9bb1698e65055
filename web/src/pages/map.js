// A choropleth of one indicator by org unit, drawn from the org units' own GeoJSON geometry (no tile
// server: the dashboard works offline).
import { echarts } from '../charts.js';
import { analytics, sql } from '../api.js';
import { state, orgUnit, childLevel, levelName } from '../state.js';
import { el, chartPanel, message, format, uid } from '../ui.js';

let indicator = null;
let mapLevel = null;

export async function map(root, rerender) {
  if (!state.indicators.length) {
    root.append(message('No indicators in the lake yet.', 'warn'));
    return;
  }
  indicator = indicator ?? state.indicators[0].uid;
  const maxLevel = Math.max(2, ...state.levels.map((l) => Number(l.level)));
  mapLevel = Math.min(Math.max(mapLevel ?? childLevel(), childLevel()), maxLevel);
  const indicatorSelect = el('select', { class: 'indicator-picker', onchange: (e) => { indicator = e.target.value; rerender(); } },
    state.indicators.map((i) => el('option', { value: i.uid, ...(i.uid === indicator ? { selected: 'true' } : {}) }, i.name)));
  const levelSelect = el('select', { onchange: (e) => { mapLevel = Number(e.target.value); rerender(); } },
    state.levels.filter((l) => Number(l.level) >= childLevel()).map((l) =>
      el('option', { value: l.level, ...(Number(l.level) === mapLevel ? { selected: 'true' } : {}) }, l.name)));
  root.append(el('div', { class: 'toolbar' }, el('label', { class: 'picker' }, 'Indicator ', indicatorSelect), el('label', { class: 'picker' }, 'Level ', levelSelect)));

  const unit = orgUnit(state.ou);
  const answer = await analytics({ dx: [indicator], ou: [`${state.ou};LEVEL-${mapLevel}`], filters: [`pe:${state.pe}`] });
  root.append(await choroplethPanel({
    level: mapLevel,
    title: `${answer.name(indicator)} by ${levelName(mapLevel)} — ${unit?.name ?? ''}`,
    valueOf: (ou) => answer.value(indicator, '', ou),
    id: 'map',
  }));
}

// A choropleth panel of the units of `level` under the selected org unit, drawn from their own
// GeoJSON geometry; `valueOf(uid)` gives each unit's value (undefined: none). A level without
// polygons gives a warning instead.
export async function choroplethPanel({ level, title, valueOf, id, decimals = 1 }) {
  const shapes = await sql(`SELECT uid, name, geometry FROM silver.org_unit WHERE is_current AND level = ${Number(level)} AND geometry IS NOT NULL AND strpos(path, ${uid(state.ou)}) > 0`);
  const features = [];
  for (const shape of shapes ?? []) {
    try {
      const geometry = typeof shape.geometry === 'string' ? JSON.parse(shape.geometry) : shape.geometry;
      if (geometry?.type === 'Polygon' || geometry?.type === 'MultiPolygon') {
        features.push({ type: 'Feature', properties: { name: shape.uid }, geometry });
      }
    } catch {
      // A unit whose geometry is not valid GeoJSON is left off the map.
    }
  }
  if (!features.length) {
    return message(`No polygon geometry for ${levelName(level)} units.`, 'warn');
  }
  const mapName = `ou-${state.ou}-${level}`;
  echarts.registerMap(mapName, { type: 'FeatureCollection', features });
  const data = features.map((f) => ({ name: f.properties.name, value: valueOf(f.properties.name) ?? null }));
  const values = data.map((d) => d.value).filter((v) => v !== null && !Number.isNaN(v));
  const names = Object.fromEntries((shapes ?? []).map((s) => [s.uid, s.name]));
  return chartPanel(title, {
    tooltip: { trigger: 'item', formatter: (p) => `${names[p.name] ?? p.name}: ${format(p.value, decimals)}` },
    visualMap: { min: values.length ? Math.min(...values) : 0, max: values.length ? Math.max(...values) : 1, calculable: true, left: 10, bottom: 10, inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
    series: [{ type: 'map', map: mapName, roam: true, data, emphasis: { label: { show: true, formatter: (p) => names[p.name] ?? p.name } }, nameProperty: 'name' }],
  }, { height: 560, id });
}
