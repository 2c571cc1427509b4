import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Appends to one file durably: one write per batch and fdatasync before returning, so an ok
 * means the lines survive a crash or power loss. A failed write is cut back off the file. The file is opened per batch, which lets
 * logrotate move it away between batches; the directory is synced whenever the file is new
 * (its directory entry must be durable too).
 */
export class DurableAppender {
  readonly path: string;
  #inode: number | undefined;
  /** Appends run one at a time, so concurrent batches never interleave inside a line. */
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  async ensureDirectory(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
  }

  append(text: string): Promise<void> {
    const run = this.#queue.then(() => this.#append(text));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(text: string): Promise<void> {
    let file: FileHandle;
    try {
      file = await open(this.path, 'a');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.ensureDirectory();
      file = await open(this.path, 'a');
    }
    try {
      const before = await file.stat();
      try {
        await file.writeFile(text);
        await file.datasync();
      } catch (error) {
        // A half-written batch (disk full) would glue its partial line to the next batch's first.
        await file.truncate(before.size).catch(() => undefined);
        throw error;
      }
      const ino = before.ino;
      if (ino !== this.#inode) {
        await syncDirectory(dirname(this.path));
        this.#inode = ino;
      }
    } finally {
      await file.close();
    }
  }
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
