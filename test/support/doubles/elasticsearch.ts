/**
 * A strict Elasticsearch double for the bulk and index-template APIs (elasticsearch-specification
 * specification/_global/bulk, indices/put_index_template), served over real HTTP so the official
 * client can be driven against it.
 *
 *   const es = await ElasticsearchDouble.start({ major: 8, auth: { apiKey: 'k' }, maxContentLength: 4096 });
 *   es.documents('logs-falco.alerts-default')  documents stored in that data stream or index, in
 *                                               write order: { id, source (raw JSON line), index (backing index) }
 *   es.allDocuments()                           the same across every target
 *   es.inNamespace('default')                   the same across every data stream logs-*-default
 *   es.template('vigil-events')                 an installed composable template, or undefined
 *   es.ismPolicy('vigil-events')                an installed ISM policy (OpenSearch, `ism: true`)
 *   es.failItems(doc => ..., 400 | 429 | 503)   bulk items whose document matches answer with that
 *                                               status (400 = document_parsing_exception) until
 *                                               es.clearItemFaults() or es.reset(); other items
 *                                               are processed
 *   es.createConflicts                          per _id, how many `create` items met an existing
 *                                               document (409): redeliveries the _id deduplicated
 *   es.writes                                   per _id, how many times a document was stored
 *                                               (an `index` over an existing one counts again)
 *   plus failNext / dropNext / delay / down / up / requests from HttpDouble.
 *
 * What it enforces, as the real server does: `x-elastic-product: Elasticsearch` on every answer;
 * media types (application/json, application/x-ndjson, or the vendored
 * `application/vnd.elasticsearch+json|x-ndjson; compatible-with=N` where N is the emulated major or
 * the one before, the same N on Accept and Content-Type; otherwise 400 media_type_header_exception);
 * the bulk body's final newline; `create` = 409 when the _id exists; data streams (a template with
 * `data_stream`) take only `create` and need `@timestamp`; mappings (elasticsearch-mapping.ts);
 * credentials when `auth` is set (401 security_exception); bodies over `maxContentLength` → 413;
 * a template's `composed_of` components exist (`componentTemplates`) or are listed in its
 * `ignore_missing_component_templates`; field types the cluster lacks (`lacksFieldTypes`) refused.
 *
 * `product: 'opensearch'` answers as an OpenSearch 2.x node does instead: no `x-elastic-product`
 * header (so the Elasticsearch client refuses it), an OpenSearch root document, only the plain
 * media types (the vendored `vnd.elasticsearch` ones get 406), OpenSearch's error types
 * (`mapper_parsing_exception`, `rejected_execution_exception`), and templates using types it lacks
 * (`flattened`, `constant_keyword` without its `value`) refused with 400 mapper_parsing_exception;
 * template keys it lacks (`ignore_missing_component_templates`, `lifecycle`) refused as unknown;
 * with `ism: true` the Index State Management policies API (GET/PUT _plugins/_ism/policies/<id>,
 * updates by if_seq_no/if_primary_term), without it no handler for that path, as on a bare node.
 */
import assert from 'node:assert/strict';
import { HttpDouble, type DoubleReply, type RecordedRequest } from './http-double.ts';
import { IndexMapping } from './elasticsearch-mapping.ts';

export interface ElasticsearchDoubleOptions {
  /** Which server to answer as. Default elasticsearch. */
  product?: 'elasticsearch' | 'opensearch';
  /** Server major version whose media-type rules apply. Default 9. */
  major?: 8 | 9;
  /** Credentials every request must carry. */
  auth?: { username: string; password: string } | { apiKey: string };
  /** http.max_content_length: larger bodies (after decompression) get 413. */
  maxContentLength?: number;
  /** Component templates the cluster has (a stack cluster: logs@settings, ecs@mappings). Default none. */
  componentTemplates?: string[];
  /** Field types the cluster lacks (a node without modules): templates using them get 400, in the server's words. */
  lacksFieldTypes?: string[];
  /** As OpenSearch: the Index State Management plugin is installed (its policies API answers). Default off, as a bare node. */
  ism?: boolean;
}

interface StoredIsmPolicy {
  policy: { description?: string; default_state?: string; states?: Array<{ name?: string }>; ism_template?: unknown[] };
  seqNo: number;
  primaryTerm: number;
}

