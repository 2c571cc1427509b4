import { LEVELS } from '../../parsers/kit/severity.ts';
import type { FilterConfig } from '../config/sink-filter.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';

export { filterSchema, type FilterConfig } from '../config/sink-filter.ts';

/**
 * Per-sink filters: which events a sink is given. Pure: event in, keep or the reason it is not
 * for this sink. Evaluated where events are made (the process stage), so an event no sink wants
 * is never queued for it and a filtered sink costs no second copy of a batch: its job carries the
 * indices of its events in the one batch every sink shares (SinkSelections below).
 */

/** Why a sink was not given an event: the first rule it failed, in this order. */
export const FILTER_REASONS = ['severity', 'dataset', 'cluster', 'namespace'] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

/** A compiled filter: undefined keeps the event, else why not. */
export type EventFilter = (event: SinkEvent) => FilterReason | undefined;

/** The names of the sinks whose filters give them an event, in their configured order (for tap and the status page). */
export function sinksOfEvent(sinks: ReadonlyArray<{ name: string; filter?: FilterConfig }>): (event: SinkEvent) => string[] {
  const compiled = sinks.map(({ name, filter }) => ({ name, keep: filter && compileFilter(filter) }));
  return (event) => compiled.filter(({ keep }) => !keep || keep(event) === undefined).map(({ name }) => name);
}

/** Severity rank of a log.level name: emergency 0 … debug 7 (RFC 5424 §6.2.1); unknown levels rank as info. */
const RANK = new Map<string, number>(LEVELS.map((level, i) => [level, i]));
const INFO = RANK.get('info')!;

/** The filter of a config, or undefined when it lets every event through (nothing to evaluate). */
export function compileFilter(config: FilterConfig): EventFilter | undefined {
  const maxRank = config.min_severity === undefined ? undefined : RANK.get(config.min_severity)!;
  const dataset = matcher(config.datasets);
  const cluster = matcher(config.clusters);
  const namespace = matcher(config.namespaces);
  if (maxRank === undefined && !dataset && !cluster && !namespace) return undefined;
  return (event) => {
    if (maxRank !== undefined && (RANK.get(event.level) ?? INFO) > maxRank) return 'severity';
    if (dataset && !dataset(event.dataset)) return 'dataset';
    if (cluster && !cluster(event.cluster)) return 'cluster';
    if (namespace && !namespace(event.namespace)) return 'namespace';
    return undefined;
  };
}

/**
 * include/exclude lists as one test, or undefined when both are empty. A value the event lacks
 * (no cluster) matches no include list and no exclude list.
 */
function matcher(lists: { include: string[]; exclude: string[] }): ((value: string | undefined) => boolean) | undefined {
  if (!lists.include.length && !lists.exclude.length) return undefined;
  const include = lists.include.length ? globs(lists.include) : undefined;
  const exclude = lists.exclude.length ? globs(lists.exclude) : undefined;
  return (value) => {
    if (include && (value === undefined || !include.test(value))) return false;
    return !(exclude && value !== undefined && exclude.test(value));
  };
}

/** One regular expression for a list of names with `*` wildcards. */
function globs(patterns: string[]): RegExp {
  const alternatives = patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/** What the filters made of one batch: see SinkSelections.result(). */
export interface Selections {
  /**
   * Per filtered sink, the indices (ascending) of the batch's events it gets; absent for a sink
   * that gets every event. An empty list: the sink gets none, and no job.
   */
  selections?: Record<string, number[]>;
  /** Per sink, events left out by reason. */
  filtered?: Record<string, Partial<Record<FilterReason, number>>>;
}

/** Collects, event by event in batch order, which sinks get which events. */
export class SinkSelections {
  readonly #filters: ReadonlyArray<[string, EventFilter]>;
  readonly #kept: Record<string, number[]> = {};
  readonly #filtered: Record<string, Partial<Record<FilterReason, number>>> = {};
  #count = 0;

  constructor(filters: ReadonlyArray<[string, EventFilter]>) {
    this.#filters = filters;
    for (const [sink] of filters) this.#kept[sink] = [];
  }

  /** The next event of the batch (index = how many were added before it). */
  add(event: SinkEvent): void {
    const index = this.#count++;
    for (const [sink, filter] of this.#filters) {
      const reason = filter(event);
      if (reason === undefined) this.#kept[sink]!.push(index);
      else {
        const counts = (this.#filtered[sink] ??= {});
        counts[reason] = (counts[reason] ?? 0) + 1;
      }
    }
  }

  result(): Selections {
    const selections: Record<string, number[]> = {};
    for (const [sink] of this.#filters) if (this.#kept[sink]!.length < this.#count) selections[sink] = this.#kept[sink]!;
    const out: Selections = {};
    if (Object.keys(selections).length) out.selections = selections;
    if (Object.keys(this.#filtered).length) out.filtered = this.#filtered;
    return out;
  }
}

/** The filters of every sink that has one, compiled, for SinkSelections. */
export function compileFilters(configs: Record<string, FilterConfig>): Array<[string, EventFilter]> {
  const compiled: Array<[string, EventFilter]> = [];
  for (const [sink, config] of Object.entries(configs)) {
    const filter = compileFilter(config);
    if (filter) compiled.push([sink, filter]);
  }
  return compiled;
}

/**
 * Selections after some events of the batch were removed (redeliveries): `kept` lists, ascending,
 * the old indices of the events that remain, which are renumbered from 0.
 */
export function remapSelections(selections: Record<string, number[]> | undefined, kept: number[]): Record<string, number[]> | undefined {
  if (!selections) return undefined;
  const newIndex = new Map(kept.map((old, i) => [old, i]));
  const out: Record<string, number[]> = {};
  for (const [sink, indices] of Object.entries(selections)) {
    const remaining = indices.flatMap((old) => (newIndex.has(old) ? [newIndex.get(old)!] : []));
    if (remaining.length < kept.length) out[sink] = remaining;
  }
  return Object.keys(out).length ? out : undefined;
}
