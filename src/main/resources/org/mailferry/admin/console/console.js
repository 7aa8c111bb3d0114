// The console's entry module: log in if needed, then the view the address's #fragment names.
import * as api from './api.js';
import * as queue from './queue.js';
import * as message from './message.js';
import * as live from './live.js';
import * as charts from './charts.js';

function show(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
}

async function route() {
  const hash = location.hash.replace(/^#/, '');
  if (hash.startsWith('message/')) {
    show('message');
    await message.show(decodeURIComponent(hash.substring('message/'.length)));
  } else if (hash === 'charts') {
    show('charts');
    await charts.show();
  } else {
    show('queue');
    await queue.load();
  }
}

let reload = null;
let header = null;

// New events change the header's counters: ask again at most once a second.
function headerChanged() {
  if (header) return;
  header = setTimeout(() => { header = null; live.refreshHeader(); }, 1000);
}

// New events change the table: reload it at most once a second while it is shown.
function queueChanged() {
  if (document.getElementById('queue').hidden || reload) return;
  reload = setTimeout(() => { reload = null; queue.load(); }, 1000);
}

async function enter() {
  document.getElementById('logout').hidden = false;
  document.getElementById('tabs').hidden = false;
  document.getElementById('summary').hidden = false;
  window.addEventListener('hashchange', route);
  live.onEvent(queueChanged);
  live.onEvent(headerChanged);
  live.onEvent((e) => { if (e.id === message.currentId() && !document.getElementById('message').hidden) message.show(e.id); });
  live.start();
  await route();
}

async function start() {
  queue.setUp();
  message.setUp(() => live.refreshHeader());
  document.getElementById('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = document.getElementById('token');
    try {
      await api.login(input.value.trim());
      input.value = '';
      document.getElementById('login-error').textContent = '';
      await enter();
    } catch (e) {
      document.getElementById('login-error').textContent = e.message;
    }
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api.post('logout'); } finally { location.hash = ''; location.reload(); }
  });
  let loggedIn;
  try {
    loggedIn = await api.session();
  } catch (e) {
    document.getElementById('status').textContent = e.message;
    return;
  }
  if (loggedIn) await enter();
  else { show('login'); document.getElementById('token').focus(); }
}

start();
