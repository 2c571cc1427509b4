import type { Json } from '../kit/ecs.ts';
import { isObject } from '../kit/json-read.ts';

export type Items = { ok: true; items: Json[]; batch: boolean } | { ok: false; reason: string };

/**
 * An audit webhook body → its Events. The API server posts an `EventList`; a single `Event` and a bare
 * array are accepted too, as Falco's k8saudit plugin does. `batch` says whether the body held a list
 * (each event then keeps its own item as event.original).
 */
export function auditItems(body: Json): Items {
  if (Array.isArray(body)) return { ok: true, items: body, batch: true };
  if (isObject(body)) {
    if (Array.isArray(body.items)) return { ok: true, items: body.items, batch: true };
    // A nil Go slice marshals as `"items": null`: a list with nothing in it.
    if (body.kind === 'EventList' && (body.items === null || body.items === undefined)) return { ok: true, items: [], batch: true };
    if (typeof body.auditID === 'string' || body.kind === 'Event') return { ok: true, items: [body], batch: false };
  }
  return { ok: false, reason: 'k8s-audit body is not an EventList, an Event or an array of Events' };
}
