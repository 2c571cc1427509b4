const MAX_REASON = 160;

/**
 * Why a body is not well-formed JSON, as one short line for a 400 reply; undefined when it is.
 * The parse result is thrown away: nothing is parsed at ingest, the parser does that later.
 */
export function malformedJsonReason(body: string): string | undefined {
  try {
    JSON.parse(body);
    return undefined;
  } catch (error) {
    const detail = (error as Error).message.replace(/\s+/g, ' ').trim();
    const reason = `Malformed JSON: ${detail}`;
    return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
  }
}
