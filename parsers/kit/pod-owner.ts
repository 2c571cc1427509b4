/**
 * The Kubernetes workload that owns a pod, read from the pod's name alone: sources that report a
 * pod by name (NeuVector's workload names) say nothing else about its owner, and the controllers
 * name their pods in fixed shapes.
 *
 * Shapes, from the Kubernetes sources:
 * - random suffix: controllers create pods with `generateName: <owner>-`, and the API server's
 *   names.SimpleNameGenerator appends utilrand.String(5) (apiserver/pkg/storage/names/generate.go),
 *   5 characters of apimachinery/pkg/util/rand's alphabet "bcdfghjklmnpqrstvwxz2456789" (no
 *   vowels, no 0/1/3, so no words);
 * - Deployment: the ReplicaSet is `<deployment>-<pod-template-hash>` (pkg/controller/deployment/
 *   sync.go), the hash being rand.SafeEncodeString of the decimal FNV hash of the pod template
 *   (controller.ComputeHash, pkg/controller/controller_utils.go): up to 10 characters of that
 *   alphabet; its pods are `<replicaset>-<5>`;
 * - CronJob: the Job is `<cronjob>-<scheduled time in Unix minutes>` (getJobName, pkg/controller/
 *   cronjob/utils.go), 8 digits since 1989, and its pods `<job>-<5>`;
 * - Indexed Job: `<job>-<completion index>-<5>` (pkg/controller/job/indexed_job_utils.go);
 * - StatefulSet: `<statefulset>-<ordinal>` (getPodName, pkg/controller/statefulset/stateful_set_utils.go);
 * - DaemonSet, a non-indexed Job, a bare ReplicaSet: all `<owner>-<5>`, indistinguishable by name.
 *   Read as DaemonSet: of the three it is the one that runs for long on every node, which is what
 *   a runtime-security sensor mostly reports; a Job is short-lived and a bare ReplicaSet rare.
 *
 * The generator cuts `<owner>-` to 58 characters before the suffix, so a long owner's pods end in
 * `<cut base><5>` with no dash in front of the suffix: no shape fits them, and they get no owner
 * rather than a wrong one.
 *
 * A name that fits none of the shapes gives no owner: a bare pod, or no pod at all (NeuVector's
 * `external`, `Host:<node>`, `Workload:<ip>`, `nv.<group>` endpoints). Cost: a few index scans,
 * no regular expression.
 */

import type { EcsEvent } from './ecs.ts';

export type OwnerKind = 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'CronJob' | 'Job';

export interface PodOwner {
  /** The top-level workload, as ECS orchestrator.resource.parent.type names it. */
  kind: OwnerKind;
  name: string;
  /** The controller between that workload and the pod: a Deployment's ReplicaSet, a CronJob's Job. */
  via?: { kind: 'ReplicaSet' | 'Job'; name: string };
}

const RANDOM_LENGTH = 5;
const HASH_MIN = 6; // shorter hashes need a template hash below 100000: one in 40000
const HASH_MAX = 10; // the decimal digits of a uint32
const MINUTES_MIN = 8;

/** apimachinery/pkg/util/rand: the alphabet of generated names and of SafeEncodeString. */
const ALPHABET = new Uint8Array(128);
for (const c of 'bcdfghjklmnpqrstvwxz2456789') ALPHABET[c.charCodeAt(0)] = 1;

export function podOwner(podName: string): PodOwner | undefined {
  if (!isObjectName(podName)) return undefined;
  const last = podName.lastIndexOf('-');
  if (last <= 0) return undefined;
  if (inAlphabet(podName, last + 1, podName.length) && podName.length - last - 1 === RANDOM_LENGTH) {
    return generated(podName.slice(0, last));
  }
  if (isOrdinal(podName, last + 1, podName.length)) return { kind: 'StatefulSet', name: podName.slice(0, last) };
  return undefined;
}

/** The owner of a pod named `<base>-<5 random>`. */
function generated(base: string): PodOwner | undefined {
  const dash = base.lastIndexOf('-');
  if (dash > 0) {
    const start = dash + 1;
    const length = base.length - start;
    const owner = base.slice(0, dash);
    if (length >= MINUTES_MIN && isMinutes(base, start)) return { kind: 'CronJob', name: owner, via: { kind: 'Job', name: base } };
    if (length >= HASH_MIN && length <= HASH_MAX && inAlphabet(base, start, base.length)) {
      return { kind: 'Deployment', name: owner, via: { kind: 'ReplicaSet', name: base } };
    }
    if (isDigits(base, start, base.length)) return { kind: 'Job', name: owner };
    // Hash-like (letters and digits, hash length) but outside the alphabet: no controller made
    // this name, so claiming a DaemonSet named `<x>-<that>` would only be a guess.
    if (length >= HASH_MIN && length <= HASH_MAX && hasDigit(base, start)) return undefined;
  }
  return { kind: 'DaemonSet', name: base };
}

/**
 * Unix minutes: digits only, and some digit 0–3. A template hash is SafeEncodeString of decimal
 * digits, which only yields 4–9 and b, c, d, f; minutes from 1989 to 2054 all hold a 2 or a 3.
 */
function isMinutes(s: string, start: number): boolean {
  if (!isDigits(s, start, s.length)) return false;
  for (let i = start; i < s.length; i++) if (s.charCodeAt(i) <= 51 /* 3 */) return true;
  return false;
}

/** A Kubernetes object name (DNS subdomain: a-z 0-9 - .), and not one of NeuVector's `nv.` groups. */
function isObjectName(s: string): boolean {
  if (s.length === 0 || s.length > 253 || s.startsWith('nv.')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46)) return false;
  }
  return true;
}

function inAlphabet(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ALPHABET[c] === 0) return false;
  }
  return true;
}

function isDigits(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function hasDigit(s: string, start: number): boolean {
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** A StatefulSet ordinal: decimal without leading zeros. */
function isOrdinal(s: string, start: number, end: number): boolean {
  return isDigits(s, start, end) && (end - start === 1 || s.charCodeAt(start) !== 48);
}

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
 * A pod and its owner as fields: orchestrator.resource.* (the pod, its owner's kind as
 * resource.parent.type) and kubernetes.pod/namespace/<owner>.name as Beats' add_kubernetes_metadata
 * and Elastic's Kubernetes integration write them, so events join that data by pod. Only for a
 * name in a namespace (pods are namespaced; a host's name can look like a StatefulSet pod) and in
 * one of the shapes above.
 */
export function podFields(name: string | undefined, namespace: string | undefined): PodFields | undefined {
  if (!name || !namespace) return undefined;
  const owner = podOwner(name);
  if (!owner) return undefined;
  const kubernetes: Record<string, unknown> = { pod: { name }, namespace };
  if (owner.via) kubernetes[VIA_KEY[owner.via.kind]] = { name: owner.via.name };
  kubernetes[OWNER_KEY[owner.kind]] = { name: owner.name };
  return { resource: { name, type: 'pod', parent: { type: owner.kind } }, kubernetes };
}
