// Per-minute charts over 24 hours, drawn as SVG from GET /console/api/stats (no library).
import * as api from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 1440;
const H = 200;

function el(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function chart(containerId, series, label) {
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v) => v != null)));
  const svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img' });
  const title = el('title', {});
  title.textContent = label + ', highest ' + max;
  svg.appendChild(title);
  for (const s of series) {
    const points = [];
    s.values.forEach((v, i) => { if (v != null) points.push(i + ',' + (H - 5 - (v / max) * (H - 20)).toFixed(1)); });
    svg.appendChild(el('polyline', { points: points.join(' '), class: s.name }));
    if (points.length === 1) { // one sample: a dot, since a line needs two
      const [x, y] = points[0].split(',');
      svg.appendChild(el('circle', { cx: x, cy: y, r: 4, class: s.name }));
    }
  }
  const top = el('text', { x: 4, y: 12 });
  top.textContent = String(max);
  svg.appendChild(top);
  const box = document.getElementById(containerId);
  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const s of series) {
    const span = document.createElement('span');
    span.textContent = s.name + ': ' + s.values.reduce((a, v) => a + (v || 0), 0) + (s.sum === false ? '' : ' in 24 h');
    if (s.sum === false) span.textContent = s.name + ' now: ' + (s.values.filter((v) => v != null).pop() ?? '\u2013');
    legend.appendChild(span);
  }
  box.replaceChildren(svg, legend);
}

export async function show() {
  let s;
  try {
    s = await api.get('stats');
  } catch (e) {
    document.getElementById('latency').textContent = e.message;
    return;
  }
  const pick = (n) => s.series.find((x) => x.name === n);
  chart('chart-events', [pick('delivered'), pick('deferred'), pick('bounced')], 'recipients per minute');
  chart('chart-queue', [{ name: 'queue', values: s.queue_size, sum: false }], 'messages queued');
  const ms = (v) => (v == null ? '\u2013' : v + ' ms');
  const l = s.latency_ms.map((w) => (w.window_minutes === 60 ? 'last hour' : 'last 24 h') + ': p50 '
    + ms(w.p50) + ', p90 ' + ms(w.p90) + ', p99 ' + ms(w.p99));
  document.getElementById('latency').textContent = 'Delivery latency (arrival to delivered; each figure is the '
    + 'upper bound of its histogram bucket), ' + l.join('; ') + (s.latency_ms[1].p50 == null ? ' (nothing delivered yet)' : '');
}
