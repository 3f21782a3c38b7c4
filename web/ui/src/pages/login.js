// The sign-in page: email and password, POST /api/login/, then back to ?next.

import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { notice } from '../components.js';

// safeNext keeps next only when it is a path on this site.
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  try {
    const u = new URL(next, location.origin);
    if (u.origin !== location.origin) return '/';
    if (u.pathname === '/login') return '/';
    return u.pathname + u.search + u.hash;
  } catch {
    return '/';
  }
}

export function loginPage(root) {
  const next = safeNext(new URLSearchParams(location.search).get('next') || '/');
  const message = h('div', { class: 'login-message' });
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { class: 'button primary wide', type: 'submit' }, 'Sign in');
  const form = h('form', {
    class: 'login-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      button.textContent = 'Signing in…';
      replace(message);
      try {
        await api('/api/login/', { method: 'POST', body: { email: email.value.trim(), password: password.value }, allow401: true });
        location.assign(next);
        return;
      } catch (err) {
        let text = err.message || String(err);
        if (err instanceof ApiError && err.status === 401) text = 'That email and password do not match an account.';
        else if (err instanceof ApiError && err.status === 429) text = `Too many sign-in attempts. ${err.message}`;
        else if (err instanceof ApiError && err.status === 404) text = 'This server does not offer signing in with a password.';
        replace(message, notice('error', text));
        password.select();
      }
      button.disabled = false;
      button.textContent = 'Sign in';
    },
  },
  h('label', { class: 'field', for: 'email' }, h('span', null, 'Email'), email),
  h('label', { class: 'field', for: 'password' }, h('span', null, 'Password'), password),
  message,
  button);

  replace(root, h('main', { class: 'login-page' },
    h('div', { class: 'login-card' },
      h('div', { class: 'brand login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '▶'), 'Tapedeck'),
      h('h1', null, 'Sign in'),
      h('p', { class: 'muted' }, 'Session replays of your sites.'),
      form,
      h('p', { class: 'muted small' }, 'No account yet? An administrator creates one with ', h('code', null, 'tapedeck user create --email … --password …'), '.'))));

  // Signed in already (the API says so): go on.
  let stopped = false;
  api('/api/users/@me/', { allow401: true }).then(() => {
    if (!stopped) location.replace(next);
  }, () => {});
  return () => { stopped = true; };
}
