import { buildFields, type Head } from './fields.ts';
import { datasetOf, scanUnnamedKv } from './infer-type.ts';
import type { Parsed } from './parsed.ts';
import { SCHEMAS } from './schema.ts';

/**
 * Webhook type "" (key-value): `level=<LEVEL>,cluster=<cluster>,[comment=<comment>,]` then the
 * struct's key-value text without `notification=`. Cluster and comment are printed raw, so the
 * struct starts at the first `,name=` or `,level=` (its first key; violations have no name).
 * Text without that prefix is taken as a bare struct. Either way the type is told from the keys.
 */
export function fromWebhookKv(text: string): Parsed {
  const afterLevel = text.indexOf(',') + 1;
  if (afterLevel === 0 || !text.startsWith('cluster=', afterLevel)) return unnamed(text, 0, {});
  const structAt = firstOf(text, afterLevel, ',name=', ',level=');
  if (structAt < 0) return { failure: 'NeuVector key-value webhook has no event after its cluster= prefix' };
  const prefix = text.slice(afterLevel + 'cluster='.length, structAt);
  const commentAt = prefix.indexOf(',comment=');
  const meta: Head = { webhook_type: 'key-value', cluster: commentAt < 0 ? prefix : prefix.slice(0, commentAt) };
  if (commentAt >= 0) meta.comment = prefix.slice(commentAt + ',comment='.length);
  return unnamed(text, structAt + 1, meta);
}

function unnamed(text: string, start: number, meta: Head): Parsed {
  const found = scanUnnamedKv(text, start);
  if (!found) return { failure: 'key-value body matches no NeuVector event type' };
  const fields = buildFields(SCHEMAS[found.type].build, { notification: found.type, ...meta }, found.read);
  return { dataset: datasetOf(found.type, fields), fields };
}

function firstOf(text: string, from: number, a: string, b: string): number {
  const i = text.indexOf(a, from);
  const j = text.indexOf(b, from);
  return i < 0 ? j : j < 0 ? i : Math.min(i, j);
}
