/**
 * ECS categorisation of one audit Event: every request is `api`; RBAC, service accounts and
 * certificate signing requests are identity administration, so also `iam`. Secrets stay plain `api`:
 * controllers read them all day, and filing those reads under IAM would bury real IAM changes.
 */

const TYPE_BY_VERB: Readonly<Record<string, string>> = {
  create: 'creation',
  post: 'creation', // non-resource URLs carry the lower-case HTTP method as verb
  update: 'change',
  patch: 'change',
  put: 'change',
  delete: 'deletion',
  deletecollection: 'deletion',
  get: 'access',
  list: 'access',
  watch: 'access',
  head: 'access',
};

const IAM_RESOURCES = new Set(['serviceaccounts', 'certificatesigningrequests']);
const RBAC_GROUP = 'rbac.authorization.k8s.io';

// The authorizer's verdict, annotation `authorization.k8s.io/decision`.
const TYPE_BY_DECISION: Readonly<Record<string, string>> = { allow: 'allowed', forbid: 'denied' };

export interface AuditCategories { category: string[]; type: string[] }

export function categorise(verb: string | undefined, resource: string | undefined, apiGroup: string | undefined, decision: string | undefined): AuditCategories {
  const category = ['api'];
  if (apiGroup === RBAC_GROUP || (resource !== undefined && IAM_RESOURCES.has(resource))) category.push('iam');
  const type = [(verb !== undefined && Object.hasOwn(TYPE_BY_VERB, verb) ? TYPE_BY_VERB[verb] : 'info')];
  const verdict = decision !== undefined && Object.hasOwn(TYPE_BY_DECISION, decision) ? TYPE_BY_DECISION[decision] : undefined;
  if (verdict) type.push(verdict);
  return { category, type };
}
