import type { EcsEvent } from './ecs.ts';
import type { OwnerKind } from './pod-owner.ts';

/**
 * The workload key: one string, the same whichever source saw the workload, so one query finds
 * what NeuVector, Falco and the Kubernetes API server each said about it:
 *
 *   <cluster>/<namespace>/<owner kind>/<owner name>     e.g. prod/shop/Deployment/checkout
 *
 * cluster is orchestrator.cluster.name (empty when the event names none); the owner is the
 * top-level controller of the pod the event is about (pod-owner.ts), or the workload object an
 * audit record is about itself. Kubernetes names hold no '/', so the key splits back unambiguously.
 * Events about no namespaced workload (a host, a node, a cluster-wide object) get no key.
 */

/** Workload resources of the Kubernetes API, by their plural resource name (audit objectRef.resource). */
const WORKLOAD_RESOURCES: Readonly<Record<string, OwnerKind>> = {
  deployments: 'Deployment', daemonsets: 'DaemonSet', statefulsets: 'StatefulSet', cronjobs: 'CronJob', jobs: 'Job',
};
const OWNER_KEY: Readonly<Record<OwnerKind, string>> = {
  Deployment: 'deployment', DaemonSet: 'daemonset', StatefulSet: 'statefulset', CronJob: 'cronjob', Job: 'job',
};

export function workloadKey(event: EcsEvent): string | undefined {
  const orchestrator = event.orchestrator;
  const namespace = orchestrator?.namespace;
  if (!namespace) return undefined;
  const owner = ownerOf(event);
  if (!owner) return undefined;
  return `${orchestrator?.cluster?.name ?? ''}/${namespace}/${owner.kind}/${owner.name}`;
}

function ownerOf(event: EcsEvent): { kind: OwnerKind; name: string } | undefined {
  const resource = event.orchestrator?.resource;
  const parent = resource?.parent?.type as OwnerKind | undefined;
  if (parent && OWNER_KEY[parent]) {
    const name = ((event.kubernetes as Record<string, { name?: unknown }> | undefined)?.[OWNER_KEY[parent]])?.name;
    return typeof name === 'string' && name ? { kind: parent, name } : undefined;
  }
  const type = resource?.type?.split('/')[0];
  const kind = type ? WORKLOAD_RESOURCES[type] : undefined;
  return kind && resource?.name ? { kind, name: resource.name } : undefined;
}
