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

export async function session() {
  const s = await answer(await fetch('api/session', { credentials: 'same-origin' }));
  csrf = s.csrf;
  return s;
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

export async function post(path) {
  return answer(await fetch(path, {
    method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf || '' } }));
}
