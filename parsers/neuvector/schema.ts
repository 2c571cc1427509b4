import { compileBuilder, type FieldsBuilder } from './fields.ts';

/**
 * The key order of every NeuVector log struct, as the controller prints it (Go struct declaration
 * order, embedded LogCommon first). The kv body has no escaping at all, so this order is what tells
 * a separating `,key=` from a comma inside a value.
 *
 * Notation: `key` (string), `key:int`, `:float`, `:bool`, `:list` ([a b] of words), `:items`
 * (compliance sentences), `:paths` (absolute file paths), `:roles` (Go map[domain]role);
 * a trailing `?` marks an omitempty key that may be absent.
 */

export type NotificationType = 'event' | 'activity' | 'violation' | 'threat' | 'incident' | 'audit';
export type Kind = 'string' | 'int' | 'float' | 'bool' | 'list' | 'items' | 'paths' | 'roles';

export interface KeySpec { readonly key: string; readonly kind: Kind; readonly optional: boolean }

export interface Schema {
  readonly keys: readonly KeySpec[];
  /** `key=` of each key, for matching at a position without slicing. */
  readonly keyEq: readonly string[];
  /** The first character code of each key: most candidates are ruled out by it without a string compare. */
  readonly firstChar: Int32Array;
  /** The character codes of all `key=` one after another, each from keyAt[i] for keyEq[i].length. */
  readonly keyCodes: Uint8Array;
  readonly keyAt: Int32Array;
  /** key → its position in `keys`. */
  readonly index: ReadonlyMap<string, number>;
  /**
   * For a cursor (the position of the next key expected), the last position of the window of keys
   * that may come next: every optional key up to and including the first required one.
   */
  readonly windowEnd: Int32Array;
  /** Past the last known key, does any `,word=` start a new (unknown) key? Only for unknown types. */
  readonly open: boolean;
  /** Builds the fields object from the values by position. */
  readonly build: FieldsBuilder;
}

const COMMON =
  'name? level reported_timestamp:int reported_at cluster_name response_rule_id?:int host_id host_name enforcer_id enforcer_name';

const EVENT =
  'controller_id controller_name workload_id workload_name workload_domain workload_image workload_service category user ' +
  'user_roles:roles user_addr user_session rest_method? rest_request? rest_body? enforcer_limit?:int message';

const THREAT =
  'id threat_id:int client_workload_id client_workload_name client_workload_domain? client_workload_image? ' +
  'client_workload_service? server_workload_id server_workload_name server_workload_domain? server_workload_image? ' +
  'server_workload_service? severity action count:int ether_type:int client_port:int server_port:int ' +
  'server_conn_port:int icmp_code:int icmp_type:int ip_proto:int client_ip server_ip application sensor group target ' +
  'monitor:bool cap_len?:int packet? message';

const VIOLATION =
  'id client_id client_name client_domain? client_image? client_service? server_id server_name server_domain? ' +
  'server_image? server_service? server_port:int ip_proto:int applications:list servers:list sessions:int ' +
  'policy_action policy_id:int client_ip server_ip fqdn xff:bool nbe:bool';

const INCIDENT =
  'id workload_id? workload_name? workload_domain? workload_image? workload_service? remote_workload_id? ' +
  'remote_workload_name? remote_workload_domain? remote_workload_image? remote_workload_service? proc_name? ' +
  'proc_path? proc_cmd? proc_real_uid?:int proc_effective_uid?:int proc_real_user? proc_effective_user? file_path? ' +
  'file_name?:paths client_ip? server_ip? client_port?:int server_port?:int server_conn_port?:int ether_type?:int ' +
  'ip_proto?:int conn_ingress?:bool proc_parent_name? proc_parent_path? action group? rule_id aggregation_from?:int ' +
  'count?:int message';

const AUDIT =
  'workload_id? workload_name? workload_domain? workload_image? workload_service? image? image_id? registry? ' +
  'registry_name? repository? tag? base_os? critical_vul_cnt:int high_vul_cnt:int medium_vul_cnt:int ' +
  'critical_vuls?:list high_vuls?:list medium_vuls?:list cvedb_version? message user? error? aggregation_from?:int ' +
  'count?:int items?:items group? platform? platform_version? region? project_name? packages?:list package_ver? ' +
  'fixed_ver? score?:float score_v3?:float vectors? vectors_v3? link? description? pub_date? last_mod_date? ' +
  'image_layer_digest? cmds? pvc_name? pvc_storageclass_name?';

const KINDS: readonly Kind[] = ['string', 'int', 'float', 'bool', 'list', 'items', 'paths', 'roles'];

/**
 * The kind as the constant string itself: a piece split out of the spec is a different string with
 * the same text, which the scanner's per-value `kind === 'int'` tests would compare character by
 * character instead of by reference.
 */
function kindOf(text: string): Kind {
  const kind = KINDS.find((k) => k === text);
  if (kind === undefined) throw new Error(`unknown kind ${JSON.stringify(text)}`);
  return kind;
}

function compile(spec: string, open = false): Schema {
  const keys: KeySpec[] = spec.split(' ').map((word) => {
    const optional = word.endsWith('?') || word.includes('?:');
    const [key, kind = 'string'] = word.replace('?', '').split(':');
    return { key, kind: kindOf(kind), optional };
  });
  const index = new Map(keys.map((k, i) => [k.key, i]));
  const windowEnd = new Int32Array(keys.length + 1);
  let end = keys.length - 1;
  for (let i = keys.length - 1; i >= 0; i--) {
    if (!keys[i].optional) end = i;
    windowEnd[i] = end;
  }
  windowEnd[keys.length] = -1;
  return { keys, keyEq: keys.map((k) => `${k.key}=`), firstChar: Int32Array.from(keys, (k) => k.key.charCodeAt(0)), ...keyTable(keys.map((k) => `${k.key}=`)), index, windowEnd, open, build: compileBuilder(keys.map((k) => k.key)) };
}

/** Keys are ASCII words, so a byte per character holds them. */
function keyTable(keyEq: readonly string[]): { keyCodes: Uint8Array; keyAt: Int32Array } {
  const joined = keyEq.join('');
  if (!/^[\x21-\x7e]*$/.test(joined)) throw new Error('schema keys must be printable ASCII');
  const keyAt = new Int32Array(keyEq.length);
  for (let i = 1; i < keyEq.length; i++) keyAt[i] = keyAt[i - 1] + keyEq[i - 1].length;
  return { keyCodes: Uint8Array.from(joined, (ch) => ch.charCodeAt(0)), keyAt };
}

export const SCHEMAS: Readonly<Record<NotificationType, Schema>> = {
  event: compile(`${COMMON} ${EVENT}`),
  activity: compile(`${COMMON} ${EVENT}`),
  violation: compile(`${COMMON} ${VIOLATION}`),
  threat: compile(`${COMMON} ${THREAT}`),
  incident: compile(`${COMMON} ${INCIDENT}`),
  audit: compile(`${COMMON} ${AUDIT}`),
};

/** For a notification type this parser does not know: the common fields, then any `,word=` splits. */
export const UNKNOWN_TYPE_SCHEMA: Schema = compile(COMMON, true);

/** The kind of each key in any struct (the same key has the same kind everywhere), for JSON bodies. */
export const KIND_OF: ReadonlyMap<string, Kind> = new Map(
  Object.values(SCHEMAS).flatMap((s) => s.keys.map((k) => [k.key, k.kind] as const)),
);

export function isNotificationType(type: string): type is NotificationType {
  return Object.hasOwn(SCHEMAS, type);
}
