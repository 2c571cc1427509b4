/**
 * Deterministic hostile input for the listener fuzz test: a seeded PRNG and byte-level mutations
 * of real fixtures (bit flips, truncation, splicing, invalid UTF-8, NUL, bogus PRI, giant numbers,
 * deep JSON nesting) plus plain random bytes. The same seed gives the same frames.
 */

/** mulberry32: small, fast, and good enough to pick mutations. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0x80, 0x80, 0x80]),
];
const BOGUS_PRI = ['<999>', '<-1>', '<>', '<1234567890123456789>', '<13', '<0013>', '<1a>', '>13<', '<<13>>', '<191>', '<192>'];
const ODD_TOKENS = [
  '\u0000', '\r', '\n', '\t', ' ', '"', '\\', '{', '}', '[', ']', ':', ',', '=', '|', '<', '>', '-', '@', '%s', '%n',
  'null', 'true', '1e999', '-0', 'NaN', '\uFEFF', '\u2028', '"\\ud800"', '\\u0000', '9'.repeat(400), '-' + '1'.repeat(60),
  '1.' + '0'.repeat(300) + '1', '2025-13-45T99:99:99Z', '1970-01-01T00:00:00Z', '-9999-01-01T00:00:00Z',
];

type Mutation = (input: Buffer, rng: Rng, pool: readonly Buffer[]) => Buffer;

const flipBits: Mutation = (input, rng) => {
  const out = Buffer.from(input);
  for (let n = 1 + rng.int(8); n > 0 && out.length > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
  return out;
};

const truncate: Mutation = (input, rng) => input.subarray(0, rng.int(input.length + 1));

const splice: Mutation = (input, rng, pool) => {
  const other = rng.pick(pool);
  return Buffer.concat([input.subarray(0, rng.int(input.length + 1)), other.subarray(rng.int(other.length + 1))]);
};

const insertAt = (input: Buffer, rng: Rng, piece: Buffer): Buffer => {
  const at = rng.int(input.length + 1);
  return Buffer.concat([input.subarray(0, at), piece, input.subarray(at)]);
};

const invalidUtf8: Mutation = (input, rng) => insertAt(input, rng, rng.pick(INVALID_UTF8));
const nul: Mutation = (input, rng) => insertAt(input, rng, Buffer.alloc(1 + rng.int(4)));
const oddToken: Mutation = (input, rng) => insertAt(input, rng, Buffer.from(rng.pick(ODD_TOKENS)));

const deleteRange: Mutation = (input, rng) => {
  const at = rng.int(input.length + 1);
  return Buffer.concat([input.subarray(0, at), input.subarray(at + 1 + rng.int(64))]);
};

const duplicateRange: Mutation = (input, rng) => {
  const at = rng.int(input.length + 1);
  const piece = input.subarray(at, at + 1 + rng.int(256));
  return Buffer.concat([input.subarray(0, at), piece, piece, piece, input.subarray(at)]);
};

/** A run of digits (a timestamp, a port, a count) becomes a giant or negative number. */
const giantNumber: Mutation = (input, rng) => {
  const text = input.toString('latin1');
  const runs = [...text.matchAll(/\d+/g)];
  if (runs.length === 0) return insertAt(input, rng, Buffer.from('9'.repeat(1 + rng.int(500))));
  const run = rng.pick(runs);
  const replacement = rng.pick(['9'.repeat(20 + rng.int(400)), '-' + '9'.repeat(30), '1e308', '0x7fffffff', '00000000000']);
  return Buffer.from(text.slice(0, run.index) + replacement + text.slice(run.index + run[0].length), 'latin1');
};

const bogusPri: Mutation = (input, rng) => {
  const text = input.toString('latin1');
  return Buffer.from(rng.pick(BOGUS_PRI) + text.replace(/^<\d{1,3}>/, ''), 'latin1');
};

/** Wraps the input (or a value inside it) in thousands of nested arrays or objects. */
const deepNesting: Mutation = (input, rng) => {
  const depth = 500 + rng.int(rng.chance(0.2) ? 200_000 : 5_000);
  const open = rng.chance(0.5) ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
  const inner = rng.chance(0.5) ? '1' : '';
  const piece = Buffer.from(open + inner + (rng.chance(0.7) ? close : ''), 'latin1');
  if (rng.chance(0.5)) return piece;
  const text = input.toString('latin1');
  const colon = text.indexOf(':', rng.int(Math.max(1, text.length)));
  if (colon < 0) return Buffer.concat([input, piece]);
  return Buffer.concat([Buffer.from(text.slice(0, colon + 1), 'latin1'), piece, Buffer.from(text.slice(colon + 1), 'latin1')]);
};

/** A list body with tens of thousands of small items (EventList items, alerts, a JSON array). */
const manyItems: Mutation = (_input, rng) => {
  const items = (rng.pick(['{},', '1,', '{"a":1},', 'null,', '"x",']) as string).repeat(10_000 + rng.int(50_000)).slice(0, -1);
  return Buffer.from(rng.pick([`{"kind":"EventList","items":[${items}]}`, `{"alerts":[${items}]}`, `[${items}]`]));
};

const randomBytes: Mutation = (_input, rng) => rng.bytes(rng.int(rng.chance(0.05) ? 8192 : 512));

const MUTATIONS: readonly Mutation[] = [
  flipBits, flipBits, truncate, splice, invalidUtf8, nul, oddToken, oddToken, deleteRange, duplicateRange,
  giantNumber, giantNumber, bogusPri, deepNesting,
];

/**
 * One hostile message: a fixture from `pool` with one to three mutations, a splice of two, or
 * (one in ten) random bytes. `deep` allows deep nesting and bodies of many items, which are large.
 */
export function mutate(rng: Rng, pool: readonly Buffer[], options: { deep?: boolean; random?: number } = {}): Buffer {
  if (rng.chance(options.random ?? 0.1)) return randomBytes(Buffer.alloc(0), rng, pool);
  if (options.deep && rng.chance(0.002)) return manyItems(Buffer.alloc(0), rng, pool);
  let out = rng.pick(pool);
  for (let n = 1 + rng.int(3); n > 0; n--) {
    let mutation = rng.pick(MUTATIONS);
    if (mutation === deepNesting && !options.deep) mutation = flipBits;
    out = mutation(out, rng, pool);
  }
  return out;
}

/**
 * An RFC 6587 octet-counted frame for `message`, sometimes with a wrong, huge or malformed MSG-LEN.
 * `last`: the final frame of a connection, which may claim a length that swallows the stream.
 */
export function octetFrame(rng: Rng, message: Buffer, last = false): Buffer {
  const roll = rng.next();
  let header: string;
  if (last && roll < 0.5) header = `${rng.pick(['67108864', '65537', '1048576'])} `;
  else if (roll < 0.8) header = `${message.length} `;
  else if (roll < 0.88) header = `${Math.max(1, message.length + rng.int(21) - 10)} `;
  else if (roll < 0.9) header = `${rng.pick(['99999999999999999999', '4294967296', '2147483648'])} `;
  else if (roll < 0.94) header = `0${message.length} `;
  else if (roll < 0.97) header = `${message.length}`; // no space
  else header = `${message.length}\t`;
  return Buffer.concat([Buffer.from(header, 'latin1'), message]);
}
