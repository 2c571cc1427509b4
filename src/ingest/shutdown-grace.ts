/** A source that gave nothing for this long at shutdown has nothing more in flight. */
const QUIET_MS = 100;

/**
 * At shutdown, what senders sent before it still sits in the kernel's socket buffers, and closing
 * the socket would discard it unread: syslog has no acknowledgement, so the sender counts it
 * delivered. A listener keeps reading until its sources have been quiet for QUIET_MS since the
 * shutdown began, for at most `graceMs`. `lastData` tells when a source last gave data
 * (Date.now() for one that is certain to give more, -Infinity when none is open).
 */
export async function readUntilQuiet(lastData: () => number, graceMs: number): Promise<void> {
  const start = Date.now();
  const deadline = start + graceMs;
  for (let now = start; now < deadline && now - Math.max(lastData(), start) < QUIET_MS; now = Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
  }
}
