import type { EcsEvent } from './ecs.ts';
import type { ParseResult } from './result.ts';

export interface ParseContext {
  /** When vigil received the input (epoch ms); used where a source omits the year or the time. */
  receivedAt: number;
  /**
   * The most events this input may become; unset, no limit. A format that splits its input into
   * items (JSON lines, an array) answers tooManyItems() beyond it, without parsing the items.
   */
  maxEvents?: number;
}

/** The header of a syslog message, as the syslog envelope hands it to a body format. */
export interface SyslogHeader {
  appname?: string;
  msgid?: string;
  hostname?: string;
}

/**
 * One wire format. A new format is one folder under parsers/ exporting one of these, plus one line
 * in parsers/index.ts.
 */
export interface Format {
  /** Registry name, also the `format` a listener or webhook route stamps on raw input. */
  readonly name: string;
  /**
   * Every event.dataset this format's events carry: the label values of the security-event
   * counter. An event without one is `<name>.log` (src/normalize), counted without listing it.
   */
  readonly datasets: readonly string[];
  /**
   * Dotted paths of objects whose keys the sender chooses (labels, annotations, request bodies):
   * a search backend indexes each whole as one field, not a mapping field per key.
   */
  readonly openObjects?: readonly string[];
  /**
   * Parse a whole input (a webhook body, or a syslog MSG for formats carried inside syslog) into
   * ECS-shaped events, native fields kept under the module namespace. Pure, never throws.
   */
  parse(text: string, ctx: ParseContext): ParseResult;
  /** Formats carried inside syslog: does this MSG belong to this format? Must be cheap. */
  claims?(msg: string, header: SyslogHeader): boolean;
  /**
   * Optional: the same as `parse(text.slice(start), ctx)`, reading the MSG in place in the whole
   * syslog message. Why: a slice of a string is a view on it, and every character read through
   * the view costs more; scanning the message itself is ~8% faster for NeuVector kv lines.
   */
  parseFrom?(text: string, start: number, ctx: ParseContext): ParseResult;
}

export type { EcsEvent, ParseResult };
