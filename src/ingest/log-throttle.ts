/**
 * Lets a repeated log line through at most once per interval, reporting how many were held back,
 * so a dead Redis does not turn every failed batch into a log line.
 */
export function createLogThrottle(intervalMs: number, now: () => number = Date.now): (log: (suppressed: number) => void) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (log) => {
    const time = now();
    if (time - last < intervalMs) {
      suppressed++;
      return;
    }
    last = time;
    const held = suppressed;
    suppressed = 0;
    log(held);
  };
}
