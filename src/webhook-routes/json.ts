import { requireJsonDocuments, requireJsonOrNdjsonType, type WebhookRoute } from './webhook-route.ts';

/** JSON objects (one, an array, or NDJSON) from a sender that can read a 400: malformed JSON is refused with a reason. */
export const jsonRoute: WebhookRoute = {
  kind: 'json',
  format: 'json',
  check(body, mediaType, maxItems) {
    return requireJsonOrNdjsonType(mediaType) ?? requireJsonDocuments(body, maxItems);
  },
};
