/**
 * Retention on OpenSearch: an Index State Management policy (OpenSearch has no data stream
 * lifecycle), https://opensearch.org/docs/latest/im-plugin/ism/policies/. New backing indices of
 * the data streams matching the template's patterns take it through `ism_template`: each rolls over
 * after a day (so no index outlives retention by much), and is deleted once `days` old.
 */

export interface IsmPolicy {
  policy: {
    description: string;
    default_state: string;
    states: Array<{ name: string; actions: unknown[]; transitions: unknown[] }>;
    ism_template: Array<{ index_patterns: string[]; priority: number }>;
  };
}

export function ismPolicy(patterns: string[], days: number): IsmPolicy {
  return {
    policy: {
      // Also what tells an installed policy made with another retention: compared at start.
      description: `vigil: ${patterns.join(', ')} rolled over daily, deleted after ${days} days`,
      default_state: 'hot',
      states: [
        {
          name: 'hot',
          actions: [{ rollover: { min_index_age: '1d' } }],
          transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: patterns, priority: 100 }],
    },
  };
}

/** What GET _plugins/_ism/policies/<id> answers, as far as start() reads it. */
export interface InstalledIsmPolicy {
  _seq_no?: number;
  _primary_term?: number;
  policy?: { description?: string };
}
