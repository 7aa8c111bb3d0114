// Requests to the console's JSON under /console/api/, with the session's CSRF token on changes.
let csrf = null;

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function answer(response) {
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.error) || ('HTTP ' + response.status));
  }
  return body;
}

// Whether this browser is logged in (and, if so, the CSRF token for changes).
export async function session() {
  const s = await answer(await fetch('api/session', { credentials: 'same-origin' }));
  csrf = s.csrf || null;
  return s.logged_in === 'yes';
}

export async function login(token) {
  const body = new URLSearchParams({ token });
  const s = await answer(await fetch('login', { method: 'POST', body, credentials: 'same-origin' }));
  csrf = s.csrf;
  return s;
}

export async function get(path, params) {
  const q = params ? '?' + new URLSearchParams(params) : '';
  return answer(await fetch('api/' + path + q, { credentials: 'same-origin' }));
}

// A change: POST with the CSRF token (and the form fields, if any).
export async function post(path, form) {
  return answer(await fetch(path, {
    method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf || '' },
    body: form ? new URLSearchParams(form) : undefined }));
}
