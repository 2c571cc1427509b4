const LF = 0x0a;
const INITIAL_BYTES = 1 << 20;
/** Kept between batches at most this large: one huge batch (a big webhook body) must not pin its buffer. */
const KEPT_BYTES = 8 << 20;

/**
 * LF-terminated lines (or binary fields) written one by one into a buffer reused from batch to batch, for bytes that
 * are consumed synchronously (compressed) before the next batch starts. A fresh megabyte-sized
 * buffer per batch is memory outside the JS heap that only a full garbage collection frees, and
 * in the e2e benchmark those collections were the largest single cost; writing each line as it
 * is made also lets its string die young instead of living for the whole batch.
 */
export class LineWriter {
  #buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  #length = 0;

  /** Appends `text` and an LF. */
  readonly line = (text: string): void => {
    this.text(text);
    this.#buffer[this.#length++] = LF;
  };

  /**
   * Appends `text`'s UTF-8 bytes, one byte of room left after them; returns how many bytes it
   * wrote. A UTF-16 code unit is at most 3 UTF-8 bytes: the exact length is only measured when
   * that could overflow.
   */
  text(text: string): number {
    if (text.length * 3 + 1 > this.#buffer.length - this.#length) this.#reserve(Buffer.byteLength(text) + 1);
    const written = this.#buffer.write(text, this.#length);
    this.#length += written;
    return written;
  }

  /** Appends `bytes` as they are. */
  bytes(bytes: Buffer): void {
    this.#reserve(bytes.length);
    this.#length += bytes.copy(this.#buffer, this.#length);
  }

  /** Appends an unsigned 32-bit integer, little-endian. */
  uint32(value: number): void {
    this.#reserve(4);
    this.#length = this.#buffer.writeUInt32LE(value, this.#length);
  }

  /** Appends a 64-bit float, little-endian. */
  float64(value: number): void {
    this.#reserve(8);
    this.#length = this.#buffer.writeDoubleLE(value, this.#length);
  }

  /** Overwrites the unsigned 32-bit integer at `offset` (a length known only once its bytes are written). */
  patchUint32(offset: number, value: number): void {
    this.#buffer.writeUInt32LE(value, offset);
  }

  /** Bytes written so far in this batch. */
  get length(): number {
    return this.#length;
  }

  /**
   * Starts empty, lets `fill` write lines, and hands them to `consume`; the bytes are only valid
   * during that call. Not re-entrant (one writer per thread, used synchronously).
   */
  write<T>(fill: (line: (text: string) => void, writer: this) => void, consume: (bytes: Buffer) => T): T {
    this.#length = 0;
    try {
      fill(this.line, this);
      return consume(this.#buffer.subarray(0, this.#length));
    } finally {
      this.#length = 0;
      if (this.#buffer.length > KEPT_BYTES) this.#buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
    }
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}
