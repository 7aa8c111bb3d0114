// The queue table: the server filters, sorts and pages; this module only asks and shows.
import * as api from './api.js';
import { act, actionButtons } from './message.js';

const PAGE = 50;
const state = { sort: 'arrival', order: 'asc', offset: 0, filters: {} };
const selected = new Set();
let asked = 0;

function showSelected() {
  document.getElementById('selected').textContent = selected.size + ' selected';
  for (const b of document.querySelectorAll('#bulk button')) b.disabled = selected.size === 0;
}

function age(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return s + 's';
  if (s < 7200) return Math.round(s / 60) + 'm';
  if (s < 172800) return Math.round(s / 3600) + 'h';
  return Math.round(s / 86400) + 'd';
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

export function onOpen(handler) { state.open = handler; }

export async function load() {
  const params = { sort: state.sort, order: state.order, offset: state.offset, limit: PAGE };
  for (const [k, v] of Object.entries(state.filters)) if (v) params[k] = v;
  const error = document.getElementById('queue-error');
  const mine = ++asked;
  let page;
  try {
    page = await api.get('queue', params);
    if (mine !== asked) return; // a later request (other filters) answers instead
    error.textContent = '';
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  const body = document.querySelector('#queue-table tbody');
  // a reload (a live event) must not take the keyboard's focus away: note it, put it back below
  const had = body.contains(document.activeElement) ? document.activeElement : null;
  const focus = had ? { id: had.closest('tr').dataset.id, box: had.type === 'checkbox' } : null;
  body.replaceChildren();
  for (const m of page.rows) {
    const tr = document.createElement('tr');
    tr.dataset.id = m.id;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = selected.has(m.id);
    box.setAttribute('aria-label', 'select ' + m.id);
    box.addEventListener('change', () => { if (box.checked) selected.add(m.id); else selected.delete(m.id); showSelected(); });
    cell(tr, '').appendChild(box);
    const idCell = cell(tr, '');
    const a = document.createElement('a');
    a.href = '#message/' + encodeURIComponent(m.id);
    a.textContent = m.id;
    idCell.appendChild(a);
    cell(tr, age(m.arrival));
    cell(tr, m.sender || '<>');
    cell(tr, m.recipients.join(', '));
    cell(tr, String(m.size));
    cell(tr, m.state, 'state');
    cell(tr, String(m.attempts));
    cell(tr, m.last_reply, 'reply');
    body.appendChild(tr);
  }
  if (focus) {
    const row = [...body.rows].find((r) => r.dataset.id === focus.id) || body.rows[0];
    const target = row ? row.querySelector(focus.box ? 'input' : 'a') : document.getElementById('select-all');
    target.focus({ preventScroll: true });
  }
  const end = page.offset + page.rows.length;
  document.getElementById('range').textContent = page.matched === 0 ? 'no messages match'
    : (page.offset + 1) + '\u2013' + end + ' of ' + page.matched + ' matching (' + page.total + ' queued)';
  document.getElementById('select-all').checked = false;
  showSelected();
  document.getElementById('prev').disabled = page.offset === 0;
  document.getElementById('next').disabled = end >= page.matched;
  for (const b of document.querySelectorAll('th button[data-sort]')) {
    b.setAttribute('aria-sort', b.dataset.sort === state.sort
      ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none');
  }
}

export function setUp() {
  document.getElementById('select-all').addEventListener('change', (ev) => {
    for (const box of document.querySelectorAll('#queue-table tbody input[type=checkbox]')) {
      box.checked = ev.target.checked;
      const id = box.closest('tr').dataset.id;
      if (box.checked) selected.add(id); else selected.delete(id);
    }
    showSelected();
  });
  for (const b of actionButtons('bulk', 'bulk')) {
    b.addEventListener('click', async () => {
      if (await act(b.dataset.bulk, [...selected])) {
        selected.clear();
        await load();
      }
    });
  }
  document.getElementById('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.filters = Object.fromEntries(new FormData(ev.target).entries());
    state.offset = 0;
    load();
  });
  for (const b of document.querySelectorAll('th button[data-sort]')) {
    b.addEventListener('click', () => {
      if (state.sort === b.dataset.sort) state.order = state.order === 'asc' ? 'desc' : 'asc';
      else { state.sort = b.dataset.sort; state.order = 'asc'; }
      state.offset = 0;
      load();
    });
  }
  document.getElementById('prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  document.getElementById('next').addEventListener('click', () => { state.offset += PAGE; load(); });
}
