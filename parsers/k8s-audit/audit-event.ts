import { podFields } from '../kit/pod-owner.ts';
import type { EcsEvent } from '../kit/ecs.ts';
import { compact, integer, ip, isObject, strings, text, type JsonObject } from '../kit/json-read.ts';
import { toUtcTimestamp } from '../kit/json-timestamp.ts';
import { categorise } from './categorise.ts';
import { auditMessage } from './message.ts';

type User = NonNullable<EcsEvent['user']> & { effective?: { name?: string; id?: string; roles?: string[] } };

/**
 * One audit.k8s.io/v1 Event → its ECS event, the Event itself kept verbatim under kubernetes.audit.
 * `original` is the item's own text when it came in a batch.
 */
export function fromAuditEvent(item: JsonObject, original: string | undefined): EcsEvent {
  const ref = isObject(item.objectRef) ? item.objectRef : {};
  const status = isObject(item.responseStatus) ? item.responseStatus : undefined;
  const annotations = isObject(item.annotations) ? item.annotations : {};
  const code = status && integer(status.code);
  const verb = text(item.verb);
  const resource = text(ref.resource);
  const subresource = text(ref.subresource);
  const apiGroup = text(ref.apiGroup);
  const apiVersion = text(ref.apiVersion);
  const auditID = text(item.auditID);
  const { category, type } = categorise(verb, resource, apiGroup, text(annotations['authorization.k8s.io/decision']));

  const event = compact<EcsEvent>({
    '@timestamp': timestamp(item.stageTimestamp) ?? timestamp(item.requestReceivedTimestamp),
    message: auditMessage(item),
    tags: annotations['audit.k8s.io/truncated'] === 'true' ? ['truncated'] : undefined,
    event: {
      kind: 'event',
      category,
      type,
      action: verb,
      outcome: code === undefined ? 'unknown' : code < 400 ? 'success' : 'failure',
      module: 'kubernetes',
      dataset: 'kubernetes.audit_logs',
      reason: text(annotations['authorization.k8s.io/reason']) ?? (status && text(status.message)),
      // The API server re-sends a whole batch after any non-2xx: the same auditID+stage, the same id.
      id: auditID && `${auditID}:${text(item.stage) ?? ''}`,
      original,
    },
    user: userOf(item),
    source: { ip: Array.isArray(item.sourceIPs) ? ip(item.sourceIPs[0]) : undefined },
    user_agent: { original: text(item.userAgent) },
    url: { original: text(item.requestURI) },
    http: { response: { status_code: code } },
    orchestrator: {
      type: 'kubernetes',
      namespace: text(ref.namespace),
      resource: { type: resource && (subresource ? `${resource}/${subresource}` : resource), name: text(ref.name) },
      api_version: apiGroup && apiVersion ? `${apiGroup}/${apiVersion}` : apiVersion,
    },
  }) ?? {};
  // A request about a pod (its exec, log, status ...) names the pod: its owner joins the
  // workload key (parsers/kit/workload.ts) and kubernetes.<owner>.name as for the other sources.
  const owned = resource === 'pods' ? podFields(text(ref.name), text(ref.namespace)) : undefined;
  if (owned && event.orchestrator?.resource) event.orchestrator.resource.parent = owned.resource.parent;
  event.kubernetes = { ...owned?.kubernetes, audit: item };
  return event;
}

function userOf(item: JsonObject): User | undefined {
  const user = isObject(item.user) ? item.user : {};
  const as = isObject(item.impersonatedUser) ? item.impersonatedUser : undefined;
  const out: User = {
    name: text(user.username),
    id: text(user.uid),
    roles: strings(user.groups),
    // Impersonation: the request ran with this identity's rights (ECS user.effective).
    effective: as && { name: text(as.username), id: text(as.uid), roles: strings(as.groups) },
  };
  return out;
}

function timestamp(value: unknown): string | undefined {
  return typeof value === 'string' ? toUtcTimestamp(value) : undefined;
}
