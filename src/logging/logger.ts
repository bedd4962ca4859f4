import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = ['authorization', 'cookie', '"set-cookie"', 'token', 'accessToken', 'ticket', 'password', 'secret'];

/**
 * Where a secret could sit in a log line, to three levels deep (e.g. `req.headers.authorization`).
 * The log lines of this service never carry headers; this is the configured guarantee in case one does.
 */
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const member = key.startsWith('"') ? `[${key}]` : `.${key}`;
  return [key.startsWith('"') ? `[${key}]` : key, `*${member}`, `*.*${member}`];
});

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where JSON lines go; stdout when absent. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/** One JSON object per line, secrets redacted by configuration. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'partner-graph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    // Buffered writes: a synchronous write per line was a syscall per request and per upstream call
    // on the hot path. pino flushes the buffer when the process exits.
    options.destination ?? pino.destination({ dest: 1, minLength: 4096, sync: false }),
  );
}
