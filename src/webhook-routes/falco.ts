import { ONE_ITEM, requireJsonType, type WebhookRoute } from './webhook-route.ts';

/**
 * Falco http_output (json_output: true) and Falcosidekick's webhook output. Falco ignores the
 * status code, so a 400 would be a silent loss: malformed JSON is accepted and the parser tags it.
 * A text/plain body means json_output is off: refused (415) so the misconfiguration shows.
 */
export const falcoRoute: WebhookRoute = {
  kind: 'falco',
  format: 'falco',
  check(_body, mediaType) {
    return requireJsonType(mediaType) ?? ONE_ITEM;
  },
};
