import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { loadConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { createLogger, type LogFormat } from '../../../src/telemetry/logger.ts';
import { ROOT } from '../../support/vigil.ts';

/** Everything a logger writes, as text; `isTTY` as a terminal's stdout has it. */
class Captured extends Writable {
  text = '';
  readonly isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const SECRETS = ['tok-3c1a9f', 'pw-77e2b0', 'Basic dmlnaWw6aHVudGVyMg=='];

/** One log call with nested fields, an error and secrets in the places vigil's code puts them. */
function logOnce(format: LogFormat | undefined, isTTY = false): string {
  const out = new Captured(isTTY);
  const logger = createLogger({ format, destination: out });
  logger.warn({
    sink: 'loki', attempt: 3, retryInMs: 1500, halted: false,
    listening: { http: '127.0.0.1:8080', admin: '127.0.0.1:9098' },
    token: SECRETS[0], backend: { password: SECRETS[1] }, headers: { authorization: SECRETS[2] },
    error: new Error('connect ECONNREFUSED 127.0.0.1:3100'),
  }, 'Sink retrying');
  return out.text;
}

/** Every scalar leaf of a logged object as `[dotted.path, value]`. */
function leaves(value: unknown, path = ''): Array<[string, string]> {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, path ? `${path}.${key}` : key));
  }
  return [[path, String(value)]];
}

test('not a terminal: auto writes one JSON object a line', () => {
  const text = logOnce('auto');
  assert.equal(text.split('\n').filter(Boolean).length, 1);
  const line = JSON.parse(text) as Record<string, unknown>;
  assert.equal(line.msg, 'Sink retrying');
  assert.equal(line.level, 40);
  assert.equal(line.sink, 'loki');
  assert.deepEqual(Object.keys(JSON.parse(logOnce(undefined))), Object.keys(line), 'auto is the default');
});

test('pretty writes a readable line carrying every field of the JSON line, error stack included', () => {
  const json = JSON.parse(logOnce('json')) as Record<string, unknown>;
  const pretty = logOnce('pretty');
  assert.throws(() => JSON.parse(pretty), 'not JSON');
  const [first] = pretty.split('\n');
  // [2026-12-07 18:33:06.767] WARN (vigil/1234 on host): Sink retrying {"sink":"loki",...}
  assert.match(first, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN \(vigil\/\d+ on [^)]+\): Sink retrying \{/);
  assert.doesNotMatch(pretty, /\x1b\[/, 'no colours outside a terminal');
  const { time, level, msg, pid, hostname, name, error, ...fields } = json;
  assert.equal(msg, 'Sink retrying');
  assert.ok(first.includes(`(${name}/${pid} on ${hostname})`));
  assert.ok(typeof time === 'number' && typeof level === 'number');
  for (const [path, value] of leaves(fields)) {
    assert.ok(first.includes(JSON.stringify(value)) || first.includes(value), `${path}=${value} missing from: ${first}`);
  }
  const { message, stack } = error as { message: string; stack: string };
  assert.ok(pretty.includes(message));
  assert.ok(pretty.includes(stack.split('\n')[1].trim()), 'the stack is there, one frame a line');
});

test('a terminal gets the readable line when the format is auto, JSON when it is json', () => {
  assert.match(stripVTControlCharacters(logOnce('auto', true)), /^\[[^\]]+\] WARN \(vigil\/\d+ on [^)]+\): Sink retrying/);
  assert.doesNotThrow(() => JSON.parse(logOnce('json', true)));
});

test('secrets are redacted in both formats', () => {
  for (const format of ['json', 'pretty'] as const) {
    const text = logOnce(format);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${format} leaks ${secret}`);
    assert.equal(text.match(/\[redacted\]/g)?.length, 3, `${format}: three redacted fields`);
  }
});

test('a real terminal: vigil\'s default logger writes the readable line on a pty and JSON into a pipe', { skip: !existsSync('/usr/bin/script') && 'needs script(1) from util-linux' }, () => {
  const program = `import { createLogger } from ${JSON.stringify(join(ROOT, 'src/telemetry/logger.ts'))};
const logger = createLogger();
logger.info({ sink: 'loki', token: ${JSON.stringify(SECRETS[0])} }, 'Vigil started');
logger.flush();`;
  const node = join(ROOT, 'node_modules/.bin/node');
  const env = { ...process.env, VIGIL_LOG_FORMAT: undefined, VIGIL_LOG_LEVEL: undefined };
  const piped = spawnSync(node, ['--input-type=module', '-e', program], { encoding: 'utf8', env });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal((JSON.parse(piped.stdout) as { msg: string }).msg, 'Vigil started');
  // script(1) runs the command with its stdout on a pseudo-terminal.
  const command = [node, '--input-type=module', '-e', program].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const onTerminal = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env });
  assert.equal(onTerminal.status, 0, onTerminal.stderr);
  const line = stripVTControlCharacters(onTerminal.stdout).trim();
  assert.match(line, /^\[[^\]]+\] INFO \(vigil\/\d+ on [^)]+\): Vigil started \{"sink":"loki","token":"\[redacted\]"\}$/);
});

test('log_format is a config key with VIGIL_LOG_FORMAT; anything else is a config error', () => {
  const file = join(ROOT, 'config/default.yaml');
  const env = { VIGIL_DATA_DIR: '/tmp' };
  assert.equal(loadConfig(env, file).log_format, 'auto');
  assert.equal(loadConfig({ ...env, VIGIL_LOG_FORMAT: 'json' }, file).log_format, 'json');
  assert.throws(() => loadConfig({ ...env, VIGIL_LOG_FORMAT: 'xml' }, file), ConfigError);
});
