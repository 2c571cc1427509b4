import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT, readText } from './known.ts';

// Every relative link in README.md and docs/ must lead somewhere: to a file of the repository,
// and, for a link into a Markdown page, to one of its headings.

/** The Markdown pages a reader moves between: README, SECURITY, CHANGELOG and everything under docs/. */
function pages(): string[] {
  const found = ['README.md', 'SECURITY.md', 'CHANGELOG.md'].filter((file) => existsSync(join(ROOT, file)));
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found;
}

/** Text outside fenced code blocks and inline code: what Markdown renders as links and headings. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    out.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return out;
}

/** Broken relative links of one page, as `target: why`; `read` gives a repository file's text. */
function brokenLinks(page: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not a file of the repository
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? page : relative(ROOT, join(ROOT, dirname(page), decodeURIComponent(pathPart)));
    if (path.startsWith('..')) {
      broken.push(`${target}: outside the repository`);
      continue;
    }
    const text = pathPart === '' ? markdown : read(path);
    if (text === undefined) {
      broken.push(`${target}: no file ${path}`);
      continue;
    }
    if (anchor && path.endsWith('.md') && !anchors(text).has(anchor.toLowerCase())) {
      broken.push(`${target}: ${path} has no heading #${anchor}`);
    }
  }
  return broken;
}

function readRepo(path: string): string | undefined {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readText(path);
}

test('the link checker finds a missing file, a missing heading and a link out of the repository', () => {
  const files: Record<string, string> = { 'docs/a.md': '# A page\n\n## Second part\n', 'docs/b.md': '' };
  const read = (path: string) => files[path];
  const page = [
    '[ok](a.md#second-part) [ok](#own-heading) [web](https://example.com/x.md)',
    '`[code](nowhere.md)`',
    '```',
    '[fenced](nowhere.md)',
    '```',
    '## Own heading',
    '[gone](missing.md) [bad anchor](a.md#third-part) [escape](../../etc/passwd)',
  ].join('\n');
  assert.deepEqual(brokenLinks('docs/b.md', page, read), [
    'missing.md: no file docs/missing.md',
    'a.md#third-part: docs/a.md has no heading #third-part',
    '../../etc/passwd: outside the repository',
  ]);
  assert.deepEqual([...anchors('# `sinks.splunk-hec`\n## 4. Sink down, halted\n## UDP: buffer\n## UDP: buffer\n')],
    ['sinkssplunk-hec', '4-sink-down-halted', 'udp-buffer', 'udp-buffer-1']);
});

test('every relative link in README.md and docs/ leads to an existing file and heading', () => {
  const all = pages();
  assert.ok(all.includes('README.md') && all.some((page) => page.startsWith('docs/sources/')), all.join(', '));
  const broken = all.flatMap((page) => brokenLinks(page, readText(page), readRepo).map((why) => `${page}: ${why}`));
  assert.deepEqual(broken, []);
});

test('README links every page under docs/', () => {
  const readme = readText('README.md');
  const unlinked = pages().filter((page) => page.startsWith('docs/') && !readme.includes(`](${page})`) && !readme.includes(`](${page}#`));
  assert.deepEqual(unlinked, [], 'pages a reader of README cannot reach from it');
});
