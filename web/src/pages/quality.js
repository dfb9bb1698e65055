// Data quality: completeness heat map (gold.dq_summary), outliers (gold.outlier), validation rule
// violations (gold.validation_violation) and rejected records (silver.rejects).
import { sql } from '../api.js';
import { state } from '../state.js';
import { el, chartPanel, panel, message, table, format } from '../ui.js';

let dataSet = null;

export async function quality(root, rerender) {
  const dataSets = (await sql('SELECT DISTINCT d.data_set, s.name FROM gold.dq_summary d LEFT JOIN silver.data_set s ON s.uid = d.data_set ORDER BY s.name NULLS LAST')) ?? [];
  if (!dataSets.length) {
    root.append(message('No data-quality summary yet (gold.dq_summary): run a full `dhis2lake sync`.', 'warn'));
  } else {
    dataSet = dataSets.some((d) => d.data_set === dataSet) ? dataSet : dataSets[0].data_set;
    const picker = el('select', { onchange: (e) => { dataSet = e.target.value; rerender(); } },
      dataSets.map((d) => el('option', { value: d.data_set, ...(d.data_set === dataSet ? { selected: 'true' } : {}) }, d.name ?? d.data_set)));
    root.append(el('div', { class: 'toolbar' }, el('label', { class: 'picker' }, 'Data set ', picker)));
    const cells = (await sql(`SELECT d.ou, o.name AS ou_name, d.pe, d.completeness, d.timeliness FROM gold.dq_summary d LEFT JOIN silver.org_unit o ON o.uid = d.ou AND o.is_current WHERE d.data_set = '${dataSet.replace(/[^A-Za-z0-9]/g, '')}' AND d.pe >= '${new Date().getFullYear() - 1}' ORDER BY d.pe NULLS LAST`)) ?? [];
    const periods = [...new Set(cells.map((c) => c.pe))].sort();
    const units = [...new Set(cells.map((c) => c.ou_name ?? c.ou))].sort();
    root.append(chartPanel('Completeness (%) by district and month', {
      tooltip: { position: 'top', formatter: (p) => `${units[p.value[1]]} ${periods[p.value[0]]}: ${format(p.value[2])}%` },
      grid: { left: 150, right: 20, top: 10, bottom: 80 },
      xAxis: { type: 'category', data: periods, splitArea: { show: true } },
      yAxis: { type: 'category', data: units, splitArea: { show: true } },
      visualMap: { min: 0, max: 100, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#b2182b', '#f4a582', '#f7f7f7', '#92c5de', '#2166ac'] } },
      series: [{ type: 'heatmap', data: cells.map((c) => [periods.indexOf(c.pe), units.indexOf(c.ou_name ?? c.ou), c.completeness === null ? '-' : Number(c.completeness)]) }],
    }, { height: Math.max(320, units.length * 18 + 120), id: 'completeness' }));
  }

  const outliers = await sql('SELECT e.name AS data_element, o.name AS org_unit, x.pe, x.value, x.z_score, x.modified_z_score, x.min, x.max FROM gold.outlier x LEFT JOIN silver.data_element e ON e.uid = x.de LEFT JOIN silver.org_unit o ON o.uid = x.ou AND o.is_current WHERE x.is_z_outlier OR x.is_modified_z_outlier OR x.is_min_max_outlier ORDER BY abs(x.modified_z_score) DESC NULLS LAST LIMIT 50');
  root.append(outliers === null ? message('No outlier table yet (gold.outlier).', 'warn') :
    panel(`Outliers (top ${outliers.length} by modified z-score)`, el('div', { class: 'scroll' }, table(outliers, [
      ['data_element', 'Data element'], ['org_unit', 'Org unit'], ['pe', 'Period'], ['value', 'Value', (v) => format(v, 2)],
      ['z_score', 'z', (v) => format(v, 2)], ['modified_z_score', 'Modified z', (v) => format(v, 2)], ['min', 'Min'], ['max', 'Max'],
    ]))));

  const violations = await sql('SELECT r.name AS rule, v.importance, count(*) AS violations, max(v.pe) AS latest FROM gold.validation_violation v LEFT JOIN silver.validation_rule r ON r.uid = v.rule GROUP BY r.name, v.importance ORDER BY count(*) DESC NULLS LAST LIMIT 50');
  root.append(violations === null ? message('No validation results yet (gold.validation_violation).', 'warn') :
    panel('Validation rule violations', table(violations, [['rule', 'Rule'], ['importance', 'Importance'], ['violations', 'Violations', (v) => format(v, 0)], ['latest', 'Latest period']])));

  const rejects = await sql('SELECT table_name, expectation, count(*) AS records FROM silver.rejects GROUP BY table_name, expectation ORDER BY count(*) DESC NULLS LAST');
  if (rejects !== null) {
    root.append(panel('Records rejected on the way to silver', table(rejects, [['table_name', 'Table'], ['expectation', 'Reason'], ['records', 'Records', (v) => format(v, 0)]])));
  }
  void state;
}
