import { fromName } from '../kit/severity.ts';
import type { Severity } from '../kit/severity.ts';

// CEF Severity (ArcSight CEF Implementation Standard): 0-3 Low, 4-6 Medium, 7-8 High, 9-10
// Very-High, or those words (plus Unknown). Mapped onto vigil's one scale: Low → notice, Medium →
// warning, High → error, Very-High → critical.

const BY_WORD = new Map([
  ['low', 'notice'],
  ['medium', 'warning'],
  ['high', 'error'],
  ['very-high', 'critical'],
  ['very high', 'critical'],
]);

/** The vigil severity of a CEF Severity field, or undefined for Unknown and anything unreadable. */
export function cefSeverity(value: string): Severity | undefined {
  const text = value.trim();
  if (text !== '' && text.length <= 2 && Number.isInteger(Number(text))) {
    const n = Number(text);
    if (n < 0 || n > 10) return undefined;
    return fromName(n <= 3 ? 'notice' : n <= 6 ? 'warning' : n <= 8 ? 'error' : 'critical');
  }
  const name = BY_WORD.get(text.toLowerCase());
  return name === undefined ? undefined : fromName(name);
}
