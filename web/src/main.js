// The dashboard: a hash router over the pages, the org-unit and period pickers, and error display.
import './style.css';
import { health } from './api.js';
import { state, loadMetadata, RELATIVE_PERIODS } from './state.js';
import { el, disposeCharts, message } from './ui.js';
import { overview, trends, compare, pivot } from './pages/indicators.js';
import { map } from './pages/map.js';
import { quality } from './pages/quality.js';
import { pipeline } from './pages/pipeline.js';
import { tracker } from './pages/tracker.js';

const pages = { overview, trends, compare, map, pivot, tracker, quality, pipeline };
const page = document.getElementById('page');

function route() {
  const name = window.location.hash.replace(/^#\/?/, '') || 'overview';
  return pages[name] ? name : 'overview';
}

let rendering = 0;
async function render() {
  const ticket = ++rendering;
  const name = route();
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.getAttribute('href') === `#/${name}`);
  }
  disposeCharts();
  const content = el('div', { class: `page page-${name}`, 'data-page': name });
  page.replaceChildren(el('div', { class: 'loading' }, 'Loading…'));
  try {
    await pages[name](content, render);
    if (ticket !== rendering) return;
    page.replaceChildren(content);
    page.dataset.ready = name;
  } catch (error) {
    if (ticket !== rendering) return;
    page.replaceChildren(content, message(`Could not load this page: ${error.message}`, 'error'));
    page.dataset.ready = name;
  }
}

function fillPickers() {
  const ouPicker = document.getElementById('ou-picker');
  ouPicker.replaceChildren(...state.orgUnits.map((unit) =>
    el('option', { value: unit.uid, ...(unit.uid === state.ou ? { selected: 'true' } : {}) }, `${'\u00a0\u00a0'.repeat(Math.max(0, Number(unit.level) - 1))}${unit.name}`)));
  ouPicker.onchange = () => { state.ou = ouPicker.value; render(); };
  const pePicker = document.getElementById('pe-picker');
  pePicker.replaceChildren(...RELATIVE_PERIODS.map(([id, label]) =>
    el('option', { value: id, ...(id === state.pe ? { selected: 'true' } : {}) }, label)));
  pePicker.onchange = () => { state.pe = pePicker.value; render(); };
}

async function start() {
  try {
    const status = await health();
    document.getElementById('footer').textContent = `dhis2-lakehouse ${status?.version ?? ''} · lake ${status?.lake ?? ''}`;
  } catch {
    document.getElementById('footer').textContent = 'dhis2-lakehouse';
  }
  try {
    await loadMetadata();
  } catch (error) {
    page.replaceChildren(message(`Could not read the lake's metadata: ${error.message}`, 'error'));
    return;
  }
  fillPickers();
  window.addEventListener('hashchange', render);
  await render();
}

start();
