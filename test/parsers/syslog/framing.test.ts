import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createFramer, decodeMessage, type SyslogFrame } from '../../../parsers/syslog/framing.ts';

const FIXTURES = new URL('../../../fixtures/framing/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const BIG = 1024 * 1024;

/** All frames of a stream fed in the given pieces, including what end() releases. */
function frameAll(pieces: Buffer[], maxMessageBytes = BIG): SyslogFrame[] {
  const framer = createFramer({ maxMessageBytes });
  const frames: SyslogFrame[] = [];
  for (const piece of pieces) frames.push(...framer.push(piece));
  frames.push(...framer.end());
  return frames;
}
const texts = (frames: SyslogFrame[]) => frames.map((f) => f.text);
const bytes = (text: string) => Buffer.from(text, 'utf8');

/** An independent reading of a whole octet-counted stream: `LEN SP MSG` repeated, nothing else. */
function referenceOctetFrames(stream: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < stream.length) {
    const space = stream.indexOf(0x20, pos);
    const length = Number(stream.toString('latin1', pos, space));
    out.push(stream.toString('utf8', space + 1, space + 1 + length));
    pos = space + 1 + length;
  }
  return out;
}

/** An independent reading of an LF stream where continuation lines never start with '<'. */
function referenceLfFrames(stream: Buffer): string[] {
  return stream.toString('utf8').replace(/\n$/, '').split(/\n(?=<)/);
}

test('the NeuVector LF stream gives three messages, the first with its two embedded LFs', () => {
  const stream = fixture('tcp-lf-stream-01.txt');
  const frames = frameAll([stream]);
  assert.equal(frames.length, 3);
  assert.deepEqual(texts(frames), referenceLfFrames(stream));
  assert.equal(frames[0].text.split('\n').length, 3);
  assert.match(frames[0].text, /name=ConfigMap\.Load/);
  assert.match(frames[1].text, /^<134>1 .*name=Container\.Start/);
  assert.match(frames[2].text, /^<132>1 .*notification=violation/);
  assert.ok(frames.every((f) => f.tags === undefined));
});

test('the multi-line Crd.Error arrives as one message of three lines', () => {
  const stream = fixture('tcp-lf-event-04-multiline.txt');
  const frames = frameAll([stream]);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].text, stream.toString('utf8').slice(0, -1));
  assert.equal(frames[0].text.split('\n').length, 3);
});

for (const [octet, lf] of [
  ['tcp-octet-relayed-event-01.txt', 'tcp-lf-event-04-multiline.txt'],
  ['tcp-octet-relayed-incident-01.txt', 'tcp-lf-incident-01.txt'],
  ['tcp-octet-relayed-json-threat-01.txt', 'json-threat-01.txt'],
]) {
  test(`the relayed octet frame ${octet} is the same message as ${lf}`, () => {
    const stream = fixture(octet);
    const frames = frameAll([stream]);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].text, fixture(lf).toString('utf8').slice(0, -1));
    const msgLen = Number(/^(\d+) /.exec(stream.toString('latin1'))?.[1]);
    assert.equal(Buffer.byteLength(frames[0].text), msgLen);
  });
}

test('the RFC 6587 octet-counted stream gives three frames, LF and TAB kept, lengths in bytes', () => {
  const stream = fixture('rfc6587-octet-counted-stream.txt');
  const frames = frameAll([stream]);
  assert.equal(frames.length, 3);
  assert.deepEqual(texts(frames), referenceOctetFrames(stream));
  assert.match(frames[1].text, /\n\tat com\.example/);
  assert.match(frames[2].text, /héllo wörld/);
});

test('the RFC 6587 non-transparent stream gives its three lines, 5424 and 3164 mixed', () => {
  const stream = fixture('rfc6587-non-transparent-lf-stream.txt');
  const frames = frameAll([stream]);
  assert.deepEqual(texts(frames), stream.toString('utf8').slice(0, -1).split('\n'));
  assert.equal(frames.length, 3);
  assert.match(frames[1].text, /^<34>Oct 11 22:14:15 /);
});

const ALL_FIXTURES = [
  'tcp-lf-stream-01.txt', 'tcp-lf-event-04-multiline.txt', 'tcp-octet-relayed-event-01.txt',
  'tcp-octet-relayed-incident-01.txt', 'tcp-octet-relayed-json-threat-01.txt',
  'rfc6587-octet-counted-stream.txt', 'rfc6587-non-transparent-lf-stream.txt',
];

