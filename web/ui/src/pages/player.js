// The player: rrweb's replayer on the recording's events, with play/pause,
// speed, a timeline, skipping of inactive periods, and beside it the
// person, the figures, the pages visited, the console log and collections.

import { Replayer } from 'rrweb';
import 'rrweb/dist/style.css';
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { activity, apiErrorPage, notice, spinner } from '../components.js';
import { clock, date, duration, fullDate, personName, playlistName, plural, shortURL } from '../format.js';
import { consoleEntries, inactivePeriods, loadEvents, pagesVisited, whyUnplayable } from '../snapshots.js';

const SPEEDS = [0.5, 1, 2, 4, 8, 16];

export function playerPage(main, ctx, { session_id: sessionId }) {
  const controller = new AbortController();
  const recAPI = `${ctx.api}/session_recordings/${encodeURIComponent(sessionId)}`;
  const fromPlaylist = new URLSearchParams(location.search).get('playlist');
  const back = fromPlaylist
    ? h('a', { class: 'back', href: `${ctx.base}/playlists/${encodeURIComponent(fromPlaylist)}` }, '← Playlist')
    : h('a', { class: 'back', href: ctx.base }, '← Recordings');
  ctx.setTitle('Recording');
  main.classList.add('page-fill');

  let player = null; // the running replay, once built
  const stage = h('div', { class: 'stage', id: 'stage' }, spinner('Loading the recording…'));
  const controls = h('div', { class: 'controls' });
  const title = h('div', { class: 'player-title' }, h('h1', null, 'Recording'));
  const side = h('aside', { class: 'player-side' });
  const sections = {
    person: h('section', { class: 'panel', id: 'panel-person' }),
    figures: h('section', { class: 'panel', id: 'panel-figures' }),
    pages: h('section', { class: 'panel', id: 'panel-pages' }, h('h2', null, 'Pages'), spinner()),
    console: h('section', { class: 'panel', id: 'panel-console' }, h('h2', null, 'Console'), spinner()),
    collections: h('section', { class: 'panel', id: 'panel-collections' }, h('h2', null, 'Collections'), spinner()),
  };
  replace(side, sections.person, sections.console, sections.pages, sections.figures, sections.collections);
  replace(main, h('div', { class: 'player-page' },
    h('div', { class: 'player-head' }, back, title),
    h('div', { class: 'player-body' },
      h('div', { class: 'player-main' }, stage, controls),
      side)));

  (async () => {
    let rec;
    try {
      rec = await api(`${recAPI}/`, { signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      apiErrorPage(main, err, 'Recording', [{ href: ctx.base, text: 'All recordings' }]);
      return;
    }
    if (!ctx.isCurrent()) return;
    ctx.setTitle(`${personName(rec)} · Recording`);
    renderHead(title, rec);
    renderPerson(sections.person, ctx, rec);
    renderFigures(sections.figures, rec);
    loadCollections(sections.collections, ctx, sessionId, controller.signal);
    // Opening a recording marks it viewed (as PostHog's player does).
    api(`${recAPI}/`, { method: 'PATCH', body: { viewed: true } }).then(
      () => { main.dataset.viewed = 'true'; },
      (err) => console.warn('could not mark the recording viewed:', err.message));

    let loaded;
    try {
      loaded = await loadEvents(recAPI, {
        signal: controller.signal,
        onProgress: (n, total) => {
          if (ctx.isCurrent() && total > 1) replace(stage, spinner(`Loading snapshots… ${n} of ${total} blocks`));
        },
      });
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      let why = err.message || String(err);
      if (err instanceof ApiError && err.status) {
        why = `The server answered ${err.status}: ${err.message}`;
        if (err.status >= 500) why += ' The recording\u2019s figures are kept, but its snapshot data could not be read; the server\u2019s log says why.';
      }
      unplayable(stage, sections, 'The snapshots of this recording could not be loaded.', why);
      return;
    }
    if (!ctx.isCurrent()) return;
    const { events, sources, bad } = loaded;
    const reason = whyUnplayable(events, sources);
    if (reason) {
      unplayable(stage, sections, 'This recording cannot be played.', reason);
      renderPages(sections.pages, pagesVisited(events), null);
      renderConsole(sections.console, consoleEntries(events), null);
      return;
    }
    if (bad > 0) console.warn(`${bad} snapshot lines could not be read and were skipped`);
    try {
      player = startPlayer(stage, controls, events);
    } catch (err) {
      console.error(err);
      unplayable(stage, sections, 'The replayer could not start.', err.message || String(err));
      return;
    }
    const pages = pagesVisited(events);
    const logs = consoleEntries(events);
    player.addTimelineMarkers(pages, logs);
    const pagesView = renderPages(sections.pages, pages, player);
    const consoleView = renderConsole(sections.console, logs, player);
    player.onTime((t) => {
      pagesView.at(t);
      consoleView.at(t);
    });
  })();

  return () => {
    controller.abort();
    if (player) player.destroy();
  };
}

function unplayable(stage, sections, title, detail) {
  replace(stage, h('div', { class: 'stage-message', role: 'alert' }, h('h2', null, title), h('p', null, detail)));
  for (const s of [sections.pages, sections.console]) {
    if (s.querySelector('.loading')) replace(s, s.firstChild, h('p', { class: 'muted' }, 'Not available.'));
  }
}

function renderHead(title, rec) {
  replace(title,
    h('h1', null, personName(rec)),
    h('div', { class: 'sub' },
      fullDate(rec.start_time), ' · ', duration(rec.recording_duration),
      rec.start_url ? [' · ', h('span', { title: rec.start_url }, shortURL(rec.start_url))] : null,
      rec.ongoing ? [' ', h('span', { class: 'badge badge-live', title: 'A batch arrived in the last 5 minutes; reload for newer events' }, 'Ongoing')] : null));
}

// Person properties worth showing first; others follow, without posthog-js's
// own ($...) and without empty values.
const PERSON_KEYS = ['email', 'name', 'username', 'first_name', 'last_name', 'company'];

function renderPerson(section, ctx, rec) {
  const p = rec.person || {};
  const props = p.properties && typeof p.properties === 'object' ? p.properties : {};
  const entries = Object.entries(props)
    .filter(([k, v]) => !k.startsWith('$') && v !== null && v !== '' && typeof v !== 'object')
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, 6);
  replace(section,
    h('h2', null, 'Person'),
    h('div', { class: 'person-name' }, personName(rec)),
    h('dl', { class: 'facts' },
      h('dt', null, 'Distinct id'), h('dd', { class: 'mono' }, rec.distinct_id),
      entries.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))])),
    h('a', { href: `${ctx.base}?person_by=distinct_id&person=${encodeURIComponent(rec.distinct_id)}` }, 'All recordings of this person'));
}

