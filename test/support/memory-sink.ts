import type { Outcome, Sink, SinkEvent } from '../../src/sinks/kit/types.ts';

/**
 * An in-process sink for pipeline tests: records every accepted event and answers each event per
 * a script, so a test can make the pipeline retry or dead-letter exactly the events it chooses.
 */
export class MemorySink implements Sink {
  readonly name: string;
  readonly accepted: SinkEvent[] = [];
  readonly attempts = new Map<string, number>();
  script: (event: SinkEvent, attempt: number) => Outcome = () => ({ kind: 'ok' });
  sends = 0;

  constructor(name = 'memory') {
    this.name = name;
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    this.sends++;
    return events.map((event) => {
      const attempt = (this.attempts.get(event.id) ?? 0) + 1;
      this.attempts.set(event.id, attempt);
      const outcome = this.script(event, attempt);
      if (outcome.kind === 'ok') this.accepted.push(event);
      return outcome;
    });
  }

  /** Accepted event ids that appear more than once. */
  duplicates(): string[] {
    const seen = new Set<string>();
    return this.accepted.map((e) => e.id).filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