test('splitting any stream at every byte boundary gives the same frames', () => {
  // All fixtures back to back also exercise LF and octet frames mixed on one connection.
  const streams = [...ALL_FIXTURES.map(fixture), Buffer.concat(ALL_FIXTURES.map(fixture))];
  for (const stream of streams) {
    const whole = frameAll([stream]);
    assert.ok(whole.length > 0);
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(frameAll([stream.subarray(0, cut), stream.subarray(cut)]), whole, `cut at ${cut}`);
    }
    const oneByteReads = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    assert.deepEqual(frameAll(oneByteReads), whole);
  }
  assert.equal(frameAll([streams.at(-1) as Buffer]).length, 3 + 1 + 1 + 1 + 1 + 3 + 3);
});

test('a CR before the LF is dropped, a CR elsewhere kept', () => {
  assert.deepEqual(texts(frameAll([bytes('<13>a\r\n<13>b\rc\r\n')])), ['<13>a', '<13>b\rc']);
});

test('the next "<" releases the held message at once; flush releases it after an idle time', () => {
  const framer = createFramer({ maxMessageBytes: BIG });
  assert.deepEqual(texts(framer.push(bytes('<13>a\n<13>b'))), ['<13>a']);
  assert.deepEqual(framer.flush(), []); // '<13>b' is a partial line: only more bytes or end() finish it
  assert.deepEqual(framer.push(bytes('\n')), []);
  assert.equal(framer.holding, true);
  assert.deepEqual(texts(framer.flush()), ['<13>b']);
  assert.equal(framer.holding, false);
  assert.deepEqual(framer.flush(), []);
  assert.deepEqual(framer.push(bytes('<13>par')), []);
  assert.deepEqual(texts(framer.end()), ['<13>par']);
});

test('a continuation line after an idle flush starts a message of its own', () => {
  const framer = createFramer({ maxMessageBytes: BIG });
  framer.push(bytes('<13>head\n'));
  assert.deepEqual(texts(framer.flush()), ['<13>head']);
  framer.push(bytes('  tail\n'));
  assert.deepEqual(texts(framer.end()), ['  tail']);
});

test('a continuation line that starts with a number is not taken for an octet count', () => {
  const frames = frameAll([bytes('<13>1 a\n12 items deleted\n3 of them\n<13>1 c\n')]);
  assert.deepEqual(texts(frames), ['<13>1 a\n12 items deleted\n3 of them', '<13>1 c']);
});

test('an octet frame after an LF message releases it', () => {
  assert.deepEqual(texts(frameAll([bytes('<13>1 a\n5 <13>b<13>1 c\n')])), ['<13>1 a', '<13>b', '<13>1 c']);
});

test('an octet frame need not start with "<" at a frame boundary', () => {
  assert.deepEqual(texts(frameAll([bytes('5 hello3 abc')])), ['hello', 'abc']);
});

test('an absurd or malformed MSG-LEN is read as an LF line, not trusted', () => {
  const absurd = '99999999999999 <13>x';
  assert.deepEqual(texts(frameAll([bytes(`${absurd}\n<13>y\n`)])), [absurd, '<13>y']);
  assert.deepEqual(texts(frameAll([bytes('2025-06-03 boot\n')])), ['2025-06-03 boot']);
  const framer = createFramer({ maxMessageBytes: BIG, maxOctetCount: 100 });
  assert.deepEqual(texts([...framer.push(bytes('101 <13>y\n')), ...framer.end()]), ['101 <13>y']);
});

test('blank lines between messages are skipped; inside a message kept only before more text', () => {
  const frames = frameAll([bytes('\n\n<13>a\n\n  b\n\n\n<13>c\n\n')]);
  assert.deepEqual(texts(frames), ['<13>a\n\n  b', '<13>c']);
});

test('an LF message over the limit is cut and tagged, the rest of its line discarded', () => {
  const long = `<13>${'x'.repeat(100)}`;
  const frames = frameAll([bytes(`${long}\n<13>next\n`)], 20);
  assert.deepEqual(frames, [{ text: long.slice(0, 20), tags: ['truncated'] }, { text: '<13>next' }]);
});

test('a message of exactly the limit followed by CRLF is not truncated', () => {
  const exact = `<13>${'y'.repeat(16)}`;
  assert.deepEqual(frameAll([bytes(`${exact}\r\n`)], 20), [{ text: exact }]);
});

test('continuation lines past the limit are discarded and the message tagged', () => {
  const frames = frameAll([bytes('<13>0123456789\n  more text here\n  and more\n<13>ok\n')], 16);
  assert.deepEqual(frames, [{ text: '<13>0123456789\n ', tags: ['truncated'] }, { text: '<13>ok' }]);
});

test('an octet frame over the limit is cut, its excess skipped without buffering it', () => {
  const body = `<13>${'z'.repeat(5000)}`;
  const stream = bytes(`${Buffer.byteLength(body)} ${body}4 <1>a`);
  const framer = createFramer({ maxMessageBytes: 64 });
  const frames: SyslogFrame[] = [];
  for (let pos = 0; pos < stream.length; pos += 7) {
    frames.push(...framer.push(stream.subarray(pos, pos + 7)));
    assert.ok(framer.bufferedBytes <= 64 + 16, `buffered ${framer.bufferedBytes}`);
  }
  frames.push(...framer.end());
  assert.deepEqual(frames, [{ text: body.slice(0, 64), tags: ['truncated'] }, { text: '<1>a' }]);
});

