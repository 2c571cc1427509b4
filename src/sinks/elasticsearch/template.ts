import { typedFullNames, type CefType } from '../../../parsers/cef/dictionary.ts';
import { formats } from '../../../parsers/index.ts';
import { unexpected } from '../kit/outcome.ts';

/**
 * The composable index template vigil installs at start: a data stream with ECS mappings for the
 * fields vigil fills. Bump TEMPLATE_VERSION whenever the body changes; start() upgrades an older
 * template and leaves a newer one alone (a newer vigil may run beside this one during a rollout).
 */

export const TEMPLATE_VERSION = 4;

export type Mapping = Record<string, unknown>;

const keyword: Mapping = { type: 'keyword', ignore_above: 1024 };
const long: Mapping = { type: 'long' };
const float: Mapping = { type: 'float' };
const date: Mapping = { type: 'date' };
const ip: Mapping = { type: 'ip' };
const text: Mapping = { type: 'match_only_text' };
const wildcard: Mapping = { type: 'wildcard' };
/**
 * Arbitrary JSON: keys with dots that clash as object paths (Falco's `evt.time` next to
 * `evt.time.iso8601`), unbounded key sets (labels, annotations, request bodies) would fail
 * documents or explode the mapping; `flattened` indexes all leaves as keywords under one field.
 */
const flattened: Mapping = { type: 'flattened', ignore_above: 1024 };

function object(properties: Record<string, Mapping>): Mapping {
  return { properties };
}

function keywords(...names: string[]): Record<string, Mapping> {
  return Object.fromEntries(names.map((name) => [name, keyword]));
}

const endpoint = object({ ip, port: long, address: keyword, domain: keyword, user: object(keywords('name', 'id')) });

const double: Mapping = { type: 'double' };
const CEF_MAPPINGS: Record<Exclude<CefType, 'string' | 'mac'>, Mapping> = { integer: long, long, double, ip, timestamp: date };

/**
 * cef.extensions keys the CEF dictionary types as numbers, addresses or times, by their full
 * names (parsers/cef/dictionary.ts): mapped so that range queries, CIDR searches and date math
 * work on them as on Elastic's CEF integration. Other keys are keywords (dynamic template).
 */
const cefExtensions = object(Object.fromEntries(typedFullNames().map(([name, type]) => [name, CEF_MAPPINGS[type]])));

const processFields = {
  ...keywords('name', 'executable', 'args'),
  command_line: wildcard,
  pid: long,
};

const properties: Record<string, Mapping> = {
  '@timestamp': { type: 'date_nanos' },
  message: text,
  tags: keyword,
  labels: { type: 'object', dynamic: true },
  ecs: object(keywords('version')),
  data_stream: object({
    type: { type: 'constant_keyword' },
    dataset: { type: 'constant_keyword' },
    namespace: { type: 'constant_keyword' },
  }),
  event: object({
    ...keywords('id', 'code', 'kind', 'category', 'type', 'action', 'outcome', 'module', 'dataset', 'provider', 'reason', 'reference'),
    /** Kept byte-exact for forensics, never searched: no index, no doc values. */
    original: { type: 'keyword', index: false, doc_values: false },
    severity: long,
    risk_score: float,
    created: date,
    ingested: date,
    start: date,
    end: date,
  }),
  log: object({
    level: keyword,
    source: object(keywords('address')),
    syslog: object({
      priority: long,
      facility: object({ code: long, name: keyword }),
      severity: object({ code: long, name: keyword }),
      ...keywords('hostname', 'appname', 'procid', 'msgid', 'version'),
    }),
  }),
  error: object({ message: text, type: keyword }),
  input: object(keywords('type')),
  observer: object(keywords('vendor', 'product', 'hostname', 'type', 'version')),
  host: object({ ...keywords('hostname', 'name', 'id'), ip }),
  orchestrator: object({
    ...keywords('type', 'namespace', 'api_version'),
    cluster: object(keywords('name')),
    resource: object({ ...keywords('name', 'type'), parent: object(keywords('type')) }),
  }),
  container: object({ ...keywords('id', 'name'), image: object({ ...keywords('name', 'tag'), hash: object(keywords('all')) }) }),
  process: object({
    ...processFields,
    parent: object(processFields),
    user: object(keywords('id', 'name')),
  }),
  file: object(keywords('path', 'name')),
  source: endpoint,
  destination: endpoint,
  network: object(keywords('transport', 'protocol', 'direction', 'iana_number')),
  rule: object(keywords('id', 'name', 'description', 'category', 'ruleset')),
  user: object(keywords('id', 'name', 'domain', 'roles', 'email')),
  user_agent: object(keywords('original')),
  url: object({ original: wildcard, path: wildcard }),
  http: object({ request: object(keywords('method')), response: object({ status_code: long }) }),
  vulnerability: object({
    ...keywords('id', 'severity', 'description', 'reference', 'category'),
    score: object({ base: float, version: keyword }),
    scanner: object(keywords('vendor')),
  }),
  threat: object({
    framework: keyword,
    tactic: object(keywords('id', 'name', 'reference')),
    technique: object({ ...keywords('id', 'name', 'reference'), subtechnique: object(keywords('id', 'name')) }),
  }),
  related: object({ ip, ...keywords('user', 'hosts', 'hash') }),
  /** The workload key (parsers/kit/workload.ts): one term finds what every source saw of a workload. */
  vigil: object({ workload: object(keywords('key')) }),
  cef: object({ extensions: cefExtensions }),
};

