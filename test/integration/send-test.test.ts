import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, spawnVigil } from '../support/vigil.ts';
import { selfSignedCert } from '../support/pki.ts';
import { waitFor } from '../support/memory-sink.ts';

const run = promisify(execFile);

async function sendTest(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), 'send-test', ...args], {
      cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('vigil send-test: every sample type over UDP, TCP, TLS and HTTP arrives normalised, stamped now; refusals exit 1 saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-send-test-'));
  const { cert, key } = selfSignedCert(dir);
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 's3cret-token\n');
  const vigil = await spawnVigil({ VIGIL_SYSLOG_TLS_PORT: '0', VIGIL_TLS_CERT: cert, VIGIL_TLS_KEY: key, VIGIL_WEBHOOK_TOKEN: 's3cret-token' });
  const out = join(vigil.dataDir, 'out', 'events.ndjson');
  const port = (l: 'udp' | 'tcp' | 'tls' | 'http') => String(vigil.port(l));
  try {
    const sends: Array<[string[], string]> = [
      [['--to', 'udp', '--type', 'violation', '--port', port('udp')], 'neuvector.violation'],
      [['--to', 'tcp', '--type', 'threat', '--port', port('tcp'), '--count', '2'], 'neuvector.threat'],
      [['--to', 'tls', '--type', 'incident', '--port', port('tls'), '--ca', cert], 'neuvector.incident'],
      [['--to', 'tcp', '--type', 'falco', '--port', port('tcp')], 'falco.alerts'],
      [['--to', 'http', '--type', 'audit', '--port', port('http'), '--token-file', tokenFile], 'neuvector.audit'],
      [['--to', 'http', '--type', 'falco', '--port', port('http'), '--token-file', tokenFile], 'falco.alerts'],
    ];
    const expected = new Map<string, string>();
    const started = Date.now();
    for (const [args, dataset] of sends) {
      const result = await sendTest(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^sent \d+ \w+ events? over \w+ to 127\.0\.0\.1:\d+/);
      for (const [, id] of result.stdout.matchAll(/id ([0-9a-f-]{36})/g)) expected.set(id, dataset);
    }
    assert.equal(expected.size, 7);

    const events = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l)) : []);
    const find = (id: string) => events().find((e) => String(e.event.original).includes(id));
    await waitFor(() => [...expected.keys()].every((id) => find(id)), 30_000, 'every sample in the file sink');
    for (const [id, dataset] of expected) {
      const event = find(id);
      assert.equal(event.event.dataset, dataset, id);
      assert.ok(!event.tags?.includes('parse_failure'), `${dataset} parsed: ${event.error?.message}`);
      const at = Date.parse(event['@timestamp']);
      assert.ok(at >= started - 5_000 && at <= Date.now() + 5_000, `${dataset} is stamped now: ${event['@timestamp']}`);
    }

    // Refusals: a wrong token, a closed port, an unverifiable certificate, a bad argument.
    const noToken = await sendTest(['--to', 'http', '--port', port('http')]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /answered 401: Missing or wrong webhook credentials.*--token-file/);
    await vigil.stop();
    const closed = await sendTest(['--to', 'tcp', '--port', port('tcp')]);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /^vigil send-test: tcp to 127\.0\.0\.1:\d+ failed: connection refused/);
    const udpClosed = await sendTest(['--to', 'udp', '--port', port('udp')]);
    assert.equal(udpClosed.code, 1);
    assert.match(udpClosed.stderr, /udp to 127\.0\.0\.1:\d+ refused: connection refused/);
    assert.match((await sendTest(['--to', 'smtp'])).stderr, /--to must be one of udp, tcp, tls, http/);
  } finally {
    await vigil.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
});

test('vigil send-test over TLS refuses a certificate it cannot verify, naming --ca and --insecure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-send-test-'));
  const { cert, key } = selfSignedCert(dir);
  const vigil = await spawnVigil({ VIGIL_SYSLOG_TLS_PORT: '0', VIGIL_TLS_CERT: cert, VIGIL_TLS_KEY: key });
  try {
    const tlsPort = String(vigil.port('tls'));
    const unverified = await sendTest(['--to', 'tls', '--port', tlsPort]);
    assert.equal(unverified.code, 1);
    assert.match(unverified.stderr, /tls to 127\.0\.0\.1:\d+ failed: .*certificate.*--ca.*--insecure/);
    assert.equal((await sendTest(['--to', 'tls', '--port', tlsPort, '--insecure'])).code, 0);
  } finally {
    await vigil.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
});
