import { DEFAULT_SHUTDOWN_GRACE_MS } from '../config/listener-defaults.ts';

/** A source that gave nothing for this long at shutdown has nothing more in flight. */
const QUIET_MS = 100;

/**
 * At shutdown, what senders sent before it still sits in the kernel's socket buffers, and closing
 * the socket would discard it unread: syslog has no acknowledgement, so the sender counts it
 * delivered. A listener keeps reading until its sources have been quiet for QUIET_MS since the
 * shutdown began, for at most `graceMs`. `lastData` tells when a source last gave data, epoch ms
 * (0 for an open one that never did, Date.now() for one certain to give more, -Infinity when none
 * is open: then there is nothing to wait for).
 */
export async function readUntilQuiet(lastData: () => number, graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
  const start = Date.now();
  const deadline = start + graceMs;
  for (let now = start; now < deadline; now = Date.now()) {
    const last = lastData();
    // Quiet is counted from the shutdown at the earliest: data may wait unread behind a busy event loop.
    if (last === -Infinity || now - Math.max(last, start) >= QUIET_MS) return;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
  }
}
