import type { Format, ParseContext } from '../kit/format.ts';
import { fail, guarded, ok } from '../kit/result.ts';
import type { ParseResult } from '../kit/result.ts';
import { cefEvent } from './event.ts';
import { readExtension } from './extension.ts';
import { HEADER_FIELDS, readHeader } from './header.ts';

/**
 * ArcSight CEF, bare or as the MSG of a syslog message:
 * `CEF:Version|Vendor|Product|Version|Event Class ID|Name|Severity|key=value ...`.
 * Spec: Micro Focus ArcSight "CEF Implementation Standard",
 * https://www.microfocus.com/documentation/arcsight/arcsight-smartconnectors-8.3/cef-implementation-standard/
 */
export const cef: Format = {
  name: 'cef',
  datasets: ['cef.log'],
  parse: (text, ctx) => guarded('cef', () => parseCef(text, ctx)),
  claims: (msg) => msg.startsWith('CEF:', firstNonSpace(msg)),
};

const PREFIX = 'CEF:';

function parseCef(text: string, ctx: ParseContext): ParseResult {
  // Leading spaces are tolerated; text before `CEF:` (a prefix we do not know) is skipped.
  let start = firstNonSpace(text);
  if (!text.startsWith(PREFIX, start)) start = text.indexOf(PREFIX);
  if (start === -1) return fail('cef: no "CEF:" prefix');
  const header = readHeader(text, start + PREFIX.length);
  if (typeof header === 'number') return fail(`cef: header has ${header} of ${HEADER_FIELDS} fields`);
  return ok(cefEvent(header.fields, readExtension(text, header.extensionStart), ctx.receivedAt));
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}
