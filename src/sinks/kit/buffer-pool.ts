/**
 * Request bodies used again instead of allocated anew. A bulk body is megabytes, and vigil's
 * allocator settings (`npm start`: every allocation over 128 KB is its own mmap, so memory goes
 * back to the system at once) make a fresh one cost a page fault per 4 KB as it is written:
 * building a 2 MB body took 1.6 ms in a fresh buffer and 0.12 ms in one used before, and
 * draining a backlog builds one per batch.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  readonly #keep: number;
  readonly #capacity: number;

  /** Keeps up to `keep` buffers of `capacity` bytes; a body larger than that is never pooled. */
  constructor(keep: number, capacity: number) {
    this.#keep = keep;
    this.#capacity = capacity;
  }

  /** `size` bytes of writable memory, contents undefined. */
  take(size: number): Buffer {
    if (size > this.#capacity) return Buffer.allocUnsafeSlow(size);
    const whole = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#capacity);
    return whole.subarray(0, size);
  }

  /**
   * Hands back a buffer from take() once nothing reads it any more: not while a socket may still
   * be writing it, so only after a complete answer to the request that carried it.
   */
  give(buffer: Buffer): void {
    if (buffer.buffer.byteLength !== this.#capacity || this.#free.length >= this.#keep) return;
    this.#free.push(Buffer.from(buffer.buffer, 0, this.#capacity));
  }
}
