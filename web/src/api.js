// The server's API as the dashboard uses it: DHIS2's /api/analytics for figures, /api/sql for lists
// (metadata, data quality, pipeline runs). A token given once as ?token=… is kept in localStorage and
// sent as a bearer token; without one the server (loopback, no tokens configured) serves everything.

const TOKEN_KEY = 'dhis2lake.token';

function token() {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) localStorage.setItem(TOKEN_KEY, fromUrl);
  return localStorage.getItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function get(path, params) {
  const url = new URL(path, window.location.href);
  for (const [key, value] of params ?? []) url.searchParams.append(key, value);
  const headers = { Accept: 'application/json' };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body?.message ?? body?.error ?? (text.slice(0, 300) || response.statusText);
    throw new ApiError(response.status, `${path}: ${message}`);
  }
  return body;
}

// Rows of a /api/sql answer as objects, whatever of the two usual shapes the server answers with
// ({columns, rows} or an array of objects).
function rowsOf(body) {
  if (Array.isArray(body)) return body;
  const rows = body?.rows ?? body?.data ?? [];
  const columns = (body?.columns ?? body?.headers ?? []).map((c) => (typeof c === 'string' ? c : c.name));
  if (!rows.length || !Array.isArray(rows[0])) return rows;
  return rows.map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
}

const sqlCache = new Map();

// Rows of a read-only query; NULL when the table does not exist yet (a lake that has not run gold).
export async function sql(query, { cache = true } = {}) {
  if (cache && sqlCache.has(query)) return sqlCache.get(query);
  const promise = get('api/sql', [['q', query]])
    .then(rowsOf)
    .catch((error) => {
      sqlCache.delete(query);
      if (error instanceof ApiError && /does not exist|not found|Catalog Error/i.test(error.message)) return null;
      throw error;
    });
  if (cache) sqlCache.set(query, promise);
  return promise;
}

// A DHIS2 analytics answer reduced to what charts need: the dimension items in their order, their
// names, and a value lookup.
// A dimension given as an empty list is left out (put it in `filters` to aggregate over it); value()
// then takes '' for it.
export async function analytics({ dx = [], pe = [], ou = [], filters = [] }) {
  const params = [];
  for (const [name, items] of [['dx', dx], ['pe', pe], ['ou', ou]]) {
    if (items.length) params.push(['dimension', `${name}:${items.join(';')}`]);
  }
  params.push(['displayProperty', 'NAME']);
  for (const filter of filters) params.push(['filter', filter]);
  const body = await get('api/analytics', params);
  const index = Object.fromEntries(body.headers.map((h, i) => [h.name, i]));
  const at = (row, name) => (index[name] === undefined ? '' : row[index[name]]);
  const values = new Map();
  for (const row of body.rows) {
    values.set(`${at(row, 'dx')}|${at(row, 'pe')}|${at(row, 'ou')}`, Number(row[index.value]));
  }
  const items = body.metaData?.items ?? {};
  const dims = body.metaData?.dimensions ?? {};
  return {
    dx: dx.length ? dims.dx ?? dx : [],
    pe: pe.length ? dims.pe ?? pe : [],
    ou: ou.length ? dims.ou ?? ou : [],
    name: (id) => items[id]?.name ?? id,
    value: (dxId, peId, ouId) => values.get(`${dxId}|${peId}|${ouId}`),
    raw: body,
  };
}

// Counts from DHIS2's aggregate tracker analytics (`endpoint` 'events' or 'enrollments') of
// `program`: `dimensions` and `filters` as DHIS2 writes them ('pe:LAST_12_MONTHS', 'ou:uid;LEVEL-3').
// value(pe, ou) looks a count up ('' for a dimension given as filter).
export async function trackerCounts(endpoint, program, { dimensions = [], filters = [] }) {
  const params = [...dimensions.map((d) => ['dimension', d]), ...filters.map((f) => ['filter', f])];
  const body = await get(`api/analytics/${endpoint}/aggregate/${encodeURIComponent(program)}`, params);
  const index = Object.fromEntries(body.headers.map((h, i) => [h.name, i]));
  const at = (row, name) => (index[name] === undefined ? '' : row[index[name]]);
  const values = new Map(body.rows.map((row) => [`${at(row, 'pe')}|${at(row, 'ou')}`, Number(row[index.value])]));
  const items = body.metaData?.items ?? {};
  return {
    pe: body.metaData?.dimensions?.pe ?? [],
    ou: body.metaData?.dimensions?.ou ?? [],
    name: (id) => items[id]?.name ?? id,
    value: (pe, ou) => values.get(`${pe}|${ou}`),
  };
}

export function health() {
  return get('health');
}
