import type { ChildProcess } from 'node:child_process';

/** A forked helper process (sender, Elasticsearch double) whose messages are read in order. */
export async function child(process: ChildProcess): Promise<{ process: ChildProcess; next(): Promise<unknown> }> {
  const inbox: unknown[] = [];
  const waiting: Array<(m: unknown) => void> = [];
  process.on('message', (m) => (waiting.length ? waiting.shift()!(m) : inbox.push(m)));
  return { process, next: () => new Promise((resolve) => (inbox.length ? resolve(inbox.shift()) : waiting.push(resolve))) };
}
