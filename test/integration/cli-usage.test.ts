import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/vigil.ts';

const run = promisify(execFile);

async function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // No Redis anywhere: every case here must fail (or answer) before vigil reaches for one.
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1', VIGIL_DATA_DIR: '/nonexistent/vigil' }, timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const USAGE_ERRORS: Array<[string[], RegExp]> = [
  [['strat'], /unknown command "strat"; did you mean start\?/],
  [['--limt', '5'], /start: unknown option --limt/],
  [['start', '--port', '80'], /start: unknown option --port/],
  [['start', 'now'], /start: unexpected argument "now"/],
  [['check-config', '--verbose'], /check-config: unknown option --verbose/],
  [['check-config', 'extra'], /check-config: unexpected argument "extra"/],
  [['dlq'], /dlq needs an action and a sink/],
  [['dlq', 'list'], /dlq needs an action and a sink/],
  [['dlq', 'lst', 'file'], /dlq: unknown action "lst"; did you mean list\?/],
  [['dlq', 'list', 'elasticsearh'], /dlq: unknown sink "elasticsearh"; did you mean elasticsearch\? \(one of elasticsearch, opensearch, splunk-hec, loki, file\)/],
  [['dlq', 'replay', 'file', '--limit', 'ten'], /--limit must be a whole number from 1 to 1000000, got "ten"/],
  [['dlq', 'replay', 'file', '--limit', '0'], /--limit must be a whole number/],
  [['dlq', 'replay', 'file', '--limit'], /dlq: --limit needs a value/],
  [['dlq', 'purge', 'file', '--yes=no'], /dlq: --yes takes no value/],
  [['dlq', 'list', 'file', '--limt', '3'], /dlq: unknown option --limt; did you mean --limit\?/],
  [['dlq', 'list', 'file', 'loki'], /dlq: unexpected argument "loki"/],
  [['dlq', 'replay', 'file', '--reason', 'mapping-error'], /dlq: unknown reason "mapping-error"; did you mean mapping_error\? \(one of mapping_error, rejected, too_large, bad_request, conflict, retries_exhausted\)/],
  [['dlq', 'list', 'file', '--all'], /dlq: --all is for replay/],
  [['dlq', 'replay', 'file', '--all', '--limit', '5'], /dlq: --all or --limit, not both/],
  [['dlq', 'replay', 'file', '--all', '--chunk', '0'], /--chunk must be a whole number from 1 to 10000, got "0"/],
  [['send-test', '--count', 'lots'], /--count must be a whole number from 1 to 10000, got "lots"/],
  [['send-test', '--count', '1.5'], /--count must be a whole number/],
  [['send-test', '--port', '70000'], /--port must be a whole number from 1 to 65535, got "70000"/],
  [['send-test', '--to', 'smtp'], /--to must be one of udp, tcp, tls, http, got "smtp"/],
  [['send-test', '--type', 'worm'], /--type must be one of/],
  [['send-test', '--too', 'tcp'], /send-test: unknown option --too; did you mean --to\?/],
];

test('usage errors in every subcommand exit 2 with one line saying why', { concurrency: 4 }, async (t) => {
  for (const [args, message] of USAGE_ERRORS) {
    void t.test(`vigil ${args.join(' ')}`, async () => {
      const result = await vigil(args);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line:\n${result.stderr}`);
      assert.match(result.stderr, /^vigil: VIGIL_ERR_USAGE: /);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }
});

test('vigil --version and -V print the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = await vigil([flag]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `vigil ${version}\n`);
  }
});

test('vigil dlq with a Redis that does not answer: one line naming it, password masked, exit 69', async () => {
  const { stdout, stderr, code } = await (async () => {
    try {
      await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), 'dlq', 'list', 'file'], {
        cwd: ROOT, env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0' }, timeout: 60_000,
      });
      return { code: 0, stdout: '', stderr: '' };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  })();
  assert.equal(code, 69, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /^vigil: VIGIL_ERR_REDIS_UNAVAILABLE: redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: connection refused \(ECONNREFUSED\); gave up after \d+ s/);
  assert.equal(stderr.trimEnd().split('\n').length, 1);
  assert.doesNotMatch(stderr, /hunter2/);
});
