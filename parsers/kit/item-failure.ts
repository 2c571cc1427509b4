import type { EcsEvent } from './ecs.ts';

/**
 * One bad item inside a batch (an NDJSON line, an EventList item that is not an object) becomes its
 * own tagged event, so the good items of the same body still go out as parsed events.
 */
export function failedItem(reason: string, original: string, base: EcsEvent = {}): EcsEvent {
  return {
    ...base,
    message: original,
    tags: [...(base.tags ?? []), 'parse_failure'],
    error: { message: reason, type: 'parse_failure' },
    event: { ...base.event, original },
  };
}
