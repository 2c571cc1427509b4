import type { NodeRecord } from '../admin/node-registry.ts';
import type { StatusSnapshot } from '../admin/status-state.ts';
import { AdminError, adminJson, adminTarget, type AdminFlags, type AdminTarget } from './admin-client.ts';
import { printable } from './dlq.ts';
import { renderTop, type TopNode } from './top-view.ts';

export interface TopFlags extends AdminFlags {
  /** Every node of the deployment (the node registry), not only the one asked. */
  all: boolean;
  /** Print one screen and exit (scripts, tests). */
  once: boolean;
  /** Seconds between screens. */
  intervalSeconds: number;
}

/** Nodes to show: the one asked (its /status.json), or with --all every live node in the registry. */
export async function readNodes(target: AdminTarget, all: boolean): Promise<TopNode[]> {
  if (!all) {
    const status = await adminJson<StatusSnapshot>(target, '/status.json', { events: '0' });
    return [{ id: `${status.node.host}:${status.node.pid}`, role: status.node.role, status }];
  }
  const { nodes } = await adminJson<{ nodes: NodeRecord[] }>(target, '/status/nodes.json');
  return nodes.map((n) => ({ id: `${n.host}:${n.pid}`, role: n.role, version: n.version, heartbeatAgeSeconds: n.heartbeatAgeMs / 1000, status: n.status }));
}

/**
 * `vigil top`: a live view of one node's (or with --all every node's) listeners, formats, sinks
 * and queues, redrawn in place every interval from the admin listener's /status.json. Plain
 * ANSI: clear and home, no curses. --once prints one screen without escape codes.
 */
export async function runTop(flags: TopFlags): Promise<number> {
  try {
    const target = adminTarget(flags);
    if (flags.once || !process.stdout.isTTY) {
      do {
        console.log(renderTop(await readNodes(target, flags.all), new Date()));
        if (flags.once) return 0;
        await sleep(flags.intervalSeconds * 1000);
      } while (true);
    }
    // The alternate screen keeps the shell's scrollback; it is left on exit (Ctrl-C included).
    const leave = () => process.stdout.write('\x1b[?1049l\x1b[?25h');
    process.stdout.write('\x1b[?1049h\x1b[?25l');
    process.once('exit', leave);
    process.once('SIGINT', () => process.exit(0));
    for (;;) {
      let screen: string;
      try {
        screen = renderTop(await readNodes(target, flags.all), new Date());
      } catch (error) {
        if (!(error instanceof AdminError)) throw error;
        screen = `vigil top  ${new Date().toISOString().slice(11, 19)} UTC\n\n${printable(error.message)}\n(retrying)`;
      }
      process.stdout.write(`\x1b[H\x1b[2J${screen}\n`);
      await sleep(flags.intervalSeconds * 1000);
    }
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    console.error(`vigil top: ${printable(error.message)}`);
    return 1;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
