// The recordings list's filters: read from and written to the page's query
// string (so a filtered list can be bookmarked and shared), turned into the
// list endpoint's query parameters, and into PostHog's universal filters
// for a saved-filter playlist.

export const DATE_CHOICES = [
  ['all', 'Any time'],
  ['-24h', 'Last 24 hours'],
  ['-3d', 'Last 3 days'],
  ['-7d', 'Last 7 days'],
  ['-30d', 'Last 30 days'],
  ['custom', 'Between dates…'],
];

export const PAGE_SIZE = 25;

// The filter state: strings as in the query string.
export function readFilters(search) {
  const q = new URLSearchParams(search);
  const f = {
    date: q.get('date') || 'all',
    from: q.get('from') || '',
    to: q.get('to') || '',
    minDuration: q.get('min_duration') || '',
    url: q.get('url') || '',
    errors: q.get('errors') === '1',
    person: q.get('person') || '',
    personBy: q.get('person_by') === 'distinct_id' ? 'distinct_id' : 'email',
    page: Math.max(1, parseInt(q.get('page') || '1', 10) || 1),
  };
  if (!DATE_CHOICES.some(([v]) => v === f.date)) f.date = 'all';
  return f;
}

export function writeFilters(f) {
  const q = new URLSearchParams();
  if (f.date && f.date !== 'all') q.set('date', f.date);
  if (f.date === 'custom') {
    if (f.from) q.set('from', f.from);
    if (f.to) q.set('to', f.to);
  }
  if (f.minDuration) q.set('min_duration', f.minDuration);
  if (f.url) q.set('url', f.url);
  if (f.errors) q.set('errors', '1');
  if (f.person) {
    q.set('person', f.person);
    if (f.personBy !== 'email') q.set('person_by', f.personBy);
  }
  if (f.page > 1) q.set('page', String(f.page));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// isFiltered reports whether anything narrows the list.
export function isFiltered(f) {
  return f.date !== 'all' || Boolean(f.minDuration || f.url || f.errors || f.person);
}

// dateBounds turns the date choice into date_from and date_to (ISO or
// relative). A custom range covers whole local days.
export function dateBounds(f) {
  if (f.date === 'custom') {
    const from = f.from ? new Date(`${f.from}T00:00:00`) : null;
    const to = f.to ? new Date(`${f.to}T23:59:59.999`) : null;
    return {
      date_from: from && !Number.isNaN(from.getTime()) ? from.toISOString() : null,
      date_to: to && !Number.isNaN(to.getTime()) ? to.toISOString() : null,
    };
  }
  return { date_from: f.date === 'all' ? null : f.date, date_to: null };
}

function minSeconds(f) {
  const n = Number(f.minDuration);
  return f.minDuration !== '' && Number.isFinite(n) && n > 0 ? n : null;
}

// propertyFilters are the filters both the list and a playlist express as
// property filters.
function propertyFilters(f) {
  const out = [];
  if (f.url) out.push({ type: 'recording', key: 'visited_page', operator: 'icontains', value: f.url });
  if (f.errors) out.push({ type: 'recording', key: 'console_error_count', operator: 'gt', value: 0 });
  if (f.person && f.personBy === 'email') {
    out.push({ type: 'person', key: 'email', operator: 'icontains', value: f.person });
  }
  return out;
}

// listQuery is the query of GET .../session_recordings/ for f.
export function listQuery(f) {
  const { date_from, date_to } = dateBounds(f);
  const q = {
    limit: PAGE_SIZE,
    offset: (f.page - 1) * PAGE_SIZE,
    order: 'start_time',
    order_direction: 'DESC',
    date_from,
    date_to,
  };
  const min = minSeconds(f);
  if (min !== null) q.having_predicates = [{ type: 'recording', key: 'duration', operator: 'gte', value: min }];
  const props = propertyFilters(f);
  if (props.length) q.properties = props;
  if (f.person && f.personBy === 'distinct_id') q.distinct_ids = [f.person];
  return q;
}

// canSave reports whether f can be saved as universal filters, and if not why.
export function unsavable(f) {
  if (f.person && f.personBy === 'distinct_id') {
    return 'A filter on an exact distinct id cannot be saved: saved filters have no distinct-id filter. Filter by email instead.';
  }
  return '';
}

// universalFilters are f as PostHog's universal filters (a saved-filter
// playlist's "filters").
export function universalFilters(f) {
  const { date_from, date_to } = dateBounds(f);
  const u = {
    date_from: date_from || 'all',
    date_to,
    duration: [],
    filter_group: { type: 'AND', values: [{ type: 'AND', values: propertyFilters(f) }] },
    filter_test_accounts: false,
    order: 'start_time',
    order_direction: 'DESC',
  };
  const min = minSeconds(f);
  if (min !== null) u.duration.push({ type: 'recording', key: 'duration', operator: 'gte', value: min });
  return u;
}

// describe lists f's filters for people ("visited page contains /checkout", ...).
export function describe(f) {
  const out = [];
  const choice = DATE_CHOICES.find(([v]) => v === f.date);
  if (f.date === 'custom') out.push(`started ${f.from ? `from ${f.from}` : ''}${f.from && f.to ? ' ' : ''}${f.to ? `until ${f.to}` : ''}`.trim());
  else if (f.date !== 'all' && choice) out.push(choice[1].toLowerCase());
  const min = minSeconds(f);
  if (min !== null) out.push(`at least ${min} s long`);
  if (f.url) out.push(`visited a page containing “${f.url}”`);
  if (f.errors) out.push('with console errors');
  if (f.person) out.push(f.personBy === 'email' ? `person's email contains “${f.person}”` : `distinct id is “${f.person}”`);
  return out;
}

// shortName is a default name for a playlist of f ("Last 7 days · “/checkout” · errors").
export function shortName(f) {
  const out = [];
  const choice = DATE_CHOICES.find(([v]) => v === f.date);
  if (f.date === 'custom') out.push([f.from, f.to].filter(Boolean).join(' – '));
  else if (f.date !== 'all' && choice) out.push(choice[1]);
  const min = minSeconds(f);
  if (min !== null) out.push(`≥ ${min} s`);
  if (f.url) out.push(`“${f.url}”`);
  if (f.errors) out.push('with errors');
  if (f.person) out.push(f.person);
  return out.length ? `Recordings: ${out.filter(Boolean).join(' · ')}` : 'All recordings';
}

// describeUniversal summarizes a saved playlist's filters for people.
export function describeUniversal(u) {
  if (!u || typeof u !== 'object') return [];
  const out = [];
  if (u.date_from && u.date_from !== 'all') out.push(since(u.date_from));
  if (u.date_to) out.push(`started before ${dateText(u.date_to)}`);
  for (const d of u.duration || []) out.push(`${keyText(d.key)} ${opText(d.operator)} ${d.value} s`);
  const walk = (g) => {
    for (const v of (g && g.values) || []) {
      if (v && Array.isArray(v.values)) walk(v);
      else if (v) out.push(leafText(v));
    }
  };
  walk(u.filter_group);
  return out;
}

// since describes a date_from: "started in the last 7 days" or "started after <date>".
function since(s) {
  const m = /^-(\d+)([hdwmy])$/.exec(s);
  if (!m) return `started after ${dateText(s)}`;
  const unit = { h: 'hour', d: 'day', w: 'week', m: 'month', y: 'year' }[m[2]];
  return `started in the last ${m[1] === '1' ? unit : `${m[1]} ${unit}s`}`;
}

function dateText(s) {
  const d = new Date(s);
  return /^\d{4}-\d\d-\d\d/.test(s) && !Number.isNaN(d.getTime()) ? d.toLocaleString() : s;
}

const KEY_TEXT = {
  duration: 'duration', active_seconds: 'active time', inactive_seconds: 'inactive time', visited_page: 'visited page',
  console_error_count: 'console errors', console_warn_count: 'console warnings', console_log_count: 'console logs',
  click_count: 'clicks', keypress_count: 'key presses', mouse_activity_count: 'mouse activity', activity_score: 'activity score',
  start_url: 'start URL', snapshot_source: 'source',
};

function keyText(key) {
  return KEY_TEXT[key] || key;
}

function opText(op) {
  return { exact: 'is', is_not: 'is not', icontains: 'contains', not_icontains: 'does not contain', regex: 'matches',
    not_regex: 'does not match', gt: '>', lt: '<', gte: '≥', lte: '≤', is_set: 'is set', is_not_set: 'is not set' }[op] || op;
}

function leafText(v) {
  const key = v.type === 'recording' ? keyText(v.key) : v.key;
  const value = Array.isArray(v.value) ? v.value.join(' or ') : v.value;
  if (typeof value === 'number') return `${key} ${opText(v.operator || 'exact')} ${value}`;
  const who = v.type === 'person' ? 'person ' : v.type === 'event' ? 'event ' : v.type === 'log_entry' ? 'console ' : '';
  if (v.type === 'events') return `performed ${v.name || v.id || 'any event'}`;
  return `${who}${key} ${opText(v.operator || 'exact')}${value === undefined || value === null ? '' : ` “${value}”`}`;
}
