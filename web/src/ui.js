// Small DOM and chart helpers shared by the pages.
import { echarts } from './charts.js';

export const palette = ['#1f6fb2', '#e07b39', '#3a9d5d', '#c2417a', '#7a5cc2', '#c9a227', '#2aa3a3', '#8c564b'];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const charts = new Set();

// A chart panel: a titled box whose chart is resized with the window and disposed on page change.
// Data points a chart draws (values that are not null), for tests and the empty-state message.
function pointCount(option) {
  let count = 0;
  for (const series of option.series ?? []) {
    for (const point of series.data ?? []) {
      const value = point !== null && typeof point === 'object' && !Array.isArray(point) ? point.value : point;
      const last = Array.isArray(value) ? value[value.length - 1] : value;
      if (last !== null && last !== undefined && last !== '-' && !Number.isNaN(Number(last))) count += 1;
    }
  }
  return count;
}

export function chartPanel(title, option, { height = 320, id } = {}) {
  const points = pointCount(option);
  const box = el('div', { class: 'chart', style: `height:${height}px`, 'data-chart': id ?? title, 'data-points': String(points) });
  const panel = el('section', { class: 'panel' }, el('h3', {}, title),
    points === 0 ? el('div', { class: 'message warn' }, 'No data for this selection.') : null, box);
  requestAnimationFrame(() => {
    const chart = echarts.init(box, null, { renderer: 'canvas' });
    chart.setOption({ color: palette, animationDuration: 300, ...option });
    charts.add(chart);
    box.dataset.drawn = 'true';
  });
  return panel;
}

export function disposeCharts() {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

window.addEventListener('resize', () => {
  for (const chart of charts) chart.resize();
});

export function panel(title, ...children) {
  return el('section', { class: 'panel' }, el('h3', {}, title), ...children);
}

export function message(text, kind = 'info') {
  return el('div', { class: `message ${kind}` }, text);
}

export function format(value, decimals = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return Number(value).toLocaleString(undefined, { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

// A table from rows of objects; `columns` is [key, label, formatter?].
export function table(rows, columns, { className = 'grid' } = {}) {
  const head = el('tr', {}, columns.map(([, label]) => el('th', {}, label)));
  const body = rows.map((row) =>
    el('tr', {}, columns.map(([key, , fmt]) => el('td', { class: typeof row[key] === 'number' ? 'num' : '' }, fmt ? fmt(row[key], row) : row[key] ?? '–'))),
  );
  return el('table', { class: className }, el('thead', {}, head), el('tbody', {}, body));
}

// A DHIS2 uid checked before it goes into a query (uids are 11 letters and digits, so they need no
// quoting beyond the surrounding quotes).
export function uid(text) {
  if (!/^[A-Za-z][A-Za-z0-9]{10}$/.test(String(text))) throw new Error(`not a DHIS2 uid: ${text}`);
  return `'${text}'`;
}