export interface StoredDocument {
  id: string;
  /** The source line exactly as received (big integers keep their digits). */
  source: string;
  /** The backing index that holds it (`.ds-<stream>-<date>-000001` for a data stream). */
  index: string;
}

type ItemFaultStatus = 400 | 429 | 503;

interface Target {
  name: string;
  backing: string;
  dataStream: boolean;
  mapping: IndexMapping;
  documents: Map<string, StoredDocument>;
}

interface Template {
  index_patterns?: string[];
  composed_of?: string[];
  ignore_missing_component_templates?: string[];
  data_stream?: object;
  priority?: number;
  template?: { mappings?: { properties?: unknown } };
}

export class ElasticsearchDouble extends HttpDouble {
  readonly #major: 8 | 9;
  readonly #openSearch: boolean;
  readonly #auth: ElasticsearchDoubleOptions['auth'];
  readonly #maxContentLength: number;
  readonly #componentTemplates: Set<string>;
  readonly #lacksFieldTypes: Set<string>;
  readonly #ism: boolean;
  readonly #ismPolicies = new Map<string, StoredIsmPolicy>();
  readonly #targets = new Map<string, Target>();
  readonly #templates = new Map<string, Template>();
  /** Per _id: `create` items answered 409 because the document already existed. */
  readonly createConflicts = new Map<string, number>();
  /** Per _id: documents stored (created, or replaced by `index`). */
  readonly writes = new Map<string, number>();
  #itemFaults: Array<{ matches: (doc: StoredDocument) => boolean; status: ItemFaultStatus }> = [];
  #seqNo = 0;

  constructor(options: ElasticsearchDoubleOptions = {}) {
    super();
    this.#major = options.major ?? 9;
    this.#openSearch = options.product === 'opensearch';
    this.#auth = options.auth;
    this.#maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
    this.#componentTemplates = new Set(options.componentTemplates ?? []);
    this.#lacksFieldTypes = new Set(options.lacksFieldTypes ?? []);
    this.#ism = options.product === 'opensearch' && options.ism === true;
  }

  static async start(options: ElasticsearchDoubleOptions = {}): Promise<ElasticsearchDouble> {
    const double = new ElasticsearchDouble(options);
    await double.up();
    return double;
  }

