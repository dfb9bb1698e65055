// Opens every page of the dashboard in Debian's chromium (driven by playwright-core from web/'s
// packages) and checks that charts, the map and tables are drawn with data and that the page logged
// no console errors. Screenshots go to the artifacts folder.
//   node tests/web/dashboard.mjs --url http://127.0.0.1:PORT/ --web DIR/web --out DIR
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const require = createRequire(path.join(path.resolve(args.web), 'package.json'));
const { chromium } = require('playwright-core');

const checks = {
  overview: { charts: ['overview-trend'], selector: '.card-value' },
  trends: { charts: ['trends'] },
  compare: { charts: ['compare'] },
  map: { charts: ['map'] },
  pivot: { selector: 'table[data-pivot] tbody td.num' },
  tracker: { charts: ['tracker-enrollments', 'tracker-indicator', 'tracker-map'] },
  quality: { charts: ['completeness'], selector: 'table.grid tbody tr' },
  pipeline: { charts: ['runs'], selector: 'table.grid tbody tr' },
};

mkdirSync(args.out, { recursive: true });
const browser = await chromium.launch({ executablePath: args.chromium ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'], headless: true });
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  for (const [name, check] of Object.entries(checks)) {
    const errorsBefore = consoleErrors.length;
    await page.goto(new URL(`#/${name}`, args.url).toString());
    try {
      await page.waitForSelector(`#page[data-ready="${name}"]`, { timeout: 30000 });
    } catch {
      failures.push(`${name}: the page did not finish loading in 30 s`);
      continue;
    }
    await page.waitForTimeout(400); // charts draw on the next animation frame
    const errorText = await page.$$eval('#page .message.error', (nodes) => nodes.map((n) => n.textContent));
    for (const text of errorText) failures.push(`${name}: error shown: ${text}`);
    for (const chart of check.charts ?? []) {
      const state = await page.$$eval(`[data-chart="${chart}"]`, (nodes) => nodes.map((n) => ({ drawn: n.dataset.drawn, points: Number(n.dataset.points), canvas: n.querySelectorAll('canvas').length })));
      if (!state.length) failures.push(`${name}: chart ${chart} missing`);
      else if (state[0].drawn !== 'true' || state[0].canvas === 0) failures.push(`${name}: chart ${chart} not drawn`);
      else if (!(state[0].points > 0)) failures.push(`${name}: chart ${chart} has no data`);
      else console.log(`${name}: chart ${chart} drawn with ${state[0].points} points`);
    }
    if (check.selector) {
      const cells = await page.$$eval(check.selector, (nodes) => nodes.filter((n) => n.textContent.trim() && n.textContent.trim() !== '–').length);
      if (cells === 0) failures.push(`${name}: nothing with data matches ${check.selector}`);
      else console.log(`${name}: ${cells} × ${check.selector}`);
    }
    await page.screenshot({ path: path.join(args.out, `${name}.png`), fullPage: true });
    for (const error of consoleErrors.slice(errorsBefore)) failures.push(`${name}: console error: ${error}`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(`dashboard: ${Object.keys(checks).length} pages drawn with data, no console errors; screenshots in ${args.out}`);
