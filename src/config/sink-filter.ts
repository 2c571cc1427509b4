import { z } from 'zod';
import { LEVELS } from '../../parsers/kit/severity.ts';

/** sinks.<name>.filter: which events a sink is given (applied by src/pipeline/sink-filter.ts). */

const names = (what: string) => z.array(z.string().min(1)).default([]).describe(what);

const includeExclude = (what: string, example: string) => z
  .strictObject({
    include: names(`only events whose ${what} is one of these (* matches any run of characters, e.g. ${example}); empty: every ${what}`),
    exclude: names(`never events whose ${what} is one of these (* as above), even when included`),
  })
  .prefault({});

export const filterSchema = z
  .strictObject({
    min_severity: z.enum(LEVELS).optional()
      .describe('only events at this log.level or more severe (emergency > alert > critical > error > warning > notice > info > debug); unset: all'),
    datasets: includeExclude('event.dataset', 'neuvector.*'),
    clusters: includeExclude('orchestrator.cluster.name', 'prod-*'),
    namespaces: includeExclude('orchestrator.namespace', 'kube-*'),
  })
  .prefault({})
  .describe('which events this sink gets; an event left out is counted in vigil_events_filtered_total{sink,reason}, never queued for it');

export type FilterConfig = z.output<typeof filterSchema>;
