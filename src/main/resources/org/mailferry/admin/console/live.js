// The header (smarthost state, last hour) and the live events, by server-sent events.
import * as api from './api.js';

const KEEP = 100;
let listeners = [];

export function onEvent(f) { listeners.push(f); }

function fmtDuration(ms) {
  if (ms == null) return '\u2013';
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return Math.round(ms / 1000) + ' s';
  if (ms < 7200000) return Math.round(ms / 60000) + ' min';
  return Math.round(ms / 3600000) + ' h';
}

// "2026-12-05 08:55:39Z" from an ISO instant (UTC, to the second, as the logs).
export function fmtTime(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

export async function refreshHeader() {
  let s;
  try {
    s = await api.get('stats');
  } catch (e) {
    document.getElementById('smarthost').textContent = 'stats: ' + e.message;
    return null;
  }
  const sh = document.getElementById('smarthost');
  if (s.smarthosts.length === 0) {
    sh.textContent = 'no smarthost configured: messages stay queued';
    sh.className = 'down';
  } else if (s.down.length === 0) {
    sh.textContent = 'smarthost ' + s.smarthosts.join(', ') + ': up';
    sh.className = '';
  } else {
    sh.textContent = s.down.map((d) => d.site + ' down since ' + fmtTime(d.since) + ' (' + d.reason
      + '), throttled until ' + fmtTime(d.next_probe)).join('; ');
    sh.className = 'down';
  }
  const h = s.last_hour;
  document.getElementById('hour').textContent = 'last hour: ' + h.received + ' received, ' + h.delivered
    + ' delivered, ' + h.deferred + ' deferred, ' + h.bounced + ' bounced; latency p50 '
    + fmtDuration(s.latency_ms[0].p50) + ', p99 ' + fmtDuration(s.latency_ms[0].p99);
  return s;
}

export function start() {
  const list = document.getElementById('live');
  const state = document.getElementById('live-state');
  const source = new EventSource('api/events');
  source.addEventListener('open', () => { state.textContent = 'live'; });
  source.addEventListener('error', () => { state.textContent = 'live feed reconnecting\u2026'; });
  source.addEventListener('delivery', (ev) => {
    const e = JSON.parse(ev.data);
    const li = document.createElement('li');
    li.dataset.id = e.id;
    li.dataset.type = e.type;
    li.textContent = fmtTime(e.time) + ' ' + e.id + ' ' + e.type + (e.recipient ? ' ' + e.recipient : '')
      + (e.text ? ': ' + e.text : '');
    list.prepend(li);
    while (list.children.length > KEEP) list.lastElementChild.remove();
    for (const f of listeners) f(e);
  });
  refreshHeader();
  setInterval(refreshHeader, 15000);
}
