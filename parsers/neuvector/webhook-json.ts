import { datasetOf, typeFromKeys } from './infer-type.ts';
import type { Head } from './fields.ts';
import { fieldsFromJson } from './json-fields.ts';
import type { Parsed } from './parsed.ts';
import { SCHEMAS } from './schema.ts';

const PREFIX_KEYS: ReadonlySet<string> = new Set(['cluster', 'comment']);

/**
 * Webhook type JSON: `{"cluster":"<c>",["comment":"<c>",]` + the struct's JSON without its `{`
 * (≤ 5.4.2: `{"level":"<LEVEL>","cluster":...`; the struct's own level comes later and wins).
 */
export function fromWebhookJson(body: Record<string, unknown>): Parsed {
  return fromStruct(body, typeof body.cluster === 'string' ? body.cluster : undefined,
    typeof body.comment === 'string' ? body.comment : undefined);
}

/**
 * NeuVector pastes cluster and comment into the JSON unescaped, so a `"`, `\` or LF in either makes
 * the body invalid JSON. The struct part after them is valid Go JSON and starts at `,"name":` or
 * `,"level":`: try those positions in order until one parses. The cluster and comment are then the
 * raw text before it (raw is exactly what they are, as nothing escaped them); cluster_name inside
 * the struct, properly escaped, tells where the cluster ends if the comment holds the separator.
 */
export function fromInvalidWebhookJson(text: string): Parsed | undefined {
  let tries = 0;
  for (const at of structStarts(text)) {
    if (++tries > 32) break;
    let struct: unknown;
    try {
      struct = JSON.parse(`{${text.slice(at + 1)}`);
    } catch {
      continue;
    }
    if (!isObject(struct)) continue;
    const clusterName = typeof struct.cluster_name === 'string' ? struct.cluster_name : undefined;
    const { cluster, comment } = prefixValues(text.slice(0, at), clusterName);
    return fromStruct(struct, cluster, comment);
  }
  return undefined;
}

function fromStruct(struct: Record<string, unknown>, cluster: string | undefined, comment: string | undefined): Parsed {
  const type = typeFromKeys((key) => Object.hasOwn(struct, key));
  if (!type) return { failure: 'JSON body has none of the keys of a NeuVector event' };
  const head: Head = { notification: type, webhook_type: 'json', cluster, comment };
  const fields = fieldsFromJson(struct, SCHEMAS[type], head, PREFIX_KEYS);
  return { dataset: datasetOf(type, fields), fields };
}

function* structStarts(text: string): Generator<number> {
  let name = text.indexOf(',"name":');
  let level = text.indexOf(',"level":');
  while (name >= 0 || level >= 0) {
    if (level < 0 || (name >= 0 && name < level)) {
      yield name;
      name = text.indexOf(',"name":', name + 1);
    } else {
      yield level;
      level = text.indexOf(',"level":', level + 1);
    }
  }
}

/** `{["level":"<L>",]"cluster":"<c>"[,"comment":"<c>"]` → the raw cluster and comment. */
function prefixValues(prefix: string, clusterName: string | undefined): { cluster?: string; comment?: string } {
  const open = prefix.indexOf('"cluster":"');
  if (open < 0) return {};
  let rest = prefix.slice(open + '"cluster":"'.length);
  if (rest.endsWith('"')) rest = rest.slice(0, -1);
  const separator = '","comment":"';
  let cut = clusterName !== undefined && rest.startsWith(clusterName) &&
      (rest.length === clusterName.length || rest.startsWith(separator, clusterName.length))
    ? clusterName.length
    : rest.indexOf(separator);
  if (cut < 0) cut = rest.length;
  const cluster = rest.slice(0, cut);
  return rest.startsWith(separator, cut) ? { cluster, comment: rest.slice(cut + separator.length) } : { cluster };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
