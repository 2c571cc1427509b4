import { loadConfig } from '../config/load.ts';
import { listNodes } from '../admin/node-registry.ts';
import { NODE_HEADERS, nodeRow, summarizeNode } from '../admin/node-summary.ts';
import { openCliRedis } from './cli-redis.ts';
import { printable } from './dlq.ts';

/**
 * `vigil status`: the live nodes of the deployment this configuration's Redis and prefix name,
 * from the node registry: a table, or with --json one JSON document. Exits 1 when no node is live.
 */
export async function runStatus(flags: { json: boolean }): Promise<number> {
  const config = loadConfig();
  const { redis, close } = await openCliRedis(config, 'vigil status');
  try {
    const nodes = (await listNodes(redis, config.redis.prefix)).map(summarizeNode);
    if (flags.json) console.log(JSON.stringify({ prefix: config.redis.prefix, nodes }));
    else if (!nodes.length) console.error(`no live vigil nodes on this Redis (prefix ${config.redis.prefix})`);
    else console.log(formatTable(NODE_HEADERS, nodes.map((n) => nodeRow(n).map(printable))));
    return nodes.length ? 0 : 1;
  } finally {
    await close();
  }
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [headers, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