/** The objects formats declare open-ended (parsers/kit/format.ts openObjects): each one flattened field. */
for (const format of formats.values()) {
  for (const path of format.openObjects ?? []) {
    const keys = path.split('.');
    let into = properties;
    for (const key of keys.slice(0, -1)) into = ((into[key] ??= object({})).properties as Record<string, Mapping>);
    into[keys[keys.length - 1]] = flattened;
  }
}

export interface IndexTemplate {
  index_patterns: string[];
  data_stream: Record<string, never>;
  /** Component templates under vigil's own body, which wins where both set something. */
  composed_of?: string[];
  /** Components a cluster may lack (Elasticsearch 8.7 or later); the template then stands on vigil's body alone. */
  ignore_missing_component_templates?: string[];
  /**
   * Above the built-in logs-*-* template (100) and Elastic's integrations (200, which the server
   * refuses to share with an overlapping template: `logs-falco.alerts-*` is both theirs and ours),
   * so ours wins for vigil's data streams.
   */
  priority: number;
  version: number;
  /** `vigil_retention_days`: the setting the template was made with, so a changed one reinstalls it. */
  _meta: { managed_by: 'vigil'; vigil_template_version: number; vigil_retention_days?: number };
  template: { settings: Record<string, unknown>; mappings: Record<string, unknown>; lifecycle?: { data_retention: string } };
}

export function indexTemplate(patterns: string[]): IndexTemplate {
  return {
    index_patterns: patterns,
    data_stream: {},
    priority: 250,
    version: TEMPLATE_VERSION,
    _meta: { managed_by: 'vigil', vigil_template_version: TEMPLATE_VERSION },
    template: {
      settings: {
        // Module namespaces (neuvector.*, kubernetes.audit.*) add fields; 1000 is tight for them.
        'index.mapping.total_fields.limit': 2000,
      },
      mappings: {
        // Strings vigil does not map explicitly are identifiers more often than prose: keyword.
        dynamic_templates: [
          { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
        ],
        properties,
      },
    },
  };
}

/**
 * The stack's own component templates, which Elasticsearch installs at start: `logs@settings`
 * (the `logs` lifecycle policy, best_compression, ignore_malformed, the logs default pipeline) and
 * `ecs@mappings` (dynamic templates for every ECS field vigil does not map itself). Built on them,
 * vigil's data streams behave like those of Elastic's own integrations; a cluster without them
 * (one without the stack's templates, as the test node) gets vigil's body alone.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html
 */
export const STACK_COMPONENTS = ['logs@settings', 'ecs@mappings'];

/**
 * vigil's template for Elasticsearch: built on the stack's components where the cluster has them,
 * and with `retentionDays` a data stream lifecycle that deletes older data
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/data-stream-lifecycle.html).
 * `logs@settings` names the `logs` ILM policy, which has no delete phase and would govern instead
 * (ILM wins by default): `index.lifecycle.prefer_ilm: false` hands the data stream to the lifecycle.
 */
export function elasticsearchTemplate(patterns: string[], retentionDays?: number): IndexTemplate {
  const own = indexTemplate(patterns);
  const template = { ...own, composed_of: STACK_COMPONENTS, ignore_missing_component_templates: STACK_COMPONENTS };
  if (retentionDays === undefined) return template;
  return {
    ...template,
    _meta: { ...own._meta, vigil_retention_days: retentionDays },
    template: {
      ...own.template,
      settings: { ...own.template.settings, 'index.lifecycle.prefer_ilm': false },
      lifecycle: { data_retention: `${retentionDays}d` },
    },
  };
}

/**
 * Field types from Elasticsearch modules or plugins, and the core type that takes the same values
 * where a cluster lacks them (an embedded node without modules; an older OpenSearch): the values
 * are indexed alike, only less cheaply for leading-wildcard queries (`wildcard`) or with positions
 * stored (`match_only_text`); `constant_keyword` only saves space.
 */
export const FALLBACK_TYPES: Readonly<Record<string, string>> = { wildcard: 'keyword', match_only_text: 'text', constant_keyword: 'keyword' };

/**
 * The field type a refused template names as unknown, from the error's text: Elasticsearch says
 * "The mapper type [wildcard] declared on field [x] does not exist", OpenSearch "No handler for
 * type [wildcard] declared on field [x]".
 */
export function unknownFieldType(errorText: string): string | undefined {
  return /(?:mapper type|No handler for type) \[([\w-]+)\] declared on field/.exec(errorText)?.[1];
}

/** Every mapping in the template passed through `replace` (undefined keeps it as it is). */
export function mapMappings(template: IndexTemplate, replace: (mapping: Mapping) => Mapping | undefined): IndexTemplate {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const mapping = value as Mapping;
    const replaced = typeof mapping.type === 'string' ? replace(mapping) : undefined;
    if (replaced) return replaced;
    return Object.fromEntries(Object.entries(mapping).map(([key, inner]) => [key, walk(inner)]));
  };
  return { ...template, template: { ...template.template, mappings: walk(template.template.mappings) as Record<string, unknown> } };
}

