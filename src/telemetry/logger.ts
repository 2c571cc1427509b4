import { pino, type Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'token', 'password', 'apiKey', 'api_key', 'authorization', 'secret',
  '*.token', '*.password', '*.apiKey', '*.api_key', '*.authorization', '*.secret',
  '*.*.token', '*.*.password', '*.*.apiKey', '*.*.api_key', '*.*.secret',
  'req.headers.authorization', 'headers.authorization', 'headers["x-scope-orgid"]',
];

type Destination = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * vigil's logger. `format`: `json` writes one JSON object a line (for collectors), `pretty` one
 * readable line (time, level, message, then the other fields), `auto` (the default) pretty when
 * the destination is a terminal and JSON otherwise, so containers and pipes get JSON.
 */
export function createLogger(options: { level?: string; format?: LogFormat; destination?: Destination } = {}): Logger {
  const format = options.format ?? (process.env.VIGIL_LOG_FORMAT as LogFormat | undefined) ?? 'auto';
  if (!LOG_FORMATS.includes(format)) throw new Error(`log format ${format}: expected one of ${LOG_FORMATS.join(', ')}`);
  const isTTY = options.destination ? options.destination.isTTY === true : process.stdout.isTTY === true;
  const json = (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ sync: false });
  const pretty = format === 'pretty' || (format === 'auto' && isTTY);
  return pino(
    {
      name: 'vigil',
      level: options.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // The field is `error`, not `err` (pino's default), as our log lines say.
      errorKey: 'error',
      serializers: { error: pino.stdSerializers.err },
    },
    pretty ? prettyStream(json, isTTY && isColorSupported) : json,
  );
}

/**
 * Rewrites each JSON line pino produced into pino-pretty's line, synchronously on the logging
 * thread (pino-pretty's factory, not its worker-thread transport). Because it reads pino's own
 * output, redaction and serializers have already run: both formats carry the same fields.
 */
function prettyStream(destination: pino.DestinationStream, colorize: boolean): pino.DestinationStream & { flush(cb?: (error?: Error) => void): void } {
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    // Every field stays: pid, hostname and name too (pino-pretty hides hostname by default).
    ignore: '',
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    errorLikeObjectKeys: ['error'],
  });
  return {
    write: (line: string) => destination.write(prettify(line)),
    flush: (cb) => {
      const flushable = destination as { flush?: (cb?: (error?: Error) => void) => void };
      if (flushable.flush) flushable.flush(cb);
      else cb?.();
    },
  };
}

/** A logger that writes nothing: for tests and tools that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