function rank(key) {
  const i = PERSON_KEYS.indexOf(key);
  return i < 0 ? PERSON_KEYS.length : i;
}

function renderFigures(section, rec) {
  const tile = (label, value, cls) => h('div', { class: `stat${cls ? ` ${cls}` : ''}` },
    h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label));
  replace(section,
    h('h2', null, 'Figures'),
    h('div', { class: 'stats' },
      tile('Duration', duration(rec.recording_duration)),
      tile('Active', duration(rec.active_seconds)),
      tile('Inactive', duration(rec.inactive_seconds)),
      tile('Clicks', rec.click_count),
      tile('Key presses', rec.keypress_count),
      tile('Mouse moves', rec.mouse_activity_count),
      tile('Console logs', rec.console_log_count),
      tile('Warnings', rec.console_warn_count, rec.console_warn_count ? 'has-warnings' : ''),
      tile('Errors', rec.console_error_count, rec.console_error_count ? 'has-errors' : '')),
    h('dl', { class: 'facts' },
      h('dt', null, 'Activity score'), h('dd', null, activity(rec.activity_score)),
      h('dt', null, 'Kept until'), h('dd', null, `${date(rec.expiry_time)} (${plural(rec.recording_ttl, 'day')} left)`)));
}

// startPlayer builds the replayer and its controls. It returns the handle
// the side panels use: seek, onTime, addTimelineMarkers, destroy.
function startPlayer(stage, controls, events) {
  replace(stage);
  const frame = h('div', { class: 'stage-frame' });
  const skipping = h('div', { class: 'skipping', hidden: true }, 'Skipping inactivity…');
  stage.append(frame, skipping);
  let speed = 1;
  let skipInactive = true;
  const replayer = new Replayer(events, {
    root: frame,
    speed,
    skipInactive,
    showWarning: false,
    showDebug: false,
    mouseTail: false,
    triggerFocus: false,
    UNSAFE_replayCanvas: false,
  });
  const total = replayer.getMetaData().totalTime;
  let playing = false;
  let listeners = [];
  let raf = 0;
  let dims = { width: 0, height: 0 };

  // Fit the recorded viewport into the stage.
  const fit = () => {
    const wrapper = replayer.wrapper;
    if (!wrapper || !dims.width || !dims.height) return;
    const sw = stage.clientWidth;
    const sh = stage.clientHeight;
    const scale = Math.min(sw / dims.width, sh / dims.height, 1);
    wrapper.style.transform = `scale(${scale})`;
    wrapper.style.transformOrigin = 'top left';
    frame.style.width = `${dims.width * scale}px`;
    frame.style.height = `${dims.height * scale}px`;
  };
  replayer.on('resize', (d) => {
    dims = { width: d.width, height: d.height };
    fit();
  });
  const observer = new ResizeObserver(fit);
  observer.observe(stage);
  replayer.on('skip-start', () => { skipping.hidden = false; });
  replayer.on('skip-end', () => { skipping.hidden = true; });

  const playButton = h('button', { class: 'button play', type: 'button', 'aria-label': 'Play' }, '▶');
  const time = h('span', { class: 'time mono' }, `0:00 / ${clock(total)}`);
  const progress = h('div', { class: 'timeline-progress' });
  const handle = h('div', { class: 'timeline-handle' });
  const markers = h('div', { class: 'timeline-markers' });
  const inactive = h('div', { class: 'timeline-inactive' },
    inactivePeriods(events).map(([a, b]) => h('span', { style: { left: pct(a, total), width: pct(b - a, total) } })));
  const timeline = h('div', {
    class: 'timeline', role: 'slider', tabindex: 0, 'aria-label': 'Timeline',
    'aria-valuemin': 0, 'aria-valuemax': Math.round(total / 1000),
  }, h('div', { class: 'timeline-track' }, inactive, progress, markers), handle);
  const speedSelect = h('select', { class: 'speed', 'aria-label': 'Speed' },
    SPEEDS.map((s) => h('option', { value: s, selected: s === speed }, `${s}×`)));
  const skipBox = h('input', { type: 'checkbox', checked: skipInactive });

  const setPlaying = (p) => {
    playing = p;
    playButton.textContent = p ? '❚❚' : '▶';
    playButton.setAttribute('aria-label', p ? 'Pause' : 'Play');
  };
  const now = () => Math.max(0, Math.min(replayer.getCurrentTime(), total));
  const seek = (t) => {
    const target = Math.max(0, Math.min(t, total));
    if (playing && target < total) replayer.play(target);
    else replayer.pause(target);
    if (target >= total) setPlaying(false);
    update(target);
  };
  const toggle = () => {
    if (playing) {
      replayer.pause();
      setPlaying(false);
    } else {
      const t = now();
      replayer.play(t >= total - 10 ? 0 : t);
      setPlaying(true);
    }
  };
  replayer.on('finish', () => {
    setPlaying(false);
    update(total);
  });
  playButton.addEventListener('click', toggle);
  speedSelect.addEventListener('change', () => {
    speed = Number(speedSelect.value);
    replayer.setConfig({ speed });
  });
  skipBox.addEventListener('change', () => {
    skipInactive = skipBox.checked;
    replayer.setConfig({ skipInactive });
  });

  // Seeking on the timeline: click or drag.
  const offsetAt = (ev) => {
    const r = timeline.getBoundingClientRect();
    return ((ev.clientX - r.left) / r.width) * total;
  };
  let dragging = false;
  timeline.addEventListener('pointerdown', (ev) => {
    dragging = true;
    timeline.setPointerCapture(ev.pointerId);
    seek(offsetAt(ev));
  });
  timeline.addEventListener('pointermove', (ev) => { if (dragging) update(Math.max(0, Math.min(offsetAt(ev), total))); });
  timeline.addEventListener('pointerup', (ev) => {
    if (!dragging) return;
    dragging = false;
    seek(offsetAt(ev));
  });
  timeline.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowRight') seek(now() + 5000);
    else if (ev.key === 'ArrowLeft') seek(now() - 5000);
    else return;
    ev.preventDefault();
  });
  const onKey = (ev) => {
    if (ev.key !== ' ' || ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement ||
      ev.target instanceof HTMLButtonElement || ev.target instanceof HTMLTextAreaElement) return;
    ev.preventDefault();
    toggle();
  };
  document.addEventListener('keydown', onKey);

  let shown = -1;
  function update(t) {
    const rounded = Math.floor(t / 100);
    if (rounded === shown && !dragging) return;
    shown = rounded;
    progress.style.width = pct(t, total);
    handle.style.left = pct(t, total);
    time.textContent = `${clock(t)} / ${clock(total)}`;
    timeline.setAttribute('aria-valuenow', Math.round(t / 1000));
    for (const fn of listeners) fn(t);
  }
  const tick = () => {
    if (!dragging) update(now());
    raf = requestAnimationFrame(tick);
  };
  raf = requestAnimationFrame(tick);

  replace(controls,
    playButton,
    time,
    timeline,
    h('label', { class: 'control' }, h('span', null, 'Speed'), speedSelect),
    h('label', { class: 'control check' }, skipBox, h('span', null, 'Skip inactivity')));

  replayer.play(0);
  setPlaying(true);

  return {
    total,
    seek,
    onTime: (fn) => { listeners.push(fn); },
    addTimelineMarkers(pages, logs) {
      replace(markers,
        pages.slice(1).map((p) => h('span', { class: 'marker marker-page', style: { left: pct(p.offset, total) }, title: `Page: ${p.url}` })),
        logs.filter((l) => l.level === 'error').map((l) => h('span', { class: 'marker marker-error', style: { left: pct(l.offset, total) }, title: `Error: ${l.message}` })));
    },
    destroy() {
      cancelAnimationFrame(raf);
      observer.disconnect();
      document.removeEventListener('keydown', onKey);
      listeners = [];
      try {
        replayer.pause();
        replayer.destroy();
      } catch {
        // already gone
      }
    },
  };
}

