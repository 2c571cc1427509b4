import type { Head } from './fields.ts';
import { datasetOf } from './infer-type.ts';
import type { Parsed } from './parsed.ts';
import { fromNotificationKv } from './syslog-body.ts';

/**
 * Webhook types Slack (`{"text":"*Cat: LEVEL level[, Comment: c]*\n_title_\n_detail_\n>>> notification=CAT,KV",
 * "username":"NeuVector - <cluster>"}`) and Teams (`{"text":"<title>\n> notification=CAT,KV",
 * "title":"Cat: LEVEL level[, Comment: c]\n<detail>"}`): the event is the kv text after `> `.
 */
export function fromChatWebhook(body: { text: string; username?: unknown; title?: unknown }): Parsed {
  const text = body.text;
  const at = text.indexOf('> notification=');
  if (at < 0) return { failure: 'Slack/Teams webhook text carries no notification=' };
  const username = typeof body.username === 'string' ? body.username : undefined;
  const title = typeof body.title === 'string' ? body.title : undefined;
  const meta: Head = { webhook_type: username !== undefined ? 'slack' : 'teams' };
  // Slack names the cluster in the username, Teams in the detail line of its title.
  const cluster = username !== undefined ? clusterOfUsername(username) : title === undefined ? undefined : clusterOfDetail(title);
  if (cluster !== undefined) meta.cluster = cluster;
  const header = username !== undefined ? slackHeader(text) : title === undefined ? undefined : teamsHeader(title);
  const comment = header === undefined ? undefined : commentOf(header);
  if (comment !== undefined) meta.comment = comment;
  const parsed = fromNotificationKv(text, at + 2, meta);
  if ('failure' in parsed) return parsed;
  return { dataset: parsed.dataset && datasetOf(parsed.dataset, parsed.fields), fields: parsed.fields };
}

/** `*Cat: LEVEL level[, Comment: c]*` up to the title line. */
function slackHeader(text: string): string | undefined {
  const end = text.indexOf('*\n_');
  return text.startsWith('*') && end > 0 ? text.slice(1, end) : undefined;
}

/** The title's first part; ≥ 5.4.0 adds `\n<detail>` as its last line. */
function teamsHeader(title: string): string {
  const detail = title.lastIndexOf('\ncluster: ');
  return detail < 0 ? title : title.slice(0, detail);
}

function commentOf(header: string): string | undefined {
  const at = header.indexOf(', Comment: ');
  return at < 0 ? undefined : header.slice(at + ', Comment: '.length);
}

function clusterOfUsername(username: string): string | undefined {
  return username.startsWith('NeuVector - ') ? username.slice('NeuVector - '.length) : undefined;
}

/** The detail line: `cluster: X, namespace: ...` or `cluster: X, client namespace: ...`. */
function clusterOfDetail(title: string): string | undefined {
  const at = title.lastIndexOf('\ncluster: ');
  if (at < 0) return undefined;
  const rest = title.slice(at + '\ncluster: '.length);
  const end = rest.search(/, (client )?namespace: /);
  return end < 0 ? undefined : rest.slice(0, end);
}
