import type { z } from 'zod';

/**
 * zod issues as one line per problem, `key.path: what was expected, got what`, for people: an
 * unknown key names the closest known one, and a value is quoted unless its key holds a secret.
 */

type AnySchema = z.core.$ZodType & { def: any };
type Issue = z.core.$ZodIssue & { input?: unknown };

/** Validates `value` with `schema`; on failure every problem as a line (see describeIssues). */
export function check<S extends z.ZodType>(schema: S, value: unknown, prefix: string[] = [], extraKeys: string[] = []):
  { success: true; data: z.output<S> } | { success: false; problems: string[] } {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { success: true, data: result.data };
  return { success: false, problems: describeIssues(result.error.issues, prefix, schema, extraKeys) };
}

/**
 * `schema` (the one that raised the issues) lets an unknown key name its closest sibling;
 * `extraKeys` are keys the caller accepts at the top level besides the schema's own.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: string[] = [], schema?: z.core.$ZodType, extraKeys: string[] = []): string[] {
  return issues.flatMap((issue: Issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const known = [...keysAt(schema as AnySchema | undefined, issue.path.map(String)), ...(issue.path.length ? [] : extraKeys)];
      return issue.keys.map((key) => {
        const near = closest(key, known);
        return `${[...path, key].join('.')}: unknown key${near ? `; did you mean ${near}?` : known.length ? ` (known: ${known.join(', ')})` : ''}`;
      });
    }
    return [`${path.join('.') || '(top level)'}: ${message(issue, path)}`];
  });
}

function message(issue: Issue, path: string[]): string {
  const got = shown(issue.input, path);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `required: expected ${typeWord(issue.expected)}` : `expected ${typeWord(issue.expected)}, got ${got}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const near = typeof issue.input === 'string' ? closest(issue.input, issue.values.map(String)) : undefined;
      return `expected ${values.length > 1 ? `one of ${values.join(', ')}` : values[0]}, got ${got}${near ? `; did you mean ${near}?` : ''}`;
    }
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `expected ${issue.origin === 'array' ? 'at least ' + issue.minimum + ' entries' : `${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`}, got ${got}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'at most ' + issue.maximum + ' entries' : `${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`}, got ${got}`;
    case 'invalid_format':
      return `expected ${issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`}, got ${got}`;
    case 'invalid_union':
      // zod's own text says nothing; name what each alternative expected.
      if (issue.message !== 'Invalid input') return issue.message;
      return `expected ${[...new Set(issue.errors.map((branch) => branch[0] && expectedOf(branch[0] as Issue)).filter(Boolean))].join(' or ')}, got ${got}`;
    default:
      return issue.message;
  }
}

function expectedOf(issue: Issue): string | undefined {
  if (issue.code === 'invalid_type') return typeWord(issue.expected);
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  return undefined;
}

function typeWord(expected: string): string {
  const words: Record<string, string> = {
    int: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', object: 'a mapping',
    array: 'a list', record: 'a mapping', null: 'null',
  };
  return words[expected] ?? expected;
}

/** Keys whose values are credentials: a wrong one is described by its type, never echoed. */
const SECRET_KEY = /token|password|secret|api_key|^key$/i;

/** A value as a person reads it, shortened; a secret's value stays out of error messages and logs. */
export function shown(value: unknown, path: string[] = []): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (SECRET_KEY.test(path[path.length - 1] ?? '')) return `a ${typeof value} (value not shown)`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The keys of the object schema found at `path` under `schema` (wrappers peeled), or none. */
function keysAt(schema: AnySchema | undefined, path: string[]): string[] {
  let node = schema && unwrap(schema);
  for (const key of path) {
    if (!node) return [];
    const def = node.def;
    if (def.type === 'object') node = def.shape[key] && unwrap(def.shape[key]);
    else if (def.type === 'record') node = unwrap(def.valueType);
    else if (def.type === 'array') node = unwrap(def.element);
    else return [];
  }
  return node?.def.type === 'object' ? Object.keys(node.def.shape) : [];
}

function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const type = s.def.type;
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(type)) s = s.def.innerType;
    else if (type === 'pipe') s = s.def.in;
    else return s;
  }
}

/** The known name nearest to a mistyped one, if it is near enough to be what was meant. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (bestDistance <= Math.max(1, Math.floor(name.length / 3))) return best;
  // A key written without its unit or qualifier (`lock` for lock_ms): the one known key it begins.
  const extended = known.filter((candidate) => wanted.length >= 3 && candidate.toLowerCase().startsWith(wanted));
  return extended.length === 1 ? extended[0] : undefined;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string
 * alignment distance, so `tokne` is one edit from `token`.
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
