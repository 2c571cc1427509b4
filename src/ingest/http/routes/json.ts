import { requireJsonType, requireWellFormedJson, type WebhookRoute } from '../webhook-route.ts';

/** Any JSON document from a sender that can read a 400: malformed JSON is refused with a reason. */
export const jsonRoute: WebhookRoute = {
  kind: 'json',
  format: 'json',
  check(body, mediaType) {
    return requireJsonType(mediaType) ?? requireWellFormedJson(body);
  },
};
