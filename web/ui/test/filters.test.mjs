// Unit tests of the recordings list's filters: node --test web/ui/test/
import assert from 'node:assert/strict';
import test from 'node:test';
import { describeUniversal, listQuery, readFilters, shortName, universalFilters, unsavable, writeFilters } from '../src/filters.js';

test('the query string round-trips', () => {
  const f = readFilters('?date=-7d&min_duration=30&url=%2Fcheckout&errors=1&person=alice&page=3');
  assert.deepEqual(f, { date: '-7d', from: '', to: '', minDuration: '30', url: '/checkout', errors: true, person: 'alice', personBy: 'email', page: 3 });
  assert.equal(writeFilters(f), '?date=-7d&min_duration=30&url=%2Fcheckout&errors=1&person=alice&page=3');
  assert.equal(writeFilters(readFilters('')), '');
  assert.equal(readFilters('?date=bogus&page=-2').date, 'all');
  assert.equal(readFilters('?date=bogus&page=-2').page, 1);
});

test('the list query', () => {
  const q = listQuery(readFilters('?date=-24h&min_duration=10&url=shop&errors=1&person=bob&page=2'));
  assert.equal(q.limit, 25);
  assert.equal(q.offset, 25);
  assert.equal(q.date_from, '-24h');
  assert.equal(q.order, 'start_time');
  assert.equal(q.order_direction, 'DESC');
  assert.deepEqual(q.having_predicates, [{ type: 'recording', key: 'duration', operator: 'gte', value: 10 }]);
  assert.deepEqual(q.properties, [
    { type: 'recording', key: 'visited_page', operator: 'icontains', value: 'shop' },
    { type: 'recording', key: 'console_error_count', operator: 'gt', value: 0 },
    { type: 'person', key: 'email', operator: 'icontains', value: 'bob' },
  ]);
  assert.equal(q.distinct_ids, undefined);

  const byID = listQuery(readFilters('?person=user-42&person_by=distinct_id'));
  assert.deepEqual(byID.distinct_ids, ['user-42']);
  assert.equal(byID.properties, undefined);
  assert.equal(byID.date_from, null);
});

test('a custom date range covers whole local days', () => {
  const q = listQuery(readFilters('?date=custom&from=2025-03-01&to=2025-03-02'));
  assert.equal(q.date_from, new Date('2025-03-01T00:00:00').toISOString());
  assert.equal(q.date_to, new Date('2025-03-02T23:59:59.999').toISOString());
});

test('universal filters for a saved playlist', () => {
  const f = readFilters('?date=-7d&min_duration=5&url=shop&errors=1&person=a%40b');
  const u = universalFilters(f);
  assert.equal(u.date_from, '-7d');
  assert.deepEqual(u.duration, [{ type: 'recording', key: 'duration', operator: 'gte', value: 5 }]);
  assert.equal(u.filter_group.type, 'AND');
  assert.equal(u.filter_group.values.length, 1);
  assert.equal(u.filter_group.values[0].values.length, 3);
  assert.equal(unsavable(f), '');
  assert.match(unsavable(readFilters('?person=x&person_by=distinct_id')), /distinct id/);
  assert.deepEqual(describeUniversal(u), [
    'started in the last 7 days', 'duration ≥ 5 s', 'visited page contains “shop”', 'console errors > 0', 'person email contains “a@b”',
  ]);
  assert.equal(universalFilters(readFilters('')).date_from, 'all');
  assert.equal(shortName(readFilters('')), 'All recordings');
  assert.equal(shortName(f), 'Recordings: Last 7 days · ≥ 5 s · “shop” · with errors · a@b');
});
