import type { EcsEvent } from '../ecs.ts';
import { podOwner, type OwnerKind } from '../pod-owner.ts';
import type { Workload } from './ecs-parts.ts';

export interface PodFields {
  resource: NonNullable<NonNullable<EcsEvent['orchestrator']>['resource']>;
  /** Owner names, which ECS has no field for, as Elastic's Kubernetes metadata names them. */
  kubernetes: Record<string, unknown>;
}

const OWNER_KEY: Readonly<Record<OwnerKind, string>> = {
  Deployment: 'deployment', DaemonSet: 'daemonset', StatefulSet: 'statefulset', CronJob: 'cronjob', Job: 'job',
};
const VIA_KEY = { ReplicaSet: 'replicaset', Job: 'job' } as const;

/**
 * A NeuVector workload as a Kubernetes pod: orchestrator.resource.* (the pod, its owner's kind as
 * resource.parent.type) and kubernetes.pod/namespace/<owner>.name, as Beats' add_kubernetes_metadata
 * and Elastic's Kubernetes integration write them, so NeuVector events join that data by pod.
 * Only for a workload in a namespace whose name has the shape a controller gives its pods:
 * NeuVector's host, external, IP and `nv.` group endpoints and bare pods are left as they are.
 */
export function kubernetesOf(workload: Workload): PodFields | undefined {
  const { name, domain } = workload;
  if (!name || !domain) return undefined;
  const owner = podOwner(name);
  if (!owner) return undefined;
  const kubernetes: Record<string, unknown> = { pod: { name }, namespace: domain };
  if (owner.via) kubernetes[VIA_KEY[owner.via.kind]] = { name: owner.via.name };
  kubernetes[OWNER_KEY[owner.kind]] = { name: owner.name };
  return { resource: { name, type: 'pod', parent: { type: owner.kind } }, kubernetes };
}
