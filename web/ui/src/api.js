// The API client: every request is same-origin and carries the session
// cookie; no key is ever in the page.

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `The server answered ${status}.`);
    this.status = status;
    this.body = body;
  }
}

// loginURL is the sign-in page that comes back to the current page.
export function loginURL(next = location.pathname + location.search) {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

// api calls the API. Options: method, body (sent as JSON), query (object;
// undefined, null and '' values are left out), text (return the body as
// text), allow401 (throw instead of going to the sign-in page).
export async function api(path, { method = 'GET', body, query, text = false, allow401 = false, signal } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const headers = { Accept: text ? '*/*' : 'application/json' };
  const init = { method, headers, credentials: 'same-origin', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, `The server could not be reached (${err.message || err}).`);
  }
  if (resp.status === 401 && !allow401) {
    location.assign(loginURL());
    throw new ApiError(401, 'You are signed out.');
  }
  if (!resp.ok) {
    let detail = '';
    let parsed = null;
    try {
      parsed = await resp.json();
      detail = parsed && typeof parsed.detail === 'string' ? parsed.detail : '';
    } catch {
      // not JSON
    }
    throw new ApiError(resp.status, detail || `The server answered ${resp.status}.`, parsed);
  }
  if (resp.status === 204) return null;
  if (text) return resp.text();
  const type = resp.headers.get('Content-Type') || '';
  if (!type.includes('json')) return resp.text();
  return resp.json();
}

// projectAPI is the base path of a project's endpoints.
export function projectAPI(projectId) {
  return `/api/environments/${encodeURIComponent(projectId)}`;
}