test('truncation never splits a UTF-8 character', () => {
  const frames = frameAll([bytes('<13>ééé\n')], 7); // '<13>' + 'é' (2 bytes) + half of the next é
  assert.deepEqual(frames, [{ text: '<13>é', tags: ['truncated'] }]);
  const emoji = '<13>😀😀';
  assert.deepEqual(frameAll([bytes(`${Buffer.byteLength(emoji)} ${emoji}`)], 9), [{ text: '<13>😀', tags: ['truncated'] }]);
  assert.deepEqual(decodeMessage(bytes('<13>漢字'), 8), { text: '<13>漢', tags: ['truncated'] });
});

test('invalid UTF-8 is decoded with replacement characters and tagged', () => {
  const stream = Buffer.concat([bytes('<13>bad '), Buffer.from([0xff, 0xfe]), bytes('\n<13>good\n')]);
  assert.deepEqual(frameAll([stream]), [{ text: '<13>bad \ufffd\ufffd', tags: ['invalid_utf8'] }, { text: '<13>good' }]);
  assert.deepEqual(decodeMessage(Buffer.from([0x3c, 0x31, 0x3e, 0xc3]), 100), { text: '<1>\ufffd', tags: ['invalid_utf8'] });
});

test('a partial octet frame at connection end is released, tagged truncated', () => {
  const framer = createFramer({ maxMessageBytes: BIG });
  assert.deepEqual(framer.push(bytes('20 <13>only')), []);
  assert.equal(framer.flush().length, 0);
  assert.deepEqual(framer.end(), [{ text: '<13>only', tags: ['truncated'] }]);
});

// Property tests: random frame sequences and random bytes.

const safeChar = fc.oneof(
  fc.constantFrom('a', 'Z', ' ', '=', ',', '"', '[', ']', '<', '>', '7', '0', '\t', 'é', '漢', '😀'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
).map((c) => c.replace(/[\r\n]/g, '_'));
const lineText = fc.array(safeChar, { maxLength: 40 }).map((cs) => cs.join(''));
const lfMessage = fc.tuple(
  lineText,
  fc.array(fc.tuple(fc.constantFrom(' ', '.', 'a', '\t', '-'), lineText).map(([h, t]) => h + t), { maxLength: 3 }),
).map(([head, continuation]) => ({ text: [`<13>1 ${head}`, ...continuation].join('\n'), octet: false }));
const octetMessage = fc.string({ unit: 'grapheme', maxLength: 60 })
  .map((body) => ({ text: `<14>${body}`, octet: true }));
const frameSequence = fc.array(fc.oneof(lfMessage, octetMessage), { minLength: 1, maxLength: 12 });

function encode(messages: { text: string; octet: boolean }[]): Buffer {
  return Buffer.concat(messages.map((m) => (m.octet ? bytes(`${Buffer.byteLength(m.text)} ${m.text}`) : bytes(`${m.text}\n`))));
}

function splitAt(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(stream.subarray(from, point));
    from = point;
  }
  pieces.push(stream.subarray(from));
  return pieces;
}

test('property: any chunking of a valid frame sequence gives back exactly its messages', () => {
  fc.assert(
    fc.property(frameSequence, fc.array(fc.nat(), { maxLength: 20 }), (messages, cuts) => {
      const stream = encode(messages);
      const frames = frameAll(splitAt(stream, cuts));
      assert.deepEqual(texts(frames), messages.map((m) => m.text));
      assert.ok(frames.every((f) => f.tags === undefined));
    }),
    { numRuns: 300 },
  );
});

test('property: random bytes never throw and never buffer beyond the limit', () => {
  const max = 48;
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.boolean(),
      (data, cuts, withLfAndLt) => {
        // Bias half the runs towards framing bytes so every state is reached.
        const stream = Buffer.from(withLfAndLt ? data.map((b) => [0x0a, 0x3c, 0x20, 0x31, b][b % 5]) : data);
        const framer = createFramer({ maxMessageBytes: max, maxOctetCount: 10_000 });
        const frames: SyslogFrame[] = [];
        for (const piece of splitAt(stream, cuts)) {
          frames.push(...framer.push(piece));
          assert.ok(framer.bufferedBytes <= max + 16, `buffered ${framer.bufferedBytes}`);
        }
        frames.push(...framer.flush(), ...framer.end());
        for (const frame of frames) {
          if (!frame.tags?.includes('invalid_utf8')) assert.ok(Buffer.byteLength(frame.text) <= max);
        }
      },
    ),
    { numRuns: 500 },
  );
});
