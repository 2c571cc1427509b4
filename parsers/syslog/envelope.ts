/** Structured data: SD-ID → PARAM-NAME → value (an array when a PARAM-NAME repeats in its element). */
export type StructuredData = Record<string, Record<string, string | string[]>>;

/** The syslog header and MSG of one message, whichever variant carried them. */
export interface Envelope {
  priority: number;
  /** RFC 5424 VERSION; absent for BSD forms. */
  version?: string;
  /** Header time as ISO 8601 UTC; absent when NILVALUE or unreadable (then the receive time stands in). */
  timestamp?: string;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  structuredData?: StructuredData;
  /** MSG (RFC 5424) or CONTENT (RFC 3164), UTF-8 BOM stripped; absent when the message has none. */
  msg?: string;
}

/**
 * Sets an own property even for the key `__proto__`, which plain assignment would turn into a
 * prototype change (silently losing the value). Keys come from the wire.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
