import type { StatusSnapshot } from '../admin/status-state.ts';
import { printable } from './dlq.ts';

/** One node as `vigil top` shows it. */
export interface TopNode {
  id: string;
  role: string;
  version?: string;
  /** Seconds since its status was taken (registry heartbeat); unset for a node asked directly. */
  heartbeatAgeSeconds?: number;
  /** Null for a registered node that has not sent a status yet. */
  status: StatusSnapshot | null;
}

const rate = (n: number) => n.toFixed(n < 10 ? 1 : 0);
const reasons = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || '0';
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * The text of one `vigil top` screen: nodes, then listeners, formats, sinks and queues, one row
 * per node and name. Plain text, columns padded; names from the status are made printable.
 */
export function renderTop(nodes: TopNode[], now: Date): string {
  const window = Math.max(0, ...nodes.map((n) => n.status?.rateWindowSeconds ?? 0));
  const many = nodes.length > 1;
  const out: string[] = [`vigil top  ${now.toISOString().slice(11, 19)} UTC  ${nodes.length} node(s)  rates are events/s over the last ${window} s`, ''];
  const section = (title: string, head: string[], rows: string[][]) => {
    out.push(...table([title.toUpperCase(), ...(many ? ['NODE'] : []), ...head], rows.length ? rows : [['(none)']]), '');
  };
  const each = <T>(pick: (s: StatusSnapshot) => T[], row: (item: T) => string[]) =>
    nodes.flatMap((n) => (n.status ? pick(n.status) : []).map((item) => { const [name, ...rest] = row(item); return [name, ...(many ? [n.id] : []), ...rest]; }));

  out.push(...table(['NODE', 'ROLE', 'UP', 'VERSION', 'HEARTBEAT'], nodes.map((n) => [
    n.id, n.role, n.status ? duration(n.status.node.uptimeSeconds) : 'no status yet', n.version ?? '',
    n.heartbeatAgeSeconds === undefined ? 'now' : `${duration(Math.round(n.heartbeatAgeSeconds))} ago`,
  ])), '');
  section('listener', ['EV/S', 'RECEIVED', 'DROPPED', 'CONNS'], each((s) => s.listeners, (l) => [l.listener, rate(l.perSecond), String(l.received), String(l.dropped), String(l.connections)]));
  section('format', ['EV/S', 'PARSED', 'FAILED'], each((s) => s.formats ?? [], (f) => [f.format, rate(f.perSecond), String(f.parsed), String(f.failed)]));
  section('sink', ['HEALTH', 'EV/S', 'FORWARDED', 'BACKLOG', 'RETRIES', 'DEAD', 'IN DLQ', 'DETAIL'], each((s) => s.sinks, (k) => [
    k.sink, k.health.toUpperCase(), rate(k.perSecond), String(k.forwarded), String(k.backlogJobs), String(total(k.retries)), String(total(k.deadLetters)), String(k.dlqDepth),
    [k.detail, total(k.retries) ? `retries: ${reasons(k.retries)}` : '', total(k.deadLetters) ? `dead: ${reasons(k.deadLetters)}` : ''].filter(Boolean).join('; '),
  ]));
  section('queue', ['BATCHES'], each((s) => s.queues, (q) => [q.queue, String(q.jobs)]));
  return out.join('\n');
}

function table(head: string[], rows: string[][]): string[] {
  const cells = [head, ...rows].map((row) => row.map((cell) => printable(cell)));
  const widths = head.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d}d${h}h` : h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(seconds % 60).padStart(2, '0')}s`;
}
