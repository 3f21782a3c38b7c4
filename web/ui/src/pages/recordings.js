// The recordings list: newest first, with filters kept in the address,
// paging, and "save as playlist".

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { modalForm, notice, pager, recordingsTable, spinner } from '../components.js';
import {
  DATE_CHOICES, PAGE_SIZE, describe, isFiltered, listQuery, readFilters, shortName, universalFilters, unsavable, writeFilters,
} from '../filters.js';

export function recordingsPage(main, ctx) {
  ctx.setTitle('Recordings');
  const f = readFilters(location.search);
  const controller = new AbortController();

  const go = (next) => ctx.navigate(`${ctx.base}${writeFilters(next)}`);

  // The filter bar. Changing a select or checkbox applies at once; text
  // fields apply on Enter or with the button.
  const dateSelect = h('select', { name: 'date', 'aria-label': 'Date range' },
    DATE_CHOICES.map(([v, label]) => h('option', { value: v, selected: v === f.date }, label)));
  const from = h('input', { type: 'date', name: 'from', value: f.from, 'aria-label': 'From' });
  const to = h('input', { type: 'date', name: 'to', value: f.to, 'aria-label': 'Until' });
  const custom = h('span', { class: 'custom-dates', hidden: f.date !== 'custom' }, from, '–', to);
  const minDuration = h('input', { type: 'number', name: 'min_duration', min: 0, step: 1, value: f.minDuration, placeholder: '0', class: 'narrow', 'aria-label': 'Minimum duration in seconds' });
  const url = h('input', { type: 'search', name: 'url', value: f.url, placeholder: 'e.g. /checkout', 'aria-label': 'Visited URL contains' });
  const errors = h('input', { type: 'checkbox', name: 'errors', checked: f.errors });
  const personBy = h('select', { name: 'person_by', 'aria-label': 'Person filter kind' },
    h('option', { value: 'email', selected: f.personBy === 'email' }, 'email contains'),
    h('option', { value: 'distinct_id', selected: f.personBy === 'distinct_id' }, 'distinct id is'));
  const person = h('input', { type: 'search', name: 'person', value: f.person, placeholder: 'alice@example.com', 'aria-label': 'Person' });

  const current = () => ({
    date: dateSelect.value,
    from: from.value,
    to: to.value,
    minDuration: minDuration.value.trim(),
    url: url.value.trim(),
    errors: errors.checked,
    person: person.value.trim(),
    personBy: personBy.value,
    page: 1,
  });
  const apply = () => go(current());
  dateSelect.addEventListener('change', () => {
    custom.hidden = dateSelect.value !== 'custom';
    if (dateSelect.value !== 'custom') apply();
  });
  for (const el of [errors, personBy]) el.addEventListener('change', apply);

  const form = h('form', {
    class: 'filters', 'aria-label': 'Filters',
    onsubmit: (ev) => { ev.preventDefault(); apply(); },
  },
  h('label', { class: 'filter' }, h('span', null, 'Date'), dateSelect, custom),
  h('label', { class: 'filter' }, h('span', null, 'Min. duration (s)'), minDuration),
  h('label', { class: 'filter grow' }, h('span', null, 'Visited URL contains'), url),
  h('label', { class: 'filter' }, h('span', null, 'Person'), h('span', { class: 'joined' }, personBy, person)),
  h('label', { class: 'filter check' }, errors, h('span', null, 'Console errors only')),
  h('div', { class: 'filter-actions' },
    h('button', { class: 'button', type: 'submit' }, 'Apply'),
    isFiltered(f) ? h('a', { class: 'button subtle', href: ctx.base }, 'Clear') : null));

  const saveButton = h('button', {
    class: 'button', type: 'button', id: 'save-playlist',
    title: unsavable(f) || 'Save these filters as a playlist that stays up to date',
    disabled: Boolean(unsavable(f)),
    onclick: () => savePlaylist(ctx, f),
  }, '☆ Save as playlist');

  const results = h('div', { class: 'results' }, spinner('Loading recordings…'));
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Recordings'),
      h('div', { class: 'spacer' }),
      saveButton),
    form,
    isFiltered(f) ? h('p', { class: 'muted filter-summary' }, 'Showing recordings ', describe(f).join(', '), '.') : null,
    results);

  (async () => {
    let page;
    try {
      page = await api(`${ctx.api}/session_recordings/`, { query: listQuery(f), signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      replace(results, notice('error', `The recordings could not be listed: ${err.message}`));
      return;
    }
    if (!ctx.isCurrent()) return;
    const recs = page.results || [];
    if (recs.length === 0) {
      replace(results, h('div', { class: 'empty-state' },
        h('h2', null, isFiltered(f) ? 'No recordings match these filters' : (f.page > 1 ? 'No more recordings' : 'No recordings yet')),
        isFiltered(f)
          ? h('p', null, h('a', { href: ctx.base }, 'Clear the filters'), ' to see every recording.')
          : h('p', null, 'Add posthog-js to a site with this project\u2019s token and ', h('code', null, `api_host: '${location.origin}'`),
            ', and visits will show up here.', ctx.project.api_token ? [' Token: ', h('code', null, ctx.project.api_token)] : null)));
      if (f.page > 1) results.appendChild(pager({ offset: (f.page - 1) * PAGE_SIZE, count: page.count, shown: 0, hasNext: false, onPage: (d) => go({ ...f, page: f.page + d }) }));
      return;
    }
    replace(results,
      recordingsTable(ctx, recs),
      pager({
        offset: (f.page - 1) * PAGE_SIZE, count: page.count, shown: recs.length,
        hasNext: page.has_next ?? Boolean(page.next),
        onPage: (d) => go({ ...f, page: Math.max(1, f.page + d) }),
      }));
  })();

  return () => controller.abort();
}

function savePlaylist(ctx, f) {
  modalForm({
    title: 'Save as playlist',
    submit: 'Save',
    fields: [{ name: 'name', label: 'Name', required: true, value: shortName(f) }],
    onSubmit: async ({ name }) => {
      const p = await api(`${ctx.api}/session_recording_playlists/`, {
        method: 'POST',
        body: { name, type: 'filters', filters: universalFilters(f) },
      });
      ctx.navigate(`${ctx.base}/playlists/${encodeURIComponent(p.short_id)}`);
    },
  });
}
