import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/**
 * Real single-node OpenSearch and Elasticsearch servers for tests, each from its jars on Maven
 * Central (test/support/<product>/pom.xml) and a small launcher class beside it, compiled with
 * test/support/java/TestNode.java, which both share. A product's classpath and compiled launcher
 * are cached under .tmp/<product>-node/ and rebuilt when its pom or either Java file changes. `node test/support/search-node.ts build` builds both caches ahead of the tests
 * (CI does); it exits non-zero when Maven cannot resolve.
 */

export type SearchProduct = 'opensearch' | 'elasticsearch';
export const SEARCH_PRODUCTS: readonly SearchProduct[] = ['opensearch', 'elasticsearch'];

const ROOT = new URL('../../', import.meta.url).pathname;
/** Plain-JDK code both launchers share, compiled with each. */
const SHARED_JAVA = join(ROOT, 'test/support/java/TestNode.java');

function paths(product: SearchProduct) {
  const project = join(ROOT, 'test/support', product);
  const cache = join(ROOT, '.tmp', `${product}-node`);
  return {
    project,
    launcher: join(project, 'src/main/java/VigilTestNode.java'),
    cache,
    classpathFile: join(cache, 'classpath.txt'),
    classes: join(cache, 'classes'),
    stamp: join(cache, 'stamp'),
  };
}

export interface TestSearchNode {
  url: string;
  /** From spawning the JVM to cluster health yellow or green. */
  startupMs: number;
  /** Stops the node and removes its data. */
  stop(): Promise<void>;
}

/** Why a node cannot be started here (a missing tool), or undefined when it can. */
export function searchNodeUnavailable(): string | undefined {
  const missing = ['java', 'javac', 'mvn'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing.length ? `needs ${missing.join(', ')} on PATH (a JDK 17+ and Maven) to run a real search node` : undefined;
}

/** Resolves the jars and compiles the launcher unless the cache matches the sources. */
export function buildSearchNode(product: SearchProduct): void {
  const at = paths(product);
  const stamp = createHash('sha256').update(readFileSync(join(at.project, 'pom.xml'))).update(readFileSync(at.launcher)).update(readFileSync(SHARED_JAVA)).digest('hex');
  if (existsSync(at.stamp) && readFileSync(at.stamp, 'utf8') === stamp && existsSync(join(at.classes, 'VigilTestNode.class'))) return;
  rmSync(at.cache, { recursive: true, force: true });
  mkdirSync(at.classes, { recursive: true });
  run('mvn', ['-q', '-B', '-f', join(at.project, 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${at.classpathFile}`]);
  run('javac', ['-d', at.classes, '-cp', readFileSync(at.classpathFile, 'utf8').trim(), at.launcher, SHARED_JAVA]);
  writeFileSync(at.stamp, stamp);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
}

/** Starts a node on a free port (the node picks it) and waits until the cluster is yellow or green. */
export async function startSearchNode(product: SearchProduct): Promise<TestSearchNode> {
  buildSearchNode(product);
  const at = paths(product);
  const home = mkdtempSync(join(tmpdir(), `vigil-${product}-`));
  const started = Date.now();
  const classpath = `${at.classes}:${readFileSync(at.classpathFile, 'utf8').trim()}`;
  // A test node on a machine busy with the rest of the suite: small fixed heap (it holds a few
  // documents), and one processor's worth of thread pools, serial GC and the quick JIT tier only,
  // which halves the CPU of starting (about 3 s instead of 5.5 s) and so does its wall time.
  const child = spawn('java', ['-Xms512m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:ActiveProcessorCount=1', '-cp', classpath, 'VigilTestNode', home], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stderr!.on('data', keep);
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
    const url = await readyUrl(product, child, exited, () => output);
    await waitForHealth(product, url);
    return { url, startupMs: Date.now() - started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readyUrl(product: SearchProduct, child: ChildProcess, exited: Promise<number | null>, output: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${product} did not start within 120 s:\n${output()}`)), 120_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^vigil-test-node ready (http:\/\/\S+)$/.exec(line);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${product} exited with ${code} before it was ready:\n${output()}`));
    });
  });
}

async function waitForHealth(product: SearchProduct, url: string): Promise<void> {
  const reply = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=60s`);
  const health = (await reply.json()) as { status?: string };
  if (health.status !== 'yellow' && health.status !== 'green') throw new Error(`${product} cluster health is ${JSON.stringify(health)}`);
}

export interface SearchHit<T> {
  _id: string;
  _index: string;
  _source: T;
}

/**
 * The documents of the data streams matching `pattern` that match `query`, after a refresh; none
 * while no such data stream exists yet. Paced for polling: a busy machine runs the node.
 */
export async function searchHits<T>(node: Pick<TestSearchNode, 'url'>, pattern: string, query: unknown = { match_all: {} }): Promise<Array<SearchHit<T>>> {
  await new Promise((r) => setTimeout(r, 200));
  await fetch(`${node.url}/${pattern}/_refresh`, { method: 'POST' });
  const reply = await fetch(`${node.url}/${pattern}/_search`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 1000, query }),
  });
  if (reply.status !== 200) return [];
  return ((await reply.json()) as { hits: { hits: Array<SearchHit<T>> } }).hits.hits;
}

/**
 * Every document of the data streams matching `pattern`, however many (one search answers at
 * most 10,000), read with a scroll after a refresh; `fields` of each source only.
 */
export async function scrollHits<T>(node: Pick<TestSearchNode, 'url'>, pattern: string, fields: string[]): Promise<Array<SearchHit<T>>> {
  const ask = async (path: string, body: unknown, method = 'POST') => {
    const reply = await fetch(`${node.url}/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!reply.ok) throw new Error(`${method} ${path} answered ${reply.status}: ${await reply.text()}`);
    return (await reply.json()) as { _scroll_id: string; hits: { hits: Array<SearchHit<T>> } };
  };
  await ask(`${pattern}/_refresh`, {});
  const hits: Array<SearchHit<T>> = [];
  let page = await ask(`${pattern}/_search?scroll=30s`, { size: 5000, _source: fields, query: { match_all: {} } });
  while (page.hits.hits.length) {
    hits.push(...page.hits.hits);
    page = await ask('_search/scroll', { scroll: '30s', scroll_id: page._scroll_id });
  }
  await ask('_search/scroll', { scroll_id: page._scroll_id }, 'DELETE');
  return hits;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'build') {
  const why = searchNodeUnavailable();
  if (why) {
    console.error(`search test nodes: ${why}`);
    process.exit(1);
  }
  for (const product of SEARCH_PRODUCTS) {
    buildSearchNode(product);
    console.log(`${product} test node: classpath and launcher ready in ${paths(product).cache}`);
  }
}
