import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'token', 'password', 'apiKey', 'api_key', 'authorization', 'secret',
  '*.token', '*.password', '*.apiKey', '*.api_key', '*.authorization', '*.secret',
  '*.*.token', '*.*.password', '*.*.apiKey', '*.*.api_key', '*.*.secret',
  'req.headers.authorization', 'headers.authorization', 'headers["x-scope-orgid"]',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'vigil',
      level: options.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // The field is `error`, not `err` (pino's default), as our log lines say.
      errorKey: 'error',
      serializers: { error: pino.stdSerializers.err },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ sync: false }),
  );
}

/** A logger that writes nothing: for tests and tools that want silence. */
export const silentLogger: Logger = pino({ level: 'silent' });
