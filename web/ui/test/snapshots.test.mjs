// Unit tests of reading snapshots: node --test web/ui/test/
import assert from 'node:assert/strict';
import test from 'node:test';
import { consoleEntries, inactivePeriods, pagesVisited, parseJSONL, whyUnplayable } from '../src/snapshots.js';

const line = (w, e) => JSON.stringify([w, e]);

test('JSONL lines become events with their window', () => {
  const text = [
    line('w1', { type: 4, timestamp: 1000, data: { href: 'https://shop.example/', width: 800, height: 600 } }),
    '',
    'not json',
    JSON.stringify({ not: 'a pair' }),
    line('w1', { type: 2, timestamp: 1001, data: { node: {} } }),
    line('w2', { type: 3, data: {} }),
  ].join('\n');
  const stats = { bad: 0 };
  const events = parseJSONL(text, [], stats);
  assert.equal(events.length, 2);
  assert.equal(stats.bad, 3);
  assert.equal(events[0].windowId, 'w1');
  assert.equal(whyUnplayable(events, 1), '');
  assert.match(whyUnplayable([events[0]], 1), /no full snapshot/);
  assert.match(whyUnplayable([], 0), /no snapshot data/);
  assert.match(whyUnplayable([], 2), /no rrweb events/);
});

test('console entries from the rrweb console plugin', () => {
  const events = [
    { type: 4, timestamp: 1000, data: { href: 'https://shop.example/' } },
    { type: 6, timestamp: 3500, data: { plugin: 'rrweb/console@1', payload: { level: 'error', payload: ['"payment declined"', '42'], trace: ['at pay (shop.js:1:1)'] } } },
    { type: 6, timestamp: 4000, data: { plugin: 'other', payload: {} } },
  ];
  assert.deepEqual(consoleEntries(events), [
    { offset: 2500, timestamp: 3500, level: 'error', message: 'payment declined 42', trace: ['at pay (shop.js:1:1)'] },
  ]);
});

test('pages visited from Meta and posthog-js custom events', () => {
  const events = [
    { type: 4, timestamp: 1000, data: { href: 'https://shop.example/' } },
    { type: 2, timestamp: 1000, data: {} },
    { type: 5, timestamp: 1200, data: { tag: '$pageview', payload: { href: 'https://shop.example/' } } },
    { type: 5, timestamp: 5000, data: { tag: '$url_changed', payload: { href: 'https://shop.example/checkout' } } },
    { type: 4, timestamp: 9000, data: { href: 'https://shop.example/' } },
  ];
  assert.deepEqual(pagesVisited(events), [
    { offset: 0, url: 'https://shop.example/' },
    { offset: 4000, url: 'https://shop.example/checkout' },
    { offset: 8000, url: 'https://shop.example/' },
  ]);
});

test('inactive periods between user activity', () => {
  const events = [
    { type: 2, timestamp: 0, data: {} },
    { type: 3, timestamp: 1000, data: { source: 2 } },
    { type: 3, timestamp: 2000, data: { source: 0 } }, // a mutation is not activity
    { type: 3, timestamp: 9000, data: { source: 1 } },
    { type: 3, timestamp: 20000, data: { source: 0 } },
  ];
  assert.deepEqual(inactivePeriods(events, 5000), [[1000, 9000], [9000, 20000]]);
});
