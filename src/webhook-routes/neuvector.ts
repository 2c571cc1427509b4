import { isJsonMediaType } from './content-type.ts';
import { ONE_ITEM, type WebhookRoute } from './webhook-route.ts';

/**
 * NeuVector webhooks (key=value, JSON, Slack, Teams bodies). Content-Type is text/plain or
 * application/json, or missing (5.3.0–5.3.2 send none; up to 5.2 send application/json even for
 * key=value). Its JSON can be invalid (unescaped cluster name), and it never retries a 4xx, so an
 * unreadable body is accepted and left to the parser to repair or tag: a 400 would lose the event.
 */
export const neuvectorRoute: WebhookRoute = {
  kind: 'neuvector',
  format: 'neuvector',
  // NeuVector retries only on 500 (three attempts), and drops the event on any other status.
  unavailableStatus: 500,
  check(_body, mediaType) {
    if (mediaType === undefined || mediaType === 'text/plain' || isJsonMediaType(mediaType)) return ONE_ITEM;
    return { status: 415, error: `Expected Content-Type text/plain or application/json, got ${mediaType}` };
  },
};
