import { indexTemplate, mapMappings, type IndexTemplate } from './template.ts';

/**
 * The Elasticsearch index template in OpenSearch's dialect, so both keep one list of mappings.
 * OpenSearch 2.x refuses two of its types at template creation:
 * - `flattened` is `flat_object` there (same purpose: arbitrary JSON under one field), which takes
 *   no `ignore_above`;
 * - `constant_keyword` needs its one `value` in the mapping, but the pattern covers every
 *   namespace's data stream: plain `keyword` instead.
 * `match_only_text`, `wildcard` and `date_nanos` exist in OpenSearch since 2.12/2.15 and stay.
 */
export function openSearchTemplate(patterns: string[]): IndexTemplate {
  return mapMappings(indexTemplate(patterns), (mapping) => {
    if (mapping.type === 'flattened') return { type: 'flat_object' };
    if (mapping.type === 'constant_keyword') return { ...mapping, type: 'keyword' };
    return undefined;
  });
}
