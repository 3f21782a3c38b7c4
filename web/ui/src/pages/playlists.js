// The playlists: collections picked by hand and saved filters. Create,
// rename, pin and delete (a soft delete: PATCH {"deleted": true}).

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { modalForm, notice, spinner } from '../components.js';
import { ago, playlistName } from '../format.js';

const PAGE = 100;

export function playlistsPage(main, ctx) {
  ctx.setTitle('Playlists');
  const q = new URLSearchParams(location.search);
  const state = { search: q.get('search') || '', type: q.get('type') || '', pinned: q.get('pinned') === 'true', offset: 0 };
  const controller = new AbortController();
  const base = `${ctx.api}/session_recording_playlists/`;
  const message = h('div');
  const results = h('div', { class: 'results' }, spinner('Loading playlists…'));

  const search = h('input', { type: 'search', value: state.search, placeholder: 'Search by name', 'aria-label': 'Search playlists' });
  const type = h('select', { 'aria-label': 'Type' },
    h('option', { value: '', selected: !state.type }, 'All types'),
    h('option', { value: 'collection', selected: state.type === 'collection' }, 'Collections'),
    h('option', { value: 'filters', selected: state.type === 'filters' }, 'Saved filters'));
  const pinned = h('input', { type: 'checkbox', checked: state.pinned });
  const apply = () => {
    const p = new URLSearchParams();
    if (search.value.trim()) p.set('search', search.value.trim());
    if (type.value) p.set('type', type.value);
    if (pinned.checked) p.set('pinned', 'true');
    const s = p.toString();
    ctx.navigate(`${ctx.base}/playlists${s ? `?${s}` : ''}`, { replace: true });
  };
  type.addEventListener('change', apply);
  pinned.addEventListener('change', apply);

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Playlists'),
      h('div', { class: 'spacer' }),
      h('button', { class: 'button primary', type: 'button', id: 'new-collection', onclick: () => createCollection(ctx) }, '+ New collection')),
    h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
      h('label', { class: 'filter grow' }, h('span', null, 'Name contains'), search),
      h('label', { class: 'filter' }, h('span', null, 'Type'), type),
      h('label', { class: 'filter check' }, pinned, h('span', null, 'Pinned only')),
      h('div', { class: 'filter-actions' }, h('button', { class: 'button', type: 'submit' }, 'Search'))),
    h('p', { class: 'muted' }, 'Collections hold recordings you add from the player. Saved filters are made with “Save as playlist” on the recordings list, and always show the recordings that match.'),
    message,
    results);

  const load = async () => {
    let page;
    try {
      page = await api(base, {
        signal: controller.signal,
        query: { search: state.search, type: state.type, pinned: state.pinned ? 'true' : '', limit: PAGE, offset: state.offset, order: '-last_modified_at' },
      });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      replace(results, notice('error', `The playlists could not be listed: ${err.message}`));
      return;
    }
    if (!ctx.isCurrent()) return;
    const list = page.results || [];
    if (!list.length) {
      replace(results, h('div', { class: 'empty-state' },
        h('h2', null, state.search || state.type || state.pinned ? 'No playlists match' : 'No playlists yet'),
        h('p', null, 'Create a collection, or save the recordings list\u2019s filters as a playlist.')));
      return;
    }
    // Pinned playlists first, as PostHog lists them.
    list.sort((a, b) => Number(b.pinned) - Number(a.pinned));
    replace(results, h('div', { class: 'table-wrap' }, h('table', { class: 'playlists' },
      h('thead', null, h('tr', null,
        h('th', { class: 'col-pin', 'aria-label': 'Pinned' }),
        h('th', null, 'Name'), h('th', null, 'Type'), h('th', { class: 'num' }, 'Recordings'),
        h('th', null, 'Last modified'), h('th', null, 'Created by'), h('th', null))),
      h('tbody', null, list.map((p) => playlistRow(ctx, base, p, load, message))))),
    page.next || state.offset > 0 ? h('div', { class: 'pager' },
      h('button', { class: 'button', type: 'button', disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, '← Previous'),
      h('button', { class: 'button', type: 'button', disabled: !page.next, onclick: () => { state.offset += PAGE; load(); } }, 'Next →')) : null);
  };
  load();
  return () => controller.abort();
}

export function recordingCount(p) {
  const c = p.recordings_counts || {};
  if (p.type === 'collection') return (c.collection && c.collection.count) || 0;
  const s = c.saved_filters || {};
  if (s.count === null || s.count === undefined) return '…';
  return `${s.count}${s.has_more ? '+' : ''}`;
}

function playlistRow(ctx, base, p, reload, message) {
  const href = `${ctx.base}/playlists/${encodeURIComponent(p.short_id)}`;
  const patch = async (body) => {
    replace(message);
    try {
      await api(`${base}${encodeURIComponent(p.short_id)}/`, { method: 'PATCH', body });
      await reload();
    } catch (err) {
      replace(message, notice('error', err.message));
    }
  };
  return h('tr', { dataset: { shortId: p.short_id } },
    h('td', { class: 'col-pin' }, h('button', {
      type: 'button', class: `pin${p.pinned ? ' pinned' : ''}`, title: p.pinned ? 'Unpin' : 'Pin',
      'aria-label': p.pinned ? 'Unpin' : 'Pin', 'aria-pressed': String(p.pinned),
      onclick: () => patch({ pinned: !p.pinned }),
    }, p.pinned ? '★' : '☆')),
    h('td', null, h('a', { href, class: 'playlist-link' }, playlistName(p)),
      p.description ? h('div', { class: 'sub' }, p.description) : null),
    h('td', null, h('span', { class: `badge type-${p.type}` }, p.type === 'collection' ? 'Collection' : 'Saved filter')),
    h('td', { class: 'num' }, recordingCount(p)),
    h('td', { title: p.last_modified_at }, ago(p.last_modified_at)),
    h('td', null, p.created_by ? (p.created_by.first_name || p.created_by.email) : '–'),
    h('td', { class: 'row-actions' },
      h('button', { type: 'button', class: 'button subtle small', onclick: () => renamePlaylist(ctx, base, p, reload) }, 'Rename'),
      h('button', {
        type: 'button', class: 'button subtle small danger',
        onclick: () => { if (confirm(`Delete the playlist “${playlistName(p)}”?`)) patch({ deleted: true }); },
      }, 'Delete')));
}

export function renamePlaylist(ctx, base, p, done) {
  modalForm({
    title: 'Rename playlist',
    submit: 'Rename',
    fields: [{ name: 'name', label: 'Name', required: true, value: p.name || p.derived_name || '' }],
    onSubmit: async ({ name }) => {
      await api(`${base}${encodeURIComponent(p.short_id)}/`, { method: 'PATCH', body: { name } });
      await done();
    },
  });
}

function createCollection(ctx) {
  modalForm({
    title: 'New collection',
    submit: 'Create',
    fields: [{ name: 'name', label: 'Name', required: true, placeholder: 'e.g. Checkout problems' }],
    onSubmit: async ({ name }) => {
      const p = await api(`${ctx.api}/session_recording_playlists/`, { method: 'POST', body: { name, type: 'collection' } });
      ctx.navigate(`${ctx.base}/playlists/${encodeURIComponent(p.short_id)}`);
    },
  });
}