function pct(v, total) {
  return total > 0 ? `${Math.max(0, Math.min(100, (v / total) * 100))}%` : '0%';
}

// A list whose entries are at offsets: the entries up to the current time
// are marked played, the last of them current. Returns {at(t)}.
function timedList(list, items, entry) {
  const nodes = items.map(entry);
  replace(list, nodes);
  let last = -2;
  return {
    at(t) {
      let i = -1;
      while (i + 1 < items.length && items[i + 1].offset <= t) i++;
      if (i === last) return;
      last = i;
      nodes.forEach((n, j) => {
        n.classList.toggle('future', j > i);
        n.classList.toggle('current', j === i);
      });
    },
  };
}

function renderPages(section, pages, player) {
  const list = h('ol', { class: 'timed-list pages-list' });
  replace(section, h('h2', null, 'Pages ', h('span', { class: 'count' }, pages.length)),
    pages.length ? list : h('p', { class: 'muted' }, 'No page addresses were recorded.'));
  return timedList(list, pages, (p) => h('li', null, h('button', {
    type: 'button', class: 'timed-entry page-entry', title: p.url, disabled: !player,
    onclick: () => player && player.seek(p.offset),
  }, h('span', { class: 'offset mono' }, clock(p.offset)), h('span', { class: 'text' }, shortURL(p.url)))));
}

