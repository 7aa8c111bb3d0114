// One message: envelope, headers, attempts, events, DSNs, webhooks; and the actions, confirmed first.
import * as api from './api.js';

const LABELS = { flush: 'Flush', hold: 'Hold', release: 'Release', delete: 'Delete', bounce: 'Bounce now' };
const DONE = { flush: 'flush', hold: 'hold', release: 'release', delete: 'delete', bounce: 'bounce (return to the sender now)' };

// One button per action into the element `containerId`, each marked data-ATTR="verb".
export function actionButtons(containerId, attr) {
  const box = document.getElementById(containerId);
  for (const [verb, label] of Object.entries(LABELS)) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset[attr] = verb;
    b.textContent = label;
    box.appendChild(b);
  }
  return [...box.querySelectorAll('button')];
}

// Asks in the page's own dialog (no window.confirm); resolves true for "Yes".
export function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

export function tell(text, bad) {
  const n = document.getElementById('notice');
  n.textContent = text;
  n.className = bad ? 'error' : '';
}

// Runs VERB on the ids after confirmation; returns true when something was done.
export async function act(verb, ids) {
  const what = ids.length === 1 ? 'message ' + ids[0] : ids.length + ' messages';
  if (!await confirmAction(DONE[verb] + ' ' + what + '?')) {
    tell(verb + ': cancelled');
    return false;
  }
  try {
    const r = ids.length === 1
      ? await api.post('api/messages/' + encodeURIComponent(ids[0]) + '/' + verb)
      : await api.post('api/actions/' + verb, { ids: ids.join(',') });
    const failed = r.results.filter((x) => x.status !== 200);
    tell(ids.length === 1 ? r.results[0].result
      : verb + ': ' + (r.results.length - failed.length) + ' done' + (failed.length ? ', ' + failed.length
        + ' not: ' + failed.map((x) => x.result).join('; ') : ''), failed.length > 0);
  } catch (e) {
    tell(e.message, true);
  }
  return true;
}

function rows(tableId, items, columns) {
  const body = document.querySelector('#' + tableId + ' tbody');
  const names = [...document.querySelectorAll('#' + tableId + ' thead th')].map((th) => th.textContent);
  body.replaceChildren();
  for (const item of items) {
    const tr = document.createElement('tr');
    for (const [i, c] of columns.entries()) {
      const td = document.createElement('td');
      td.dataset.label = names[i]; // a phone shows each value under its column's name (console.css)
      td.textContent = typeof c === 'function' ? c(item) : (item[c] == null ? '' : String(item[c]));
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  if (items.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = columns.length;
    td.textContent = 'none';
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

let current = null;

export async function show(id) {
  current = id;
  const error = document.getElementById('message-error');
  document.getElementById('m-body').hidden = true;
  document.getElementById('m-body').textContent = '';
  let m;
  try {
    m = await api.get('messages/' + encodeURIComponent(id));
    error.textContent = '';
  } catch (e) {
    error.textContent = e.message;
    document.getElementById('m-id').textContent = id;
    document.getElementById('m-state').textContent = '';
    return;
  }
  document.getElementById('m-id').textContent = m.id;
  document.getElementById('m-state').textContent = m.state;
  const dl = document.getElementById('m-envelope');
  dl.replaceChildren();
  for (const [k, v] of [['Sender', m.sender || '<>'], ['Arrival', m.arrival], ['Size', m.size + ' bytes'],
    ['Body', m.body_type + (m.smtputf8 === 'yes' ? ', SMTPUTF8' : '')], ['Client', m.client],
    ['ENVID', m.envid], ['RET', m.ret], ['Attempts', String(m.attempt_count)], ['Next attempt', m.next_attempt || '']]) {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v;
    dl.append(dt, dd);
  }
  rows('m-recipients', m.recipients, ['recipient', 'state', 'last_reply']);
  document.getElementById('m-headers').textContent = m.headers;
  rows('m-attempts', m.attempts, ['time', 'recipient', 'relay', 'outcome']);
  rows('m-events', m.events, ['time', 'type', 'recipient', (e) => [e.relay, e.text].filter(Boolean).join(': ')]);
  rows('m-dsns', m.dsns, ['time', (d) => d.notice_id || '', 'text']);
  rows('m-webhooks', m.webhooks, ['time', 'event', 'url', 'attempt', (w) => w.answer + (w.given_up === 'yes' ? ' (given up)' : '')]);
  const queued = m.state !== 'finished';
  for (const b of document.querySelectorAll('#m-actions button')) {
    const verb = b.dataset.act;
    b.disabled = !queued || (verb === 'hold' && m.state === 'held') || (verb === 'release' && m.state !== 'held');
  }
  document.getElementById('m-show-body').disabled = !queued;
}

export function setUp(afterChange) {
  for (const b of actionButtons('m-actions', 'act')) {
    b.addEventListener('click', async () => {
      if (await act(b.dataset.act, [current])) {
        await show(current);
        afterChange();
      }
    });
  }
  document.getElementById('m-show-body').addEventListener('click', async () => {
    const pre = document.getElementById('m-body');
    try {
      const b = await api.get('messages/' + encodeURIComponent(current) + '/body');
      pre.textContent = b.body + (b.truncated === 'yes' ? '\n[... cut at 64 KiB]' : '');
    } catch (e) {
      pre.textContent = e.message;
    }
    pre.hidden = false;
  });
}

export function currentId() { return current; }
