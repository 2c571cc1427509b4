import { integer, isObject, text, type JsonObject } from '../kit/json-read.ts';

/**
 * A one-line summary of an audit Event, e.g.
 * `bob@example.com as system:serviceaccount:payments:deployer create pods/debug-7kq2x in payments: 201`.
 * The stage is named when it is not the final one, so a RequestReceived line is not read as the outcome.
 */
export function auditMessage(item: JsonObject): string {
  const user = isObject(item.user) ? text(item.user.username) : undefined;
  const impersonated = isObject(item.impersonatedUser) ? text(item.impersonatedUser.username) : undefined;
  const who = `${user ?? 'unknown user'}${impersonated ? ` as ${impersonated}` : ''}`;
  const ref = isObject(item.objectRef) ? item.objectRef : undefined;
  const ns = ref && text(ref.namespace);
  const what = ref ? [text(ref.resource), text(ref.name), text(ref.subresource)].filter(Boolean).join('/') : text(item.requestURI);
  const status = isObject(item.responseStatus) ? item.responseStatus : undefined;
  const code = status && integer(status.code);
  const reason = status && text(status.reason);
  const stage = text(item.stage);
  return [
    `${who} ${text(item.verb) ?? 'unknown verb'} ${what || 'unknown target'}`,
    ns ? ` in ${ns}` : '',
    code !== undefined ? `: ${code}${reason ? ` ${reason}` : ''}` : '',
    stage && stage !== 'ResponseComplete' ? ` (${stage})` : '',
  ].join('');
}