function renderConsole(section, logs, player) {
  const counts = {};
  for (const l of logs) counts[l.level] = (counts[l.level] || 0) + 1;
  let level = 'all';
  const list = h('ol', { class: 'timed-list console-list' });
  const levels = ['all', ...['log', 'info', 'warn', 'error', 'debug'].filter((l) => counts[l]),
    ...Object.keys(counts).filter((l) => !['log', 'info', 'warn', 'error', 'debug'].includes(l))];
  const chips = h('div', { class: 'chips' }, levels.map((l) => h('button', {
    type: 'button', class: `chip${l === level ? ' active' : ''}`, dataset: { level: l },
    onclick: (ev) => {
      level = l;
      for (const c of chips.children) c.classList.toggle('active', c.dataset.level === l);
      for (const li of list.children) li.hidden = level !== 'all' && li.dataset.level !== level;
      ev.currentTarget.blur();
    },
  }, l === 'all' ? `All ${logs.length}` : `${l} ${counts[l]}`)));
  replace(section, h('h2', null, 'Console ', h('span', { class: 'count' }, logs.length)),
    logs.length ? [chips, list] : h('p', { class: 'muted' }, 'Nothing was logged to the console.'));
  return timedList(list, logs, (l) => h('li', { dataset: { level: l.level } }, h('button', {
    type: 'button', class: `timed-entry console-entry level-${l.level}`, disabled: !player,
    title: l.trace.length ? `${l.message}\n${l.trace.join('\n')}` : l.message,
    onclick: () => player && player.seek(l.offset),
  }, h('span', { class: 'offset mono' }, clock(l.offset)),
  h('span', { class: 'level' }, l.level),
  h('span', { class: 'text' }, l.message))));
}

