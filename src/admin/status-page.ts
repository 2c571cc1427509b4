import { NODE_HEADERS, nodeRow, type NodeSummary } from './node-summary.ts';
import type { RecentEvent, RecentFilter } from './status-recent.ts';
import type { StatusSnapshot } from './status-state.ts';

/** POST /status/test-events wants it: a header another site cannot send without a CORS preflight. */
export const TEST_EVENTS_HEADER = 'x-vigil-test-events';

/** The page's filter: the recent-events filter, and a sink. */
export interface StatusFilter extends RecentFilter {
  sink?: string;
}

export interface StatusState extends StatusSnapshot {
  filter: StatusFilter;
  /** Undefined when this process does not run the process stage. */
  events?: Record<string, RecentEvent[]>;
  /** Every live node of the deployment (the node registry), this one included. */
  nodes: NodeSummary[];
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Cells and rows as both the server and the page's script build them: text only, never markup. */
export function tableRows(state: StatusState): Record<keyof typeof HEADERS, string[][]> {
  const rate = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  const reasons = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || '0';
  return {
    nodes: state.nodes.map(nodeRow),
    listeners: state.listeners.map((l) => [l.listener, rate(l.perSecond), String(l.received), String(l.dropped), String(l.connections)]),
    formats: state.formats.map((f) => [f.format, rate(f.perSecond), String(f.parsed), String(f.failed)]),
    sinks: state.sinks.map((s) => [s.sink, s.health, s.detail, rate(s.perSecond), String(s.forwarded), String(s.backlogJobs), reasons(s.retries), reasons(s.deadLetters), String(s.dlqDepth)]),
    queues: state.queues.map((q) => [q.queue, String(q.jobs)]),
  };
}

export const HEADERS = {
  nodes: NODE_HEADERS,
  listeners: ['listener', 'events/s', 'received', 'dropped', 'connections'],
  formats: ['format', 'events/s', 'parsed', 'parse failures'],
  sinks: ['sink', 'health', 'detail', 'events/s', 'forwarded', 'backlog (batches)', 'retries', 'dead letters', 'in DLQ'],
  queues: ['queue', 'batches waiting'],
};

function table(id: keyof typeof HEADERS, rows: string[][]): string {
  const head = HEADERS[id].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${id === 'sinks' && i === 1 ? ` class="h-${escapeHtml(cell)}"` : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function eventsHtml(events: StatusState['events']): string {
  if (!events) return '<p>This process does not run the process stage (role): open the status page of a process that does, or run vigil tap against this one (it shows the events of every process node).</p>';
  const datasets = Object.entries(events);
  if (!datasets.length) return '<p>No events processed yet (or none match the filter).</p>';
  return datasets.map(([dataset, list]) => `<h3>${escapeHtml(dataset)}</h3>${list.map((e) => `<details class="event" data-id="${escapeHtml(e.id)}"><summary>${escapeHtml(summary(e))}</summary><pre>${escapeHtml(pretty(e.json))}</pre></details>`).join('')}`).join('');
}

function summary(e: RecentEvent): string {
  return `${e.timestamp}  ${e.level}  from ${e.source || '?'}  ${e.message}`;
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/**
 * The status page: rendered here with the current state, then kept fresh by the inline script,
 * which polls /status.json every 2 s and rebuilds the same tables with textContent only. Every
 * value from events is escaped (server) or set as text (script): events are attacker-controlled.
 */
export function renderStatusPage(state: StatusState, options: { nonce: string; token?: string }): string {
  const rows = tableRows(state);
  const f = state.filter;
  const input = (name: keyof StatusFilter, label: string) =>
    `<label>${label} <input name="${name}" value="${escapeHtml(f[name] ?? '')}" size="14"></label>`;
  const n = state.node;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>vigil status</title>
<style nonce="${escapeHtml(options.nonce)}">
body{font:14px/1.4 system-ui,sans-serif;margin:1.2em;color:#1b1f24;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.2em 0 .3em}h3{font-size:1em;margin:.8em 0 .2em}
table{border-collapse:collapse;margin-bottom:.5em}th,td{border:1px solid #ccd;padding:.2em .6em;text-align:left}th{background:#eef}
.h-up{background:#d6f5d6}.h-down{background:#f9c8c8;font-weight:bold}.h-halted{background:#fde3a7;font-weight:bold}
pre{background:#f6f8fa;padding:.5em;overflow:auto;max-height:24em;margin:.2em 0 .6em}
details.event summary{font-family:ui-monospace,monospace;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}form{margin:.5em 0}#meta{color:#555}
</style></head><body>
<h1>vigil status</h1>
<p id="meta">${escapeHtml(`${n.host} · pid ${n.pid} · role ${n.role} · up ${n.uptimeSeconds} s · rates over ${state.rateWindowSeconds} s`)}</p>
<form id="filters" method="get" action="status">
${input('dataset', 'dataset')} ${input('module', 'module')} ${input('severity', 'severity')} ${input('source', 'source address')} ${input('sink', 'sink')}
${options.token !== undefined ? `<input type="hidden" name="token" value="${escapeHtml(options.token)}">` : ''}
<button type="submit">Filter</button></form>
<p><button id="send-test" type="button">Send a test event of each kind</button> <span id="send-result" role="status"></span></p>
<h2>Nodes</h2>${table('nodes', rows.nodes)}
<h2>Listeners</h2>${table('listeners', rows.listeners)}
<h2>Formats</h2>${table('formats', rows.formats)}
<h2>Sinks</h2>${table('sinks', rows.sinks)}
<h2>Backlog</h2>${table('queues', rows.queues)}
<h2>Latest events per dataset</h2><div id="events">${eventsHtml(state.events)}</div>
<script nonce="${escapeHtml(options.nonce)}">${CLIENT_SCRIPT}</script>
</body></html>`;
}

/**
 * Runs in the browser. Kept as a string of plain ES2020 (no build step); it builds nodes with
 * textContent, never innerHTML. The token, when the page was opened with ?token=, goes on as a
 * bearer header. URLs are relative, so the page also works behind a proxy that serves it under a path.
 */
const CLIENT_SCRIPT = `
(() => {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const headers = token ? { authorization: 'Bearer ' + token } : {};
  const form = document.getElementById('filters');
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const HEADERS = ${JSON.stringify(HEADERS)};
  const rate = (n) => n.toFixed(n < 10 ? 2 : 0);
  const reasons = (r) => Object.entries(r).map(([k, v]) => k + ' ' + v).join(', ') || '0';
  const rowsOf = (s) => ({
    nodes: s.nodes.map((n) => [n.id, n.role, n.host, String(n.pid), n.version, rate(n.inPerSecond), rate(n.outPerSecond), n.health, String(n.backlogJobs), n.fingerprint, n.heartbeatAgeSeconds + ' s']),
    listeners: s.listeners.map((l) => [l.listener, rate(l.perSecond), String(l.received), String(l.dropped), String(l.connections)]),
    formats: s.formats.map((f) => [f.format, rate(f.perSecond), String(f.parsed), String(f.failed)]),
    sinks: s.sinks.map((k) => [k.sink, k.health, k.detail, rate(k.perSecond), String(k.forwarded), String(k.backlogJobs), reasons(k.retries), reasons(k.deadLetters), String(k.dlqDepth)]),
    queues: s.queues.map((q) => [q.queue, String(q.jobs)]),
  });
  const fillTable = (id, rows) => {
    const body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren(...rows.map((row) => {
      const tr = el('tr');
      row.forEach((cell, i) => tr.append(el('td', cell, id === 'sinks' && i === 1 ? 'h-' + cell : undefined)));
      return tr;
    }));
  };
  const pretty = (json) => { try { return JSON.stringify(JSON.parse(json), null, 2); } catch { return json; } };
  const fillEvents = (events) => {
    const box = document.getElementById('events');
    const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.id));
    if (!events) { box.replaceChildren(el('p', 'This process does not run the process stage (role): open the status page of a process that does, or run vigil tap against this one (it shows the events of every process node).')); return; }
    const datasets = Object.entries(events);
    if (!datasets.length) { box.replaceChildren(el('p', 'No events processed yet (or none match the filter).')); return; }
    const nodes = [];
    for (const [dataset, list] of datasets) {
      nodes.push(el('h3', dataset));
      for (const e of list) {
        const d = el('details', undefined, 'event');
        d.dataset.id = e.id;
        if (open.has(e.id)) d.open = true;
        d.append(el('summary', e.timestamp + '  ' + e.level + '  from ' + (e.source || '?') + '  ' + e.message), el('pre', pretty(e.json)));
        nodes.push(d);
      }
    }
    box.replaceChildren(...nodes);
  };
  const query = () => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (k !== 'token' && String(v).trim()) q.set(k, String(v).trim());
    return q.toString();
  };
  const refresh = async () => {
    try {
      const response = await fetch('status.json?' + query(), { headers, cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const s = await response.json();
      const rows = rowsOf(s);
      for (const id of Object.keys(HEADERS)) fillTable(id, rows[id]);
      fillEvents(s.events);
      document.getElementById('meta').textContent = s.node.host + ' · pid ' + s.node.pid + ' · role ' + s.node.role + ' · up ' + s.node.uptimeSeconds + ' s · rates over ' + s.rateWindowSeconds + ' s · updated ' + new Date().toLocaleTimeString();
    } catch (error) {
      document.getElementById('meta').textContent = 'cannot reach vigil: ' + error.message;
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); history.replaceState(null, '', 'status?' + new URLSearchParams(new FormData(form)).toString()); void refresh(); });
  document.getElementById('send-test').addEventListener('click', async () => {
    const out = document.getElementById('send-result');
    out.textContent = 'sending…';
    try {
      const response = await fetch('status/test-events', { method: 'POST', headers: { ...headers, '${TEST_EVENTS_HEADER}': '1' } });
      const body = await response.json();
      out.textContent = response.ok ? 'sent ' + body.sent.map((s) => s.type).join(', ') + ' over ' + body.via : 'failed: ' + body.error;
    } catch (error) {
      out.textContent = 'failed: ' + error.message;
    }
    setTimeout(refresh, 500);
  });
  setInterval(refresh, 2000);
})();
`;
