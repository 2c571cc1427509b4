import type { Format } from '../kit/format.ts';
import { fail, guarded, ok, type ParseResult } from '../kit/result.ts';
import { isObject, text } from '../kit/json-read.ts';
import { tryParseLossless } from '../kit/json-lossless.ts';
import { fromAlert } from './alert.ts';
import { partialFromTextOutput } from './text-output.ts';

/** Falco alerts: http_output JSON (one alert per POST) and Falcosidekick's webhook payload. */
export const falco: Format = {
  name: 'falco',
  datasets: ['falco.alerts'],
  openObjects: ['falco.output_fields'],
  parse: (body) => guarded('falco parser crashed', () => parseFalco(body)),
  // Falco JSON inside a syslog MSG (json_output with syslog_output or a relay).
  claims: (msg) => msg.trimStart().startsWith('{') && msg.includes('"rule"') && msg.includes('"priority"') && msg.includes('"output_fields"'),
};

function parseFalco(body: string): ParseResult {
  const parsed = tryParseLossless(body);
  if (!parsed.ok) {
    const textAlert = partialFromTextOutput(body);
    return textAlert
      ? fail('falco body is not JSON but a text alert: set json_output: true in falco.yaml', textAlert)
      : fail(`falco body is not JSON: ${parsed.reason}`);
  }
  if (!isObject(parsed.value)) return fail('falco body is not a JSON object');
  if (text(parsed.value.rule) === undefined) return fail('falco alert has no "rule"');
  return ok(fromAlert(parsed.value));
}