  documents(target: string): StoredDocument[] {
    return [...(this.#targets.get(target)?.documents.values() ?? [])];
  }

  inNamespace(namespace: string): StoredDocument[] {
    return [...this.#targets.values()].filter((target) => target.name.endsWith(`-${namespace}`)).flatMap((target) => [...target.documents.values()]);
  }

  allDocuments(): StoredDocument[] {
    return [...this.#targets.values()].flatMap((target) => [...target.documents.values()]);
  }

  /** An installed ISM policy (`ism: true`), or undefined. */
  ismPolicy(id: string): unknown {
    return this.#ismPolicies.get(id)?.policy;
  }

  template(name: string): unknown {
    return this.#templates.get(name);
  }

  failItems(matches: (doc: StoredDocument) => boolean, status: ItemFaultStatus): void {
    this.#itemFaults.push({ matches, status });
  }

  clearItemFaults(): void {
    this.#itemFaults = [];
  }

  /** Also forgets item faults; stored documents and templates stay. */
  override reset(): void {
    super.reset();
    this.clearItemFaults();
  }

  protected override commonHeaders(): Record<string, string> {
    return this.#openSearch ? {} : { 'x-elastic-product': 'Elasticsearch' };
  }

  protected override faultReply(status: number): DoubleReply {
    if (status === 413) return { status, body: '' };
    const types: Record<number, string> = {
      429: this.#openSearch ? 'rejected_execution_exception' : 'es_rejected_execution_exception',
      500: 'exception',
      502: 'bad_gateway',
      503: 'unavailable_shards_exception',
      504: 'gateway_timeout',
    };
    return esError(status, types[status] ?? 'exception', `injected fault ${status}`);
  }

  protected override handle(request: RecordedRequest): DoubleReply {
    const unauthorized = this.#checkAuth(request);
    if (unauthorized) return unauthorized;
    const mediaError = this.#checkMediaTypes(request);
    if (mediaError) return mediaError;
    if (Buffer.byteLength(request.body) > this.#maxContentLength) return { status: 413, body: '' };

    const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (request.method === 'GET' && parts.length === 0) {
      if (this.#openSearch) {
        return json(200, { name: 'double', cluster_name: 'vigil-test', version: { distribution: 'opensearch', number: '2.19.0' }, tagline: 'The OpenSearch Project: https://opensearch.org/' });
      }
      return json(200, { name: 'double', cluster_name: 'vigil-test', version: { number: `${this.#major}.0.0` }, tagline: 'You Know, for Search' });
    }
    if (parts.at(-1) === '_bulk' && parts.length <= 2 && (request.method === 'POST' || request.method === 'PUT')) {
      return this.#bulk(request, parts.length === 2 ? parts[0] : undefined);
    }
    if (this.#ism && parts[0] === '_plugins' && parts[1] === '_ism' && parts[2] === 'policies' && parts.length === 4) {
      if (request.method === 'GET') return this.#getIsmPolicy(parts[3]!);
      if (request.method === 'PUT') return this.#putIsmPolicy(parts[3]!, request);
    }
    if (parts[0] === '_index_template' && parts.length === 2) {
      if (request.method === 'GET') return this.#getTemplate(parts[1]!);
      if (request.method === 'PUT' || request.method === 'POST') return this.#putTemplate(parts[1]!, request.body);
    }
    const noHandler = `no handler found for uri [${request.path}] and method [${request.method}]`;
    return this.#openSearch ? json(400, { error: noHandler }) : esError(400, 'illegal_argument_exception', noHandler);
  }

  #checkAuth(request: RecordedRequest): DoubleReply | undefined {
    if (!this.#auth) return undefined;
    const expected = 'apiKey' in this.#auth
      ? `ApiKey ${this.#auth.apiKey}`
      : `Basic ${Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64')}`;
    if (request.headers.authorization === expected) return undefined;
    const reply = esError(401, 'security_exception', `missing authentication credentials for REST request [${request.path}]`);
    return { ...reply, headers: { ...reply.headers, 'www-authenticate': 'Basic realm="security", charset="UTF-8", ApiKey' } };
  }

  /** The server's media-type rules (RestController / ParsedMediaType in Elasticsearch 8 and 9). */
  #checkMediaTypes(request: RecordedRequest): DoubleReply | undefined {
    const accept = header(request, 'accept');
    const contentType = header(request, 'content-type');
    if (this.#openSearch) {
      for (const value of [accept, request.body.length > 0 ? contentType : undefined]) {
        const essence = (value ?? '').split(';')[0]!.trim().toLowerCase();
        if (value !== undefined && !['application/json', 'application/x-ndjson', '*/*'].includes(essence)) {
          return json(406, { error: `Content-Type header [${value}] is not supported`, status: 406 });
        }
      }
      return undefined;
    }
    const acceptVersion = compatibleWith(accept);
    const contentVersion = request.body.length > 0 ? compatibleWith(contentType) : undefined;
    const allowed = [this.#major, this.#major - 1];
    for (const [name, value, version] of [['Accept', accept, acceptVersion], ['Content-Type', contentType, contentVersion]] as const) {
      if (version !== undefined && !allowed.includes(version)) {
        return mediaTypeError(`${name} version must be either version ${allowed[0]} or ${allowed[1]}, but found ${version}. ${name}=${value}`);
      }
    }
    if (request.body.length > 0 && (acceptVersion !== undefined || contentVersion !== undefined) && acceptVersion !== contentVersion && accept !== undefined) {
      return mediaTypeError(
        'A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version ' +
          `and the compatible versions must match. Accept=${accept}, Content-Type=${contentType}`,
      );
    }
    if (request.body.length > 0) {
      const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
      const known = ['application/json', 'application/x-ndjson', 'application/vnd.elasticsearch+json', 'application/vnd.elasticsearch+x-ndjson'];
      if (!known.includes(essence)) {
        return json(406, { error: `Content-Type header [${contentType ?? ''}] is not supported`, status: 406 });
      }
    }
    return undefined;
  }

  #bulk(request: RecordedRequest, pathIndex: string | undefined): DoubleReply {
    const body = request.body;
    if (body.length === 0) return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
    if (!body.endsWith('\n')) return esError(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = body.slice(0, -1).split('\n').map((line) => line.replace(/\r$/, ''));
    const items: object[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i]!);
      } catch {
        return esError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected START_OBJECT`);
      }
      const [operation, meta = {}] = Object.entries(action)[0] ?? [];
      if (operation !== 'create' && operation !== 'index') {
        return esError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected one of [create, index], found [${operation}]`);
      }
      const source = lines[++i];
      if (source === undefined) return esError(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
      const targetName = meta._index ?? pathIndex;
      if (!targetName) return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      const item = this.#write(operation, targetName, meta._id ?? `auto-${++this.#seqNo}`, source);
      if (item.status >= 300) errors = true;
      items.push({ [operation]: item });
    }
    const reply = { errors, took: 1, items };
    const filter = request.query.get('filter_path');
    return json(200, filter ? filterPath(reply, filter.split(',')) : reply);
  }

  #write(operation: string, targetName: string, id: string, source: string): { status: number } & Record<string, unknown> {
    const target = this.#target(targetName);
    const doc: StoredDocument = { id, source, index: target.backing };
    const fault = this.#itemFaults.find((candidate) => candidate.matches(doc));
    if (fault) return itemFault(fault.status, target, id, this.#openSearch);
    if (target.dataStream && operation !== 'create') {
      return itemError(400, target, id, 'illegal_argument_exception', 'only write ops with an op_type of create are allowed in data streams');
    }
    if (operation === 'create' && target.documents.has(id)) {
      this.createConflicts.set(id, (this.createConflicts.get(id) ?? 0) + 1);
      return itemError(409, target, id, 'version_conflict_engine_exception', `[${id}]: version conflict, document already exists (current version [1])`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (error) {
      return itemError(400, target, id, this.#parsingError(), `[1:1] failed to parse: ${(error as Error).message}`);
    }
    if (target.dataStream && (parsed as Record<string, unknown> | null)?.['@timestamp'] === undefined) {
      return itemError(400, target, id, this.#parsingError(), '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing');
    }
    const mappingError = target.mapping.check(parsed, id);
    if (mappingError) return itemError(400, target, id, this.#openSearch ? 'mapper_parsing_exception' : mappingError.type, mappingError.reason);
    const existed = target.documents.has(id);
    target.documents.set(id, doc);
    this.writes.set(id, (this.writes.get(id) ?? 0) + 1);
    return {
      _index: target.backing, _id: id, _version: 1, result: existed ? 'updated' : 'created',
      _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: this.#seqNo++, _primary_term: 1,
      status: existed ? 200 : 201,
    };
  }

  /** Elasticsearch 8 renamed the document-level parse failure; OpenSearch kept the old name. */
  #parsingError(): string {
    return this.#openSearch ? 'mapper_parsing_exception' : 'document_parsing_exception';
  }

  #target(name: string): Target {
    let target = this.#targets.get(name);
    if (!target) {
      const template = this.#matchingTemplate(name);
      const dataStream = template?.data_stream !== undefined;
      const day = new Date().toISOString().slice(0, 10).replaceAll('-', '.');
      target = {
        name,
        backing: dataStream ? `.ds-${name}-${day}-000001` : name,
        dataStream,
        mapping: new IndexMapping(template?.template?.mappings?.properties),
        documents: new Map(),
      };
      this.#targets.set(name, target);
    }
    return target;
  }

  #matchingTemplate(name: string): Template | undefined {
    let best: Template | undefined;
    for (const template of this.#templates.values()) {
      const matches = (template.index_patterns ?? []).some((pattern) => globMatch(pattern, name));
      if (matches && (best === undefined || (template.priority ?? 0) > (best.priority ?? 0))) best = template;
    }
    return best;
  }

  /** GET _plugins/_ism/policies/<id> (OpenSearch ISM API): the policy with the version an update must name. */
  #getIsmPolicy(id: string): DoubleReply {
    const stored = this.#ismPolicies.get(id);
    if (!stored) return esError(404, 'status_exception', 'Policy not found');
    return json(200, { _id: id, _version: stored.seqNo + 1, _seq_no: stored.seqNo, _primary_term: stored.primaryTerm, policy: { policy_id: id, ...stored.policy } });
  }

  /**
   * PUT _plugins/_ism/policies/<id>: a new policy (201), or an update naming the stored version by
   * if_seq_no and if_primary_term (200); an update without them, or naming another, is 409.
   */
  #putIsmPolicy(id: string, request: RecordedRequest): DoubleReply {
    let body: { policy?: StoredIsmPolicy['policy'] };
    try {
      body = JSON.parse(request.body);
    } catch {
      return esError(400, 'x_content_parse_exception', 'failed to parse the policy body');
    }
    const policy = body.policy;
    const states = policy?.states ?? [];
    if (!policy || !states.length || !states.some((state) => state.name === policy.default_state) || !Array.isArray(policy.ism_template)) {
      return esError(400, 'illegal_argument_exception', 'Policy needs states, a default_state among them and an ism_template');
    }
    const stored = this.#ismPolicies.get(id);
    const seqNo = request.query.get('if_seq_no');
    const primaryTerm = request.query.get('if_primary_term');
    if (stored && (seqNo !== String(stored.seqNo) || primaryTerm !== String(stored.primaryTerm))) {
      return esError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, required seqNo [${seqNo}], primary term [${primaryTerm}]. current document has seqNo [${stored.seqNo}] and primary term [${stored.primaryTerm}]`);
    }
    if (!stored && (seqNo !== null || primaryTerm !== null)) {
      return esError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, document does not exist`);
    }
    this.#ismPolicies.set(id, { policy, seqNo: (stored?.seqNo ?? -1) + 1, primaryTerm: 1 });
    return json(stored ? 200 : 201, { _id: id, _seq_no: (stored?.seqNo ?? -1) + 1, _primary_term: 1, policy: { policy } });
  }

  #getTemplate(name: string): DoubleReply {
    const template = this.#templates.get(name);
    if (!template) return esError(404, 'resource_not_found_exception', `index template matching [${name}] not found`);
    return json(200, { index_templates: [{ name, index_template: template }] });
  }

