// One playlist: its name, what it holds, and its recordings, which open in
// the player. Rename, pin, delete; a collection's recordings can be taken out.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { apiErrorPage, notice, pager, recordingsTable, spinner } from '../components.js';
import { describeUniversal } from '../filters.js';
import { ago, playlistName, plural } from '../format.js';
import { recordingCount, renamePlaylist } from './playlists.js';

const PAGE = 25;

export function playlistPage(main, ctx, { short_id: shortId }) {
  const controller = new AbortController();
  const base = `${ctx.api}/session_recording_playlists/`;
  const url = `${base}${encodeURIComponent(shortId)}/`;
  let offset = 0;
  let playlist;
  main.appendChild(spinner('Loading the playlist…'));
  ctx.setTitle('Playlist');

  const message = h('div');
  const head = h('div');
  const results = h('div', { class: 'results' });

  const patch = async (body) => {
    replace(message);
    try {
      playlist = await api(url, { method: 'PATCH', body });
      renderHead();
      return playlist;
    } catch (err) {
      replace(message, notice('error', err.message));
      return null;
    }
  };

  function renderHead() {
    const p = playlist;
    ctx.setTitle(playlistName(p));
    const criteria = p.type === 'filters' ? describeUniversal(p.filters) : [];
    replace(head,
      h('a', { class: 'back', href: `${ctx.base}/playlists` }, '← Playlists'),
      h('div', { class: 'page-head' },
        h('h1', null, playlistName(p)),
        h('span', { class: `badge type-${p.type}` }, p.type === 'collection' ? 'Collection' : 'Saved filter'),
        h('div', { class: 'spacer' }),
        h('button', {
          type: 'button', class: `button${p.pinned ? ' active' : ''}`, 'aria-pressed': String(p.pinned),
          onclick: () => patch({ pinned: !p.pinned }),
        }, p.pinned ? '★ Pinned' : '☆ Pin'),
        h('button', { type: 'button', class: 'button', onclick: () => renamePlaylist(ctx, base, p, async () => { playlist = await api(url); renderHead(); }) }, 'Rename'),
        h('button', {
          type: 'button', class: 'button danger',
          onclick: async () => {
            if (!confirm(`Delete the playlist “${playlistName(p)}”?`)) return;
            if (await patch({ deleted: true })) ctx.navigate(`${ctx.base}/playlists`);
          },
        }, 'Delete')),
      p.description ? h('p', null, p.description) : null,
      h('p', { class: 'muted' },
        p.type === 'collection'
          ? `${plural(recordingCount(p), 'recording')} added by hand. Add more from the player.`
          : ['Saved filter: ', criteria.length ? criteria.join('; ') : 'every recording', '.'],
        ` Last changed ${ago(p.last_modified_at)}${p.last_modified_by ? ` by ${p.last_modified_by.first_name || p.last_modified_by.email}` : ''}.`));
  }

  async function loadRecordings() {
    replace(results, spinner('Loading recordings…'));
    let page;
    try {
      page = await api(`${url}recordings/`, { query: { limit: PAGE, offset }, signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      replace(results, notice('error', `The recordings could not be listed: ${err.message}`));
      return;
    }
    if (!ctx.isCurrent()) return;
    const recs = page.results || [];
    if (!recs.length) {
      replace(results, h('div', { class: 'empty-state' }, h('h2', null, offset ? 'No more recordings' : 'No recordings here yet'),
        h('p', null, playlist.type === 'collection' ? 'Open a recording and add it to this collection.' : 'No recording matches these filters yet.')));
      return;
    }
    const remove = playlist.type === 'collection' ? (r) => h('button', {
      type: 'button', class: 'button subtle small',
      title: 'Take this recording out of the collection',
      onclick: async () => {
        try {
          await api(`${url}recordings/${encodeURIComponent(r.id)}/`, { method: 'DELETE' });
          playlist = await api(url);
          renderHead();
          await loadRecordings();
        } catch (err) {
          replace(message, notice('error', err.message));
        }
      },
    }, 'Remove') : undefined;
    replace(results,
      recordingsTable(ctx, recs, { query: `?playlist=${encodeURIComponent(shortId)}`, extra: remove }),
      pager({
        offset, count: page.count, shown: recs.length, hasNext: page.has_next ?? Boolean(page.next),
        onPage: (d) => { offset = Math.max(0, offset + d * PAGE); loadRecordings(); },
      }));
  }

  (async () => {
    try {
      playlist = await api(url, { signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      apiErrorPage(main, err, 'Playlist', [{ href: `${ctx.base}/playlists`, text: 'All playlists' }]);
      return;
    }
    if (!ctx.isCurrent()) return;
    replace(main, head, message, results);
    renderHead();
    loadRecordings();
  })();
  return () => controller.abort();
}
