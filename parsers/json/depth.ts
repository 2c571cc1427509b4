/**
 * Whether a JSON text nests objects/arrays deeper than `max`, found by one scan of its brackets
 * (outside strings) without parsing it: cheap enough to run on every webhook body before anything
 * recursive walks it. Text that is not JSON is scanned the same way; only its brackets count.
 */
export function jsonTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}
