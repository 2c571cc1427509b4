import type { EcsEvent } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';
import { container, endpoint, str, workload, type Mapping } from './ecs-parts.ts';
import type { RoleGrant } from './values.ts';

type Outcome = Mapping['outcome'];
interface Categorised { category: string[]; type: string[]; outcome?: Outcome }

/** Authentication events by name: a login opens a session, logout and timeout end it. */
const USER_EVENTS: Record<string, Categorised> = {
  'User.Login': { category: ['authentication'], type: ['start'], outcome: 'success' },
  'User.Login.Failed': { category: ['authentication'], type: ['start'], outcome: 'failure' },
  'User.Login.Blocked': { category: ['authentication'], type: ['start'], outcome: 'failure' },
  'User.Login.Unblocked': { category: ['authentication'], type: ['info'] },
  'User.Logout': { category: ['authentication'], type: ['end'] },
  'User.Timeout': { category: ['authentication'], type: ['end'] },
  'User.Password.Alert': { category: ['authentication'], type: ['info'] },
  'User.Password.Reset': { category: ['iam'], type: ['user', 'change'] },
  'User.Resource.Access.Denied': { category: ['api'], type: ['denied'], outcome: 'failure' },
  'RESTful.Write': { category: ['api', 'configuration'], type: ['change'] },
  'RESTful.Read': { category: ['api'], type: ['access'] },
};

/** NeuVector's own components (enforcers, controllers, scanners) joining, leaving and reporting. */
const COMPONENT_CATEGORIES = new Set(['ENFORCER', 'CONTROLLER', 'SCANNER']);
const COMPONENT_PREFIXES = ['Enforcer.', 'Controller.', 'Scanner.', 'Agent.'];
const FAILURE_SUFFIXES = ['Failed', '.Error', '.Mismatch', '.Unavailable'];
/** Categories whose events report a state rather than change one. */
const REPORTING_CATEGORIES = new Set(['CLOUD', 'GROUP', 'CIS.BENCHMARK']);

function endsWithAny(name: string, suffixes: readonly string[]): boolean {
  return suffixes.some((s) => name.endsWith(s));
}

function categorised(name: string, category: string | undefined): Categorised {
  const known = USER_EVENTS[name];
  if (known) return known;
  if (name.startsWith('User.')) return { category: ['authentication'], type: ['info'] };
  const failed = endsWithAny(name, FAILURE_SUFFIXES);
  if (category === 'WORKLOAD' || name.startsWith('Container.')) {
    // Container lifecycle: the container's process starting and ending.
    const type = name.endsWith('.Start') ? 'start' : endsWithAny(name, ['.Stop', '.Remove']) ? 'end' : 'change';
    return { category: ['process'], type: [type] };
  }
  if (name.startsWith('Scan.')) return { category: ['vulnerability'], type: [failed ? 'error' : 'info'] };
  if ((category && COMPONENT_CATEGORIES.has(category)) || COMPONENT_PREFIXES.some((p) => name.startsWith(p))) {
    let type = 'info';
    if (failed) type = 'error';
    else if (endsWithAny(name, ['.Start', '.Join', '.Connect'])) type = 'start';
    else if (endsWithAny(name, ['.Stop', '.Leave', '.Disconnect', '.Kicked', '.Lead.Lost'])) type = 'end';
    return { category: ['host'], type: [type] };
  }
  let type = 'change';
  if (failed) type = 'error';
  else if (name.endsWith('.Remove')) type = 'deletion';
  else if (category && REPORTING_CATEGORIES.has(category)) type = 'info';
  return { category: ['configuration'], type: [type] };
}

/**
 * Controller events: logins and REST calls by NeuVector users, container lifecycle (activities),
 * component membership, configuration, licences, federation.
 */
export function eventMapping(nv: Fields): Mapping {
  const name = str(nv, 'name') ?? '';
  const { category, type, outcome } = categorised(name, str(nv, 'category'));
  const local = workload(nv, 'workload_');
  const ecs: EcsEvent = {};
  const c = container(local);
  if (c) ecs.container = c;
  const user = userOf(nv);
  if (user) ecs.user = user;
  const source = endpoint(str(nv, 'user_addr'), undefined);
  if (source) ecs.source = source;
  const method = str(nv, 'rest_method');
  if (method) ecs.http = { request: { method } };
  const request = str(nv, 'rest_request');
  if (request) {
    const query = request.indexOf('?');
    ecs.url = { original: request, path: query < 0 ? request : request.slice(0, query) };
  }
  return {
    category: [...category], // copies: the table's arrays are shared
    type: [...type],
    action: name || undefined,
    outcome,
    // The controller itself puts the name where a message is empty.
    message: str(nv, 'message') ?? (name || 'NeuVector event'),
    namespace: local.domain,
    workload: local,
    ecs,
  };
}

/** user.roles: a global role as its name, a namespaced one as `<domain>:<role>` as NeuVector prints it. */
function userOf(nv: Fields): EcsEvent['user'] | undefined {
  const name = str(nv, 'user');
  const grants = (Array.isArray(nv.user_roles) ? nv.user_roles : []) as RoleGrant[];
  if (!name && grants.length === 0) return undefined;
  const out: NonNullable<EcsEvent['user']> = {};
  if (name) out.name = name;
  if (grants.length) out.roles = grants.map((g) => (g.domain ? `${g.domain}:${g.role}` : g.role));
  return out;
}
