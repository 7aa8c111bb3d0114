// The console's entry module: log in if needed, then show the queue.
import * as api from './api.js';
import * as queue from './queue.js';

function show(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
}

async function start() {
  queue.setUp();
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
    try { await api.post('logout'); } finally { location.reload(); }
  });
  try {
    await api.session();
    await enter();
  } catch (e) {
    if (e.status === 401) show('login');
    else document.getElementById('status').textContent = e.message;
  }
}

async function enter() {
  document.getElementById('logout').hidden = false;
  show('queue');
  await queue.load();
}

start();
