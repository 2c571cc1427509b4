import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/**
 * A real single-node OpenSearch for tests, from the server and transport-netty4 jars on Maven
 * Central (test/support/opensearch/pom.xml) and a small launcher class. The classpath and the
 * compiled launcher are cached under .tmp/opensearch-node/ and rebuilt when the pom or the
 * launcher changes. `node test/support/opensearch.ts build` builds the cache ahead of the tests
 * (CI does); it exits non-zero when Maven cannot resolve.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const PROJECT = join(ROOT, 'test/support/opensearch');
const LAUNCHER = join(PROJECT, 'src/main/java/VigilTestNode.java');
const CACHE = join(ROOT, '.tmp/opensearch-node');
const CLASSPATH_FILE = join(CACHE, 'classpath.txt');
const CLASSES = join(CACHE, 'classes');
const STAMP = join(CACHE, 'stamp');

export interface TestOpenSearch {
  url: string;
  /** From spawning the JVM to cluster health yellow or green. */
  startupMs: number;
  /** Stops the node and removes its data. */
  stop(): Promise<void>;
}

/** Why a node cannot be started here (a missing tool), or undefined when it can. */
export function openSearchUnavailable(): string | undefined {
  const missing = ['java', 'javac', 'mvn'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing.length ? `needs ${missing.join(', ')} on PATH (a JDK 17+ and Maven) to run a real OpenSearch node` : undefined;
}

/** Resolves the jars and compiles the launcher unless the cache matches the sources. */
export function buildOpenSearchNode(): void {
  const stamp = createHash('sha256').update(readFileSync(join(PROJECT, 'pom.xml'))).update(readFileSync(LAUNCHER)).digest('hex');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp && existsSync(join(CLASSES, 'VigilTestNode.class'))) return;
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CLASSES, { recursive: true });
  run('mvn', ['-q', '-B', '-f', join(PROJECT, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`]);
  run('javac', ['-d', CLASSES, '-cp', readFileSync(CLASSPATH_FILE, 'utf8').trim(), LAUNCHER]);
  writeFileSync(STAMP, stamp);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
}

/** Starts a node on a free port (the node picks it) and waits until the cluster is yellow or green. */
export async function startOpenSearch(): Promise<TestOpenSearch> {
  buildOpenSearchNode();
  const home = mkdtempSync(join(tmpdir(), 'vigil-opensearch-'));
  const started = Date.now();
  const classpath = `${CLASSES}:${readFileSync(CLASSPATH_FILE, 'utf8').trim()}`;
  // A test node on a machine busy with the rest of the suite: small fixed heap (it holds a few
  // documents), and one processor's worth of thread pools, serial GC and the quick JIT tier only,
  // which halves the CPU of starting (about 3 s instead of 5.5 s) and so does its wall time.
  const child = spawn('java', ['-Xms512m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:ActiveProcessorCount=1', '-cp', classpath, 'VigilTestNode', home], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const stop = async () => {
    // EOF on its stdin ends the launcher (it closes the node first); SIGTERM if it lingers.
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const url = await readyUrl(child, exited, () => output);
    await waitForHealth(url);
    return { url, startupMs: Date.now() - started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readyUrl(child: ChildProcess, exited: Promise<number | null>, output: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OpenSearch did not start within 120 s:\n${output()}`)), 120_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^vigil-test-node ready (http:\/\/\S+)$/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`OpenSearch exited with ${code} before it was ready:\n${output()}`));
    });
  });
}

async function waitForHealth(url: string): Promise<void> {
  const reply = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=60s`);
  const health = (await reply.json()) as { status?: string };
  if (health.status !== 'yellow' && health.status !== 'green') throw new Error(`OpenSearch cluster health is ${JSON.stringify(health)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'build') {
  const why = openSearchUnavailable();
  if (why) {
    console.error(`opensearch test node: ${why}`);
    process.exit(1);
  }
  buildOpenSearchNode();
  console.log(`opensearch test node: classpath and launcher ready in ${CACHE}`);
}