/** The template with each of `types` mapped as its FALLBACK_TYPES type. */
export function withoutFieldTypes(template: IndexTemplate, types: ReadonlySet<string>): IndexTemplate {
  if (types.size === 0) return template;
  return mapMappings(template, (mapping) => (types.has(mapping.type as string) ? { type: FALLBACK_TYPES[mapping.type as string] } : undefined));
}

/** The version an installed template says it has, 0 when it is not vigil's. */
export function installedVersion(template: { version?: number; _meta?: Record<string, unknown> } | undefined): number {
  const version = template?._meta?.vigil_template_version;
  return typeof version === 'number' ? version : 0;
}

/**
 * Whether the installed template is the one vigil would install now: the same version made with
 * the same settings (retention). A newer version (a newer vigil in a rollout) also counts.
 */
export function isCurrent(installed: InstalledTemplate | undefined, wanted: IndexTemplate): boolean {
  const version = installedVersion(installed);
  if (version !== TEMPLATE_VERSION) return version > TEMPLATE_VERSION;
  return installed?._meta?.vigil_retention_days === wanted._meta.vigil_retention_days;
}

/** What GET /_index_template/<name> answers: `{"index_templates":[{"name":…,"index_template":{…}}]}`. */
export interface InstalledTemplate {
  version?: number;
  _meta?: Record<string, unknown>;
}

/**
 * The template called `name` in a GET /_index_template/<name> answer, or undefined when the
 * answer lists it not. Throws, saying what came, when the answer is not of that shape (a proxy or
 * another product at the URL): reading on would fail far from the cause.
 */
export function templateNamed(answer: unknown, name: string): InstalledTemplate | undefined {
  const list = (answer as { index_templates?: unknown } | null | undefined)?.index_templates;
  const valid = Array.isArray(list) && list.every((entry: unknown) =>
    entry !== null && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string'
    && (entry as { index_template?: unknown }).index_template !== null && typeof (entry as { index_template?: unknown }).index_template === 'object');
  if (!valid) {
    throw new Error(`GET /_index_template/${name}: ${unexpected('{"index_templates":[{"name":…,"index_template":{…}}]}', answer)}`);
  }
  return (list as Array<{ name: string; index_template: InstalledTemplate }>).find((entry) => entry.name === name)?.index_template;
}

/** Throws, saying what came, unless a PUT /_index_template/<name> answer is `{"acknowledged":true}`. */
export function expectAcknowledged(answer: unknown, name: string): void {
  if ((answer as { acknowledged?: unknown } | null | undefined)?.acknowledged !== true) {
    throw new Error(`PUT /_index_template/${name}: ${unexpected('{"acknowledged":true}', answer)}`);
  }
}
