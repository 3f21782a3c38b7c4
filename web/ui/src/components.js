// Pieces several pages share: messages, the recordings table, paging.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { ago, date, duration, personName, shortURL } from './format.js';

// errorPage renders a page-wide message (not found, no access, ...).
export function errorPage(container, title, detail, links = []) {
  replace(container, h('div', { class: 'empty-state error-page', role: 'alert' },
    h('h1', null, title),
    h('p', null, detail),
    links.length ? h('p', null, links.map((l, i) => [i ? ' · ' : '', h('a', { href: l.href }, l.text)])) : null));
}

// apiErrorPage renders err from loading `what` (404 and 403 as not found).
export function apiErrorPage(container, err, what, links = []) {
  if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
    errorPage(container, `${what} not found`,
      err.status === 403 ? `You don't have access to it. (${err.message})` : `It does not exist, or it was deleted. (${err.message})`,
      links);
  } else {
    errorPage(container, 'Something went wrong', err.message || String(err), links);
  }
}

// notice is an inline message: kind is 'error', 'info' or 'success'.
export function notice(kind, ...content) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...content);
}

export function spinner(text = 'Loading…') {
  return h('div', { class: 'loading' }, h('div', { class: 'spinner' }), text);
}

// activity draws an activity score (0–100) as a small bar.
export function activity(score) {
  if (score === null || score === undefined) return h('span', { class: 'muted' }, '–');
  const v = Math.max(0, Math.min(100, Number(score)));
  return h('span', { class: 'activity', title: `Activity score ${Number(score).toFixed(0)} of 100` },
    h('span', { class: 'activity-bar' }, h('span', { class: 'activity-fill', style: { width: `${v}%` } })),
    h('span', { class: 'activity-value' }, v.toFixed(0)));
}

// recordingsTable lists recordings; a row opens the player. Options:
// query (appended to the player's address, such as ?playlist=x), extra
// (a function returning a last cell for a row, such as a remove button).
export function recordingsTable(ctx, recordings, { query = '', extra } = {}) {
  const playerURL = (r) => `${ctx.base}/${encodeURIComponent(r.id)}${query}`;
  return h('div', { class: 'table-wrap' }, h('table', { class: 'recordings' },
    h('thead', null, h('tr', null,
      h('th', { class: 'col-dot', 'aria-label': 'Viewed' }),
      h('th', null, 'Person'),
      h('th', null, 'Start URL'),
      h('th', null, 'Started'),
      h('th', { class: 'num' }, 'Duration'),
      h('th', { class: 'num' }, 'Active'),
      h('th', { class: 'num' }, 'Clicks'),
      h('th', { class: 'num' }, 'Errors'),
      h('th', null, 'Activity'),
      extra ? h('th', null) : null)),
    h('tbody', null, recordings.map((r) => {
      const name = personName(r);
      const row = h('tr', {
        class: `recording-row${r.viewed ? ' viewed' : ' unviewed'}`,
        dataset: { sessionId: r.id },
        onclick: (ev) => {
          if (ev.target instanceof Element && ev.target.closest('a, button, input, select')) return;
          ctx.navigate(playerURL(r));
        },
      },
      h('td', { class: 'col-dot' }, r.viewed ? null : h('span', { class: 'unviewed-dot', title: 'Not viewed yet' })),
      h('td', { class: 'person' },
        h('a', { href: playerURL(r), class: 'person-link' }, name),
        name !== r.distinct_id ? h('div', { class: 'sub', title: 'Distinct id' }, r.distinct_id) : null,
        h('div', { class: 'badges' },
          r.ongoing ? h('span', { class: 'badge badge-live', title: 'A batch arrived in the last 5 minutes' }, 'Ongoing') : null,
          r.viewed ? h('span', { class: 'badge', title: 'You have watched this recording' }, 'Viewed') : null)),
      h('td', { class: 'url', title: r.start_url || '' }, r.start_url ? shortURL(r.start_url) : h('span', { class: 'muted' }, '–')),
      h('td', { class: 'started', title: r.start_time }, date(r.start_time), h('div', { class: 'sub' }, ago(r.start_time))),
      h('td', { class: 'num' }, duration(r.recording_duration)),
      h('td', { class: 'num' }, duration(r.active_seconds)),
      h('td', { class: 'num' }, r.click_count),
      h('td', { class: `num${r.console_error_count ? ' has-errors' : ''}` }, r.console_error_count),
      h('td', null, activity(r.activity_score)),
      extra ? h('td', { class: 'row-actions' }, extra(r)) : null);
      return row;
    }))));
}

// pager shows "1–25 of 80" with previous and next buttons.
export function pager({ offset, count, shown, hasNext, onPage }) {
  const from = shown ? offset + 1 : 0;
  const to = offset + shown;
  return h('div', { class: 'pager' },
    h('span', { class: 'muted' }, count !== undefined && count !== null ? `${from}–${to} of ${count}` : `${from}–${to}`),
    h('button', { class: 'button', type: 'button', disabled: offset === 0, onclick: () => onPage(-1) }, '← Previous'),
    h('button', { class: 'button', type: 'button', disabled: !hasNext, onclick: () => onPage(1) }, 'Next →'));
}

// modalForm shows a small dialog with a form; onSubmit(values) may throw
// to show an error and keep it open. Returns the dialog element.
export function modalForm({ title, fields, submit, onSubmit }) {
  const error = h('div');
  const inputs = fields.map((f) => h('input', {
    name: f.name, type: f.type || 'text', value: f.value || '', required: f.required, maxlength: f.maxlength || 400,
    placeholder: f.placeholder || '', 'aria-label': f.label,
  }));
  const dialog = h('dialog', { class: 'modal' });
  const form = h('form', {
    method: 'dialog',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const values = {};
      inputs.forEach((el) => { values[el.name] = el.value.trim(); });
      button.disabled = true;
      try {
        await onSubmit(values);
        dialog.close();
        dialog.remove();
      } catch (err) {
        replace(error, notice('error', err.message || String(err)));
      } finally {
        button.disabled = false;
      }
    },
  });
  const button = h('button', { class: 'button primary', type: 'submit' }, submit);
  replace(form,
    h('h2', null, title),
    fields.map((f, i) => h('label', { class: 'field' }, h('span', null, f.label), inputs[i])),
    error,
    h('div', { class: 'modal-actions' },
      h('button', { class: 'button', type: 'button', onclick: () => { dialog.close(); dialog.remove(); } }, 'Cancel'),
      button));
  dialog.appendChild(form);
  document.body.appendChild(dialog);
  dialog.showModal();
  if (inputs[0]) inputs[0].select();
  return dialog;
}
