// Pipeline runs, model durations and row counts, failures and freshness per table (ops tables).
import { sql } from '../api.js';
import { el, chartPanel, panel, message, table, format } from '../ui.js';

function ago(timestamp) {
  if (!timestamp) return '–';
  const seconds = (Date.now() - new Date(timestamp).getTime()) / 1000;
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export async function pipeline(root) {
  const runs = await sql('SELECT run_id, status, started_at, ended_at, full_refresh, models_succeeded, models_skipped, models_failed, rows_out FROM ops.pipeline_run ORDER BY started_at DESC NULLS LAST LIMIT 30', { cache: false });
  if (runs === null || !runs.length) {
    root.append(message('No pipeline runs recorded yet (ops.pipeline_run).', 'warn'));
    return;
  }
  const ordered = [...runs].reverse();
  const seconds = (r) => (new Date(r.ended_at) - new Date(r.started_at)) / 1000;
  root.append(chartPanel('Run durations (s)', {
    tooltip: { trigger: 'axis' },
    grid: { left: 50, right: 20, top: 20, bottom: 40 },
    xAxis: { type: 'category', data: ordered.map((r) => new Date(r.started_at).toLocaleString()) },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: ordered.map((r) => ({ value: seconds(r), itemStyle: { color: r.status === 'succeeded' ? '#3a9d5d' : '#b2182b' } })) }],
  }, { height: 260, id: 'runs' }));
  root.append(panel('Runs', table(runs, [
    ['started_at', 'Started', (v) => new Date(v).toLocaleString()], ['status', 'Status', (v) => el('span', { class: `status ${v}` }, v)],
    ['full_refresh', 'Full'], ['models_succeeded', 'Models run'], ['models_skipped', 'Skipped'], ['models_failed', 'Failed'], ['rows_out', 'Rows written', (v) => format(v, 0)],
  ])));
  // [gold] hierarchy of the latest run (ops.pipeline_run.hierarchy; absent in runs of older
  // releases): which hierarchy gold.aggregate, gold.reporting_rate and the indicators roll up along.
  const hierarchy = await sql('SELECT hierarchy FROM ops.pipeline_run WHERE hierarchy IS NOT NULL ORDER BY started_at DESC NULLS LAST LIMIT 1', { cache: false });
  if (hierarchy !== null && hierarchy.length) {
    root.append(message(hierarchy[0].hierarchy === 'as_of_period'
      ? 'Hierarchy: as_of_period. Each value and expected report rolls up along its unit\'s ancestors as they were at the end of its period (silver.org_unit history; before the first sync, the first known version).'
      : 'Hierarchy: current (as DHIS2). Every period rolls up along today\'s org-unit hierarchy.', 'info'));
  }
  const latest = runs[0].run_id.replace(/[^A-Za-z0-9-]/g, '');
  const models = (await sql(`SELECT model, status, rows_in, rows_out, rows_rejected, bytes, CAST(epoch(ended_at) - epoch(started_at) AS DOUBLE) AS seconds, error FROM ops.model_run WHERE run_id = '${latest}' ORDER BY started_at NULLS LAST`, { cache: false })) ?? [];
  root.append(panel('Models of the latest run', table(models, [
    ['model', 'Model'], ['status', 'Status', (v) => el('span', { class: `status ${v}` }, v)], ['rows_in', 'Rows in', (v) => format(v, 0)], ['rows_out', 'Rows out', (v) => format(v, 0)],
    ['rows_rejected', 'Rejected', (v) => format(v, 0)], ['seconds', 'Seconds', (v) => format(v, 2)], ['error', 'Error'],
  ])));
  // What the latest metadata's expressions became (ops.expression_status; absent before a run
  // built gold.indicator_value or gold.validation_violation).
  const expressions = await sql("SELECT object_type, count(*) FILTER (WHERE status = 'computed') AS computed, count(*) FILTER (WHERE status = 'refused') AS refused FROM ops.expression_status GROUP BY object_type ORDER BY object_type", { cache: false });
  if (expressions !== null && expressions.length) {
    root.append(panel('Expressions (ops.expression_status)', table(expressions, [
      ['object_type', 'Object type'], ['computed', 'Computed', (v) => format(v, 0)], ['refused', 'Refused', (v) => format(v, 0)],
    ])));
    const refused = (await sql("SELECT object_type, uid, position, reason FROM ops.expression_status WHERE status = 'refused' ORDER BY object_type, uid LIMIT 200", { cache: false })) ?? [];
    if (refused.length) {
      root.append(panel('Refused expressions', table(refused, [
        ['object_type', 'Object type'], ['uid', 'UID'], ['position', 'Character'], ['reason', 'Reason'],
      ])));
    }
  }
  const freshness = (await sql("SELECT model, max(ended_at) AS last_success FROM ops.model_run WHERE status = 'succeeded' GROUP BY model ORDER BY model NULLS LAST", { cache: false })) ?? [];
  root.append(panel('Freshness per table', table(freshness, [['model', 'Table'], ['last_success', 'Last built', (v) => `${new Date(v).toLocaleString()} (${ago(v)})`]])));
}
