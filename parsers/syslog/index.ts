import type { Format, ParseContext, SyslogHeader } from '../kit/format.ts';
import { fail, guarded, ok, tooManyItems } from '../kit/result.ts';
import type { ParseResult } from '../kit/result.ts';
import type { Envelope } from './envelope.ts';
import { headerEvent } from './header-event.ts';
import { withHeader } from './merge.ts';
import { priorityEnd, priorityValue } from './priority.ts';
import { parseRfc3164 } from './rfc3164.ts';
import { parseRfc5424 } from './rfc5424.ts';

/**
 * A syslog message is one event. RFC 5424 §6 makes SYSLOG-MSG one message, and every sender vigil
 * serves writes one record per message: NeuVector one JSON document or kv line, Falco one alert,
 * CEF appliances one CEF line. A body that would split (JSON lines inside one message) is
 * forwarded once, unsplit, tagged too_many_items: so one message cannot multiply into thousands of
 * events, and the per-source rate limit, which counts messages, counts events.
 */
const EVENTS_PER_MESSAGE = 1;

/**
 * The syslog envelope: one message after framing → its header under log.syslog.*, and its MSG parsed
 * by the first of `bodies` that claims it (NeuVector, CEF, ...). Never a failure for an unknown
 * header: text that is no syslog form at all is kept as a user.notice message received now.
 */
export function syslog(bodies: Format[]): Format {
  const claimants = bodies.filter((body) => body.claims !== undefined);
  return {
    name: 'syslog',
    datasets: ['syslog.log'],
    openObjects: ['log.syslog.structured_data'],
    parse: (text, ctx) => guarded('syslog', () => parseMessage(text, ctx, claimants)),
  };
}

function parseMessage(input: string, ctx: ParseContext, bodies: Format[]): ParseResult {
  const text = withoutTrailer(input);
  const envelope = readEnvelope(text, ctx.receivedAt);
  const header = headerEvent(envelope, ctx.receivedAt);
  const msg = envelope.msg;
  if (msg === undefined || msg === '') return ok(header);

  const hints: SyslogHeader = {};
  if (envelope.appname !== undefined) hints.appname = envelope.appname;
  if (envelope.msgid !== undefined) hints.msgid = envelope.msgid;
  if (envelope.hostname !== undefined) hints.hostname = envelope.hostname;
  const body = bodies.find((format) => format.claims!(msg, hints));
  if (body === undefined) return ok(header);

  // MSG is the rest of the message in every syslog form, so it starts where the text minus it ends.
  const bodyCtx: ParseContext = { ...ctx, maxEvents: EVENTS_PER_MESSAGE };
  const parsed = body.parseFrom ? body.parseFrom(text, text.length - msg.length, bodyCtx) : body.parse(msg, bodyCtx);
  // Also for a body format that splits without looking at maxEvents.
  const result = parsed.ok && parsed.events.length > EVENTS_PER_MESSAGE ? tooManyItems(parsed.events.length, EVENTS_PER_MESSAGE) : parsed;
  if (!result.ok) return fail(result.reason, result.partial ? withHeader(header, result.partial) : header);
  // Exactly one: a body that made no event still leaves the message's own.
  const [event] = result.events;
  return ok(event === undefined ? header : withHeader(header, event));
}

/**
 * Detection order: optional <PRI> (RFC 5424 §6.2.1, RFC 3164 §4.1.1); VERSION SP and an RFC 3339
 * date or `-` → RFC 5424 (§6); an RFC 3339 date → "ISO BSD"; `Mmm d` → RFC 3164; anything else →
 * the whole text as MSG.
 */
function readEnvelope(text: string, receivedAt: number): Envelope {
  const pos = priorityEnd(text);
  const priority = priorityValue(text, pos);
  return parseRfc5424(text, pos, priority)
    ?? parseRfc3164(text, pos, priority, receivedAt)
    ?? { priority, msg: text.slice(pos) };
}

/** Drops a trailing LF, CR or NUL run: a transport artefact (UDP senders append them), not MSG. */
function withoutTrailer(text: string): string {
  let end = text.length;
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}
