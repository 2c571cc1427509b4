import type { EcsEvent } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';
import { container, joined, num, str, words, workload, type Mapping } from './ecs-parts.ts';

const SEVERITY_LISTS = [['critical_vuls', 'Critical'], ['high_vuls', 'High'], ['medium_vuls', 'Medium']] as const;

/**
 * Audits: vulnerability scan reports (aggregate, one CVE per message, or per image layer),
 * compliance findings, admission control decisions and serverless scans. Scan and compliance
 * reports are ECS `state` events: ECS names "the state of a host with respect to a software
 * vulnerability" and "compliance with a regulatory standard" as its examples of that kind.
 */
export function auditMapping(nv: Fields): Mapping {
  const name = str(nv, 'name') ?? '';
  if (name.startsWith('Admission.Control.')) return admission(nv, name);
  if (name.startsWith('Compliance.')) return compliance(nv, name);
  return scan(nv, name);
}

function scan(nv: Fields, name: string): Mapping {
  const ecs = workloadParts(nv);
  const vulnerability = singleVulnerability(nv);
  if (vulnerability) {
    ecs.vulnerability = vulnerability;
    const pkg = words(nv, 'packages')[0];
    const version = str(nv, 'package_ver');
    if (pkg) ecs.package = version ? { name: pkg, version } : { name: pkg };
  }
  const error = str(nv, 'error');
  return {
    kind: 'state',
    category: ['vulnerability'],
    type: [error ? 'error' : 'info'],
    action: name || undefined,
    message: str(nv, 'message') ?? scanSummary(nv, name, vulnerability, error),
    namespace: str(nv, 'workload_domain'),
    workload: workload(nv, 'workload_'),
    ecs,
  };
}

/**
 * vulnerability.* when the message is about exactly one CVE (single_cve_per_syslog, or a report
 * that found one): its severity is the list it is in, its details are there in single-CVE mode.
 */
function singleVulnerability(nv: Fields): EcsEvent['vulnerability'] | undefined {
  const found = SEVERITY_LISTS.flatMap(([key, severity]) => words(nv, key).map((id) => ({ id, severity })));
  if (found.length !== 1) return undefined;
  const out: NonNullable<EcsEvent['vulnerability']> = { id: found[0].id, severity: found[0].severity };
  const description = str(nv, 'description');
  if (description) out.description = description;
  const link = str(nv, 'link');
  if (link) out.reference = link;
  const v3 = num(nv, 'score_v3');
  const v2 = num(nv, 'score');
  if (v3) out.score = { base: v3, version: cvssVersion(str(nv, 'vectors_v3')) ?? '3.0' };
  else if (v2) out.score = { base: v2, version: '2.0' };
  out.scanner = { vendor: 'SUSE' };
  return out;
}

/** "CVSS:3.1/AV:N/..." → "3.1". */
function cvssVersion(vector: string | undefined): string | undefined {
  if (!vector?.startsWith('CVSS:')) return undefined;
  const slash = vector.indexOf('/');
  return slash > 5 ? vector.slice(5, slash) : undefined;
}

function scanSummary(
  nv: Fields, name: string, vulnerability: EcsEvent['vulnerability'] | undefined, error: string | undefined,
): string {
  const subject = str(nv, 'image') ?? str(nv, 'workload_image') ?? imageOf(nv) ?? str(nv, 'workload_name') ?? str(nv, 'host_name');
  const scanned = joined(' ', name || 'Scan report', subject && `for ${subject}`);
  if (error) return `${scanned} failed: ${error}`;
  if (vulnerability) {
    const pkg = joined(' ', words(nv, 'packages')[0], str(nv, 'package_ver'));
    return joined('', `${scanned}: ${vulnerability.id} (${vulnerability.severity})`, pkg && ` in ${pkg}`,
      str(nv, 'fixed_ver') && `, fixed in ${str(nv, 'fixed_ver')}`);
  }
  const count = (key: string) => num(nv, key) ?? 0;
  return `${scanned}: ${count('critical_vul_cnt')} critical, ${count('high_vul_cnt')} high, ${count('medium_vul_cnt')} medium vulnerabilities`;
}

/** A registry scan names no image but its repository and tag. */
function imageOf(nv: Fields): string | undefined {
  const repository = str(nv, 'repository');
  if (!repository) return undefined;
  const tag = str(nv, 'tag');
  return tag ? `${repository}:${tag}` : repository;
}

function compliance(nv: Fields, name: string): Mapping {
  const items = words(nv, 'items');
  const subject = str(nv, 'workload_name') ?? str(nv, 'image') ?? imageOf(nv) ?? str(nv, 'host_name');
  return {
    kind: 'state',
    category: ['configuration'],
    type: ['info'],
    action: name,
    message: str(nv, 'message') ??
      joined(' ', `${name}:`, `${items.length} finding${items.length === 1 ? '' : 's'}`, subject && `on ${subject}`),
    namespace: str(nv, 'workload_domain'),
    workload: workload(nv, 'workload_'),
    ecs: workloadParts(nv),
  };
}

/** Kubernetes admission requests NeuVector judged: Denied blocked the request, Allowed and Violation (monitor mode, dry run) let it pass. */
function admission(nv: Fields, name: string): Mapping {
  const denied = name === 'Admission.Control.Denied';
  const ecs = workloadParts(nv);
  const user = str(nv, 'user');
  if (user) ecs.user = { name: user };
  const pvc = str(nv, 'pvc_name');
  return {
    // A request that matched a deny rule is an alert, whether it was denied or (monitor mode, dry
    // run) only reported; an allowed request is a plain event.
    kind: name === 'Admission.Control.Allowed' ? 'event' : 'alert',
    category: ['configuration', 'api'],
    type: [denied ? 'denied' : 'allowed'],
    action: name,
    outcome: denied ? 'failure' : 'success',
    message: str(nv, 'message') ?? joined(' ', name, user && `for ${user}`),
    namespace: str(nv, 'workload_domain'),
    resource: pvc ? { type: 'persistentvolumeclaim', name: pvc } : undefined,
    ecs,
  };
}

function workloadParts(nv: Fields): EcsEvent {
  const ecs: EcsEvent = {};
  const c = container(workload(nv, 'workload_'));
  if (c) ecs.container = c;
  return ecs;
}