  #putTemplate(name: string, body: string): DoubleReply {
    let template: Template;
    try {
      template = JSON.parse(body);
    } catch {
      return esError(400, 'x_content_parse_exception', 'failed to parse the template body');
    }
    if (!Array.isArray(template.index_patterns) || template.index_patterns.length === 0) {
      return esError(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
    }
    // OpenSearch 2.x has neither key (its index template API predates them): unknown fields are 400.
    const unknownKey = this.#openSearch ? ['ignore_missing_component_templates', 'lifecycle'].find((key) => key in template || key in (template.template ?? {})) : undefined;
    if (unknownKey) return esError(400, 'x_content_parse_exception', `[1:2] [index_template] unknown field [${unknownKey}]`);
    const missing = (template.composed_of ?? []).filter((component) => !this.#componentTemplates.has(component) && !template.ignore_missing_component_templates?.includes(component));
    if (missing.length) {
      return esError(400, 'invalid_index_template_exception', `index_template [${name}] invalid, cause [index template [${name}] specifies component templates [${missing.join(', ')}] that do not exist]`);
    }
    const lacking = findFieldType(template.template?.mappings?.properties, this.#lacksFieldTypes);
    if (lacking) {
      const reason = `Failed to parse mapping: The mapper type [${lacking.type}] declared on field [${lacking.field}] does not exist. It might have been created within a future version or requires a plugin to be installed. Check the documentation.`;
      return esError(400, 'illegal_argument_exception', `composable template [${name}] template after composition is invalid`, { type: 'mapper_parsing_exception', reason });
    }
    const unsupported = this.#openSearch ? openSearchUnsupported(template.template?.mappings?.properties) : undefined;
    if (unsupported) {
      return esError(400, 'illegal_argument_exception', `composable template [${name}] template after composition is invalid`, {
        type: 'mapper_parsing_exception', reason: `Failed to parse mapping [_doc]: ${unsupported}`,
      });
    }
    this.#templates.set(name, template);
    return json(200, { acknowledged: true });
  }
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function compatibleWith(value: string | undefined): number | undefined {
  const match = /compatible-with=(\d+)/i.exec(value ?? '');
  return match ? Number(match[1]) : undefined;
}

function globMatch(pattern: string, name: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(name);
}

function json(status: number, body: unknown): DoubleReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function esError(status: number, type: string, reason: string, cause?: { type: string; reason: string }): DoubleReply {
  return json(status, { error: { root_cause: [cause ?? { type, reason }], type, reason, ...(cause ? { caused_by: cause } : {}) }, status });
}

/** The first field mapped as one of `types`. */
function findFieldType(properties: unknown, types: Set<string>): { field: string; type: string } | undefined {
  if (types.size === 0 || properties === null || typeof properties !== 'object') return undefined;
  for (const [field, mapping] of Object.entries(properties as Record<string, { type?: string; properties?: unknown }>)) {
    if (mapping.type && types.has(mapping.type)) return { field, type: mapping.type };
    const inner = findFieldType(mapping.properties, types);
    if (inner) return inner;
  }
  return undefined;
}

/** The first mapping an OpenSearch 2.x node refuses at template creation, in its words. */
function openSearchUnsupported(properties: unknown): string | undefined {
  if (properties === null || typeof properties !== 'object') return undefined;
  for (const [field, mapping] of Object.entries(properties as Record<string, { type?: string; value?: unknown; properties?: unknown }>)) {
    if (mapping.type === 'flattened') return `No handler for type [flattened] declared on field [${field}]`;
    if (mapping.type === 'constant_keyword' && mapping.value === undefined) return `Field [${field}] is missing required parameter [value]`;
    const inner = openSearchUnsupported(mapping.properties);
    if (inner) return inner;
  }
  return undefined;
}

function mediaTypeError(cause: string): DoubleReply {
  const reason = 'Invalid media-type value on headers [Accept, Content-Type]';
  return json(400, {
    error: { root_cause: [{ type: 'media_type_header_exception', reason }], type: 'media_type_header_exception', reason,
      caused_by: { type: 'status_exception', reason: cause } },
    status: 400,
  });
}

function itemError(status: number, target: Target, id: string, type: string, reason: string) {
  return { _index: target.backing, _id: id, status, error: { type, reason, index: target.backing } };
}

function itemFault(status: ItemFaultStatus, target: Target, id: string, openSearch: boolean) {
  if (status === 429) {
    return itemError(429, target, id, openSearch ? 'rejected_execution_exception' : 'es_rejected_execution_exception', 'rejected execution of coordinating operation');
  }
  if (status === 503) {
    return itemError(503, target, id, 'unavailable_shards_exception', `[${target.backing}][0] primary shard is not active`);
  }
  return itemError(400, target, id, openSearch ? 'mapper_parsing_exception' : 'document_parsing_exception',
    `[1:42] failed to parse field [event.severity] of type [long] in document with id '${id}'. Preview of field's value: 'high'`);
}

/**
 * Elasticsearch's `filter_path` (common options of every REST API): keeps only the listed dotted
 * paths, `*` matching any one key; an object left empty disappears, as the server drops it.
 */
export function filterPath(value: unknown, paths: readonly string[]): unknown {
  const keep = (node: unknown, patterns: string[][]): unknown => {
    if (patterns.some((p) => p.length === 0)) return node;
    if (Array.isArray(node)) {
      const kept = node.map((item) => keep(item, patterns)).filter((item) => item !== undefined);
      return kept.length ? kept : undefined;
    }
    if (node === null || typeof node !== 'object') return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      const rest = patterns.filter((p) => p[0] === '*' || p[0] === key).map((p) => p.slice(1));
      if (!rest.length) continue;
      const kept = keep(child, rest);
      if (kept !== undefined) out[key] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return keep(value, paths.map((path) => path.split('.'))) ?? {};
}

/**
 * The bulk sinks' layout, checked on what a double stored: each event once, in its dataset's data
 * stream of `namespace`, its document the event as it came with data_stream put first.
 */
export function assertOneDataStreamPerDataset(double: ElasticsearchDouble, events: Array<{ id: string; dataset: string; json: string }>, namespace = 'default'): void {
  const stored = new Map(double.inNamespace(namespace).map((doc) => [doc.id, doc]));
  assert.equal(stored.size, events.length);
  for (const event of events) {
    const doc = stored.get(event.id)!;
    const dataStream = `{"type":"logs","dataset":"${event.dataset}","namespace":"${namespace}"}`;
    assert.equal(doc.source, `{"data_stream":${dataStream},${event.json.slice(1)}`);
    assert.ok(doc.index.startsWith(`.ds-logs-${event.dataset}-${namespace}-`), doc.index);
  }
  assert.ok(new Set(events.map((event) => event.dataset)).size > 1, 'the events span several datasets');
}