// Collections: which hold this recording; add to one or take it out.
async function loadCollections(section, ctx, sessionId, signal) {
  const base = `${ctx.api}/session_recording_playlists/`;
  const message = h('div');
  const render = async () => {
    let all, holding;
    try {
      [all, holding] = await Promise.all([
        api(base, { query: { type: 'collection', limit: 500, order: 'name' }, signal }),
        api(base, { query: { type: 'collection', session_recording_id: sessionId, limit: 500 }, signal }),
      ]);
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.isCurrent()) return;
      replace(section, h('h2', null, 'Collections'), notice('error', `Collections could not be loaded: ${err.message}`));
      return;
    }
    if (!ctx.isCurrent()) return;
    const inIt = new Set(holding.results.map((p) => p.short_id));
    const others = all.results.filter((p) => !inIt.has(p.short_id));
    const select = h('select', { 'aria-label': 'Collection' },
      h('option', { value: '' }, others.length ? 'Add to a collection…' : 'Add to…'),
      others.map((p) => h('option', { value: p.short_id }, playlistName(p))),
      h('option', { value: '+new' }, 'New collection…'));
    const nameInput = h('input', { type: 'text', placeholder: 'Collection name', maxlength: 400, hidden: true, 'aria-label': 'New collection name' });
    const add = async () => {
      replace(message);
      try {
        let short = select.value;
        if (short === '+new') {
          const name = nameInput.value.trim();
          if (!name) {
            nameInput.focus();
            return;
          }
          const created = await api(base, { method: 'POST', body: { name, type: 'collection' } });
          short = created.short_id;
        }
        if (!short) return;
        await api(`${base}${encodeURIComponent(short)}/recordings/${encodeURIComponent(sessionId)}/`, { method: 'POST' });
        await render();
      } catch (err) {
        replace(message, notice('error', err.message));
      }
    };
    select.addEventListener('change', () => {
      nameInput.hidden = select.value !== '+new';
      if (select.value === '+new') nameInput.focus();
      else add();
    });
    nameInput.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); add(); } });
    replace(section,
      h('h2', null, 'Collections'),
      holding.results.length
        ? h('ul', { class: 'collection-chips' }, holding.results.map((p) => h('li', { class: 'chip' },
          h('a', { href: `${ctx.base}/playlists/${encodeURIComponent(p.short_id)}` }, playlistName(p)),
          h('button', {
            type: 'button', class: 'chip-remove', title: `Remove from ${playlistName(p)}`, 'aria-label': `Remove from ${playlistName(p)}`,
            onclick: async () => {
              try {
                await api(`${base}${encodeURIComponent(p.short_id)}/recordings/${encodeURIComponent(sessionId)}/`, { method: 'DELETE' });
                await render();
              } catch (err) {
                replace(message, notice('error', err.message));
              }
            },
          }, '×'))))
        : h('p', { class: 'muted' }, 'Not in any collection.'),
      h('div', { class: 'add-collection' }, select, nameInput, h('button', { type: 'button', class: 'button', hidden: true }, 'Add')),
      message);
    // the Add button is only needed for a new collection's name
    const addButton = section.querySelector('.add-collection .button');
    select.addEventListener('change', () => { addButton.hidden = select.value !== '+new'; });
    addButton.addEventListener('click', add);
  };
  await render();
}
