// Loading a recording's rrweb events from the snapshots API, and what the
// player shows beside the replay: the pages visited and the console log.

import { api, ApiError } from './api.js';

// The most blocks one request may ask for: 100 with the session cookie
// (a personal API key gets 20; the loader steps down if the server says so).
const MAX_KEYS = 100;
const FALLBACK_KEYS = 20;

// rrweb's event types.
export const EventType = { DomContentLoaded: 0, Load: 1, FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4, Custom: 5, Plugin: 6 };

// parseJSONL reads the snapshots endpoint's lines, [window_id, event] each,
// into events (each with its windowId). Blank lines are skipped; a line that
// cannot be read is counted in bad.
export function parseJSONL(text, out = [], stats = { bad: 0 }) {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let pair;
    try {
      pair = JSON.parse(line);
    } catch {
      stats.bad++;
      continue;
    }
    if (!Array.isArray(pair) || pair.length !== 2 || !pair[1] || typeof pair[1] !== 'object') {
      stats.bad++;
      continue;
    }
    const event = pair[1];
    if (typeof event.timestamp !== 'number' || typeof event.type !== 'number') {
      stats.bad++;
      continue;
    }
    event.windowId = pair[0];
    out.push(event);
  }
  return out;
}

// loadEvents fetches every block of a recording and returns its events in
// time order. onProgress(loaded, total) reports the blocks read so far.
export async function loadEvents(base, { onProgress, signal } = {}) {
  const listing = await api(`${base}/snapshots`, { signal });
  const sources = ((listing && listing.sources) || []).filter((s) => s.source === 'blob_v2');
  const events = [];
  const stats = { bad: 0 };
  let step = MAX_KEYS;
  let start = 0;
  while (start < sources.length) {
    const end = Math.min(start + step, sources.length) - 1;
    let text;
    try {
      text = await api(`${base}/snapshots`, {
        text: true,
        signal,
        query: { source: 'blob_v2', start_blob_key: sources[start].blob_key, end_blob_key: sources[end].blob_key },
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && step > FALLBACK_KEYS) {
        step = FALLBACK_KEYS;
        continue;
      }
      throw err;
    }
    parseJSONL(text, events, stats);
    start = end + 1;
    if (onProgress) onProgress(start, sources.length);
  }
  // Stable sort: events of the same millisecond keep the server's order.
  events.sort((a, b) => a.timestamp - b.timestamp);
  return { events, sources: sources.length, bad: stats.bad };
}

// whyUnplayable says why events cannot be replayed, or '' when they can.
export function whyUnplayable(events, sources) {
  if (sources === 0) return 'This recording has no snapshot data: nothing of the page was received yet.';
  if (events.length === 0) return 'The snapshot data of this recording holds no rrweb events that can be read.';
  if (!events.some((e) => e.type === EventType.FullSnapshot)) {
    return 'This recording has no full snapshot of the page (rrweb event type 2), so it cannot be replayed. The first batches may have been lost, or the recording was cut short.';
  }
  if (events.length < 2) return 'This recording has a single event; rrweb needs at least two to replay.';
  return '';
}

// unquote turns one argument of rrweb's console plugin, which sends each
// value JSON-encoded, into text.
function unquote(arg) {
  if (typeof arg !== 'string') return JSON.stringify(arg);
  if (arg.startsWith('"') && arg.endsWith('"')) {
    try {
      return JSON.parse(arg);
    } catch {
      return arg;
    }
  }
  return arg;
}

// consoleEntries lists the console messages (rrweb/console@1 plugin events):
// {offset (ms from start), level (log, info, warn, error, ...), message, trace}.
export function consoleEntries(events) {
  if (!events.length) return [];
  const t0 = events[0].timestamp;
  const out = [];
  for (const e of events) {
    if (e.type !== EventType.Plugin || !e.data || e.data.plugin !== 'rrweb/console@1') continue;
    const p = e.data.payload || {};
    const args = Array.isArray(p.payload) ? p.payload : [p.payload];
    out.push({
      offset: e.timestamp - t0,
      timestamp: e.timestamp,
      level: String(p.level || 'log'),
      message: args.map(unquote).join(' '),
      trace: Array.isArray(p.trace) ? p.trace.filter(Boolean) : [],
    });
  }
  return out;
}

// pagesVisited lists the URLs the recording moved through, in order, from
// Meta events and posthog-js's $pageview and $url_changed custom events:
// {offset, url}. A URL repeated back to back is listed once.
export function pagesVisited(events) {
  if (!events.length) return [];
  const t0 = events[0].timestamp;
  const out = [];
  for (const e of events) {
    let href = '';
    if (e.type === EventType.Meta && e.data) href = e.data.href;
    else if (e.type === EventType.Custom && e.data && (e.data.tag === '$pageview' || e.data.tag === '$url_changed')) {
      href = e.data.payload && e.data.payload.href;
    }
    if (!href || typeof href !== 'string') continue;
    if (out.length && out[out.length - 1].url === href) continue;
    out.push({ offset: e.timestamp - t0, url: href });
  }
  return out;
}

// Incremental sources that count as the visitor doing something.
const activeSources = new Set([1, 2, 3, 4, 5, 6, 7, 11, 12]);

// inactivePeriods are the stretches of at least thresholdMs without user
// activity, as [startOffset, endOffset] pairs, for the timeline.
export function inactivePeriods(events, thresholdMs = 5000) {
  if (events.length < 2) return [];
  const t0 = events[0].timestamp;
  const end = events[events.length - 1].timestamp;
  const out = [];
  let last = t0;
  for (const e of events) {
    const active = e.type === EventType.FullSnapshot ||
      (e.type === EventType.IncrementalSnapshot && e.data && activeSources.has(e.data.source));
    if (!active) continue;
    if (e.timestamp - last >= thresholdMs) out.push([last - t0, e.timestamp - t0]);
    last = e.timestamp;
  }
  if (end - last >= thresholdMs) out.push([last - t0, end - t0]);
  return out;
}
