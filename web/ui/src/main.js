// Tapedeck's web UI: a small client-side router over the pages, the header
// with the project switcher, and what every page shares.

import './style.css';
import { api, ApiError, projectAPI } from './api.js';
import { h, replace } from './dom.js';
import { errorPage, apiErrorPage } from './components.js';
import { loginPage } from './pages/login.js';
import { recordingsPage } from './pages/recordings.js';
import { playerPage } from './pages/player.js';
import { playlistsPage } from './pages/playlists.js';
import { playlistPage } from './pages/playlist.js';

const routes = [
  { pattern: /^\/project\/([^/]+)\/replay\/playlists\/([^/]+)$/, page: playlistPage, names: ['short_id'], nav: 'playlists' },
  { pattern: /^\/project\/([^/]+)\/replay\/playlists$/, page: playlistsPage, names: [], nav: 'playlists' },
  { pattern: /^\/project\/([^/]+)\/replay\/([^/]+)$/, page: playerPage, names: ['session_id'], nav: 'recordings' },
  { pattern: /^\/project\/([^/]+)\/replay$/, page: recordingsPage, names: [], nav: 'recordings' },
];

const root = document.getElementById('app');
let cleanup = null;
let renderCount = 0;
let me; // undefined: not asked yet; null: unknown

// navigate moves to another page of the UI without reloading.
export function navigate(url, { replace: replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

// Same-origin links to UI pages move without reloading.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !/^\/(project\/|login$|$)/.test(url.pathname)) return;
  ev.preventDefault();
  if (url.pathname === '/' || url.pathname === '/login') {
    location.assign(url.href);
    return;
  }
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => render());

// currentUser is the signed-in user (GET /api/users/@me/), asked once.
async function currentUser() {
  if (me === undefined) {
    try {
      me = await api('/api/users/@me/');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      me = null; // an older server without the endpoint: the UI works without it
    }
  }
  return me;
}

async function projectList(user) {
  if (user && Array.isArray(user.projects) && user.projects.length) return user.projects;
  try {
    const page = await api('/api/projects/', { query: { limit: 500 } });
    return (page && page.results) || [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    return [];
  }
}

export async function signOut() {
  try {
    await api('/api/logout/', { method: 'POST', allow401: true });
  } catch {
    // signed out already, or the server is gone: go to the form anyway
  }
  location.assign('/login');
}

function header(ctx, nav) {
  const base = `/project/${ctx.projectId}/replay`;
  const projects = ctx.projects;
  let switcher;
  if (projects.length > 1) {
    switcher = h('select', {
      class: 'project-switcher', 'aria-label': 'Project',
      onchange: (ev) => navigate(`/project/${ev.target.value}/replay`),
    }, projects.map((p) => h('option', { value: p.id, selected: String(p.id) === String(ctx.projectId) }, p.name || `Project ${p.id}`)));
  } else {
    switcher = h('span', { class: 'project-name' }, ctx.project.name || `Project ${ctx.projectId}`);
  }
  const user = ctx.user;
  return h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: base }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '▶'), 'Tapedeck'),
    h('nav', { class: 'mainnav' },
      h('a', { href: base, class: nav === 'recordings' ? 'active' : '' }, 'Recordings'),
      h('a', { href: `${base}/playlists`, class: nav === 'playlists' ? 'active' : '' }, 'Playlists')),
    h('div', { class: 'spacer' }),
    switcher,
    user ? h('span', { class: 'user', title: user.email }, user.email) : null,
    user ? h('button', { class: 'button subtle', type: 'button', onclick: signOut }, 'Sign out') : null);
}

async function render() {
  const count = ++renderCount;
  if (cleanup) {
    try {
      cleanup();
    } catch (err) {
      console.error(err);
    }
    cleanup = null;
  }
  const path = location.pathname.length > 1 ? location.pathname.replace(/\/$/, '') : location.pathname;
  if (path === '/login') {
    document.title = 'Sign in · Tapedeck';
    cleanup = loginPage(root) || null;
    return;
  }
  const route = routes.find((r) => r.pattern.test(path));
  if (!route) {
    replace(root, h('main', { class: 'page' }));
    errorPage(root.firstChild, 'Page not found', `There is no page at ${path}.`, [{ href: '/', text: 'Recordings' }]);
    return;
  }
  const m = route.pattern.exec(path);
  let projectId = decodeURIComponent(m[1]);
  const params = {};
  route.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 2]); });

  replace(root, h('div', { class: 'loading-page' }, h('div', { class: 'spinner' }), 'Loading…'));
  let user, project, projects;
  try {
    user = await currentUser();
    project = await api(`/api/projects/${encodeURIComponent(projectId)}/`);
    projects = await projectList(user);
  } catch (err) {
    if (count !== renderCount) return;
    if (err instanceof ApiError && err.status === 401) return; // on the way to the sign-in page
    const main = h('main', { class: 'page' });
    replace(root, main);
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
      errorPage(main, 'Project not found',
        err.status === 403 ? 'You are not a member of the organization this project belongs to.' : `There is no project ${projectId}.`,
        [{ href: '/', text: 'Go to your first project' }]);
    } else {
      errorPage(main, 'Tapedeck could not load', err.message || String(err));
    }
    return;
  }
  if (count !== renderCount) return;
  if (projectId === '@current') {
    // Name the project in the address, so links and reloads keep it.
    projectId = String(project.id);
    history.replaceState(null, '', location.pathname.replace('/project/@current', `/project/${projectId}`) + location.search + location.hash);
  }
  if (!projects.some((p) => String(p.id) === String(project.id))) projects = [...projects, project];
  const main = h('main', { class: 'page' });
  const ctx = {
    user, project, projects, projectId,
    api: projectAPI(projectId),
    base: `/project/${projectId}/replay`,
    navigate,
    isCurrent: () => count === renderCount,
    setTitle: (t) => { document.title = `${t} · Tapedeck`; },
  };
  replace(root, header(ctx, route.nav), main);
  try {
    cleanup = (await route.page(main, ctx, params)) || null;
  } catch (err) {
    if (count !== renderCount) return;
    console.error(err);
    apiErrorPage(main, err, 'Page');
  }
}

if (!root) throw new Error('no #app element');
render();
