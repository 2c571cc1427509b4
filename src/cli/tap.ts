import { createInterface } from 'node:readline';
import type { StatusFilter } from '../admin/status-page.ts';
import { AdminError, adminGet, adminTarget, type AdminFlags } from './admin-client.ts';
import { printable } from './dlq.ts';

export interface TapFlags extends AdminFlags {
  filter: StatusFilter;
  /** Show each event's original text beside its ECS form. */
  original: boolean;
  /** NDJSON on stdout, one line per event or skipped-marker. */
  json: boolean;
  /** Stop after this many events. */
  limit?: number;
}

interface EventLine {
  type: 'event';
  node: string;
  sinks: string[];
  timestamp: string;
  dataset: string;
  level: string;
  source: string;
  event: { message?: unknown; event?: { original?: unknown } };
}

/**
 * `vigil tap`: streams the events the process nodes are processing now, from any node's admin
 * listener (GET /tap). One readable line per event, or with --json the listener's NDJSON lines.
 * Events sampled out under load are reported as skipped, never silently missing.
 */
export async function runTap(flags: TapFlags): Promise<number> {
  try {
    const target = adminTarget(flags);
    const response = await adminGet(target, '/tap', { ...flags.filter });
    let shown = 0;
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    for await (const line of readLines(lines, target.url.origin)) {
      const message = JSON.parse(line) as { type: string; node?: string; count?: number };
      if (message.type === 'hello') {
        const filters = Object.entries(flags.filter).map(([k, v]) => `${k}=${v}`).join(' ');
        console.error(`tapping ${target.url.origin}${filters ? ` (${filters})` : ''}; Ctrl-C stops`);
        continue;
      }
      if (message.type === 'skipped') {
        console.log(flags.json ? line : `-- ${message.count} event(s) processed on ${printable(String(message.node))} not shown (sampled) --`);
        continue;
      }
      if (message.type !== 'event') continue;
      console.log(flags.json ? jsonLine(line, flags.original) : readable(line, message as EventLine, flags.original));
      if (flags.limit !== undefined && ++shown >= flags.limit) {
        response.destroy();
        return 0;
      }
    }
    // The listener ended the stream: vigil stopping or restarting, or a proxy's timeout.
    throw new AdminError(`${target.url.origin} closed the stream`);
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    console.error(`vigil tap: ${printable(error.message)}`);
    return 1;
  }
}

/** The stream's lines; a connection that breaks is one line saying so, not a stack. */
async function* readLines(lines: AsyncIterable<string>, origin: string): AsyncGenerator<string> {
  try {
    for await (const line of lines) {
      if (!line.startsWith('{')) throw new AdminError(`${origin} sent a line that is not JSON: is --url an admin listener?`);
      yield line;
    }
  } catch (error) {
    if (error instanceof AdminError) throw error;
    throw new AdminError(`the stream from ${origin} broke: ${(error as Error).message}`);
  }
}

/** The ECS event's JSON text as the listener sent it: always the line's last member. */
function ecsText(line: string): string {
  // Member names and string values before it are JSON strings, whose quotes are escaped: the first match is the member.
  return line.slice(line.indexOf(',"event":') + ',"event":'.length, -1);
}

function originalOf(event: EventLine['event']): string {
  const original = event.event?.original;
  return typeof original === 'string' ? original : '';
}

/** With --original, the raw message as its own member, before the ECS event. */
function jsonLine(line: string, original: boolean): string {
  if (!original) return line;
  const at = line.indexOf(',"event":');
  return `${line.slice(0, at)},"original":${JSON.stringify(originalOf((JSON.parse(line) as EventLine).event))}${line.slice(at)}`;
}

function readable(line: string, e: EventLine, original: boolean): string {
  const message = typeof e.event.message === 'string' ? e.event.message : originalOf(e.event);
  const head = [e.timestamp, e.dataset, e.level, e.source || '-', message.slice(0, 300)].map((field) => printable(String(field))).join('  ');
  if (!original) return head;
  return `${head}\n  original  ${printable(originalOf(e.event))}\n  ecs       ${printable(ecsText(line))}`;
}
