import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { redactSecrets } from './redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Production buffers lines (4 KB writes); elsewhere each line is written as it comes. */
  mode?: 'development' | 'production' | 'test';
  /** Where JSON lines go; stdout when absent. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/** One JSON object per line, secrets redacted by configuration (`SECRET_KEYS` in redact.ts). */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'partner-graph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: redactSecrets, bindings: redactSecrets },
    },
    // Production buffers: a write per line was a syscall per request and per upstream call on the hot
    // path. pino flushes the buffer when the process exits.
    options.destination ??
      pino.destination({ dest: 1, minLength: options.mode === 'production' ? 4096 : 0, sync: false }),
  );
  return redactingChildBindings(logger);
}

/**
 * pino applies the bindings formatter to the root's bindings only; a child's are redacted here.
 * Children inherit from their parent, so replacing `child` on the root covers every descendant.
 */
function redactingChildBindings(logger: Logger): Logger {
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    // A child's own log formatter would replace the root's: it runs first, then the redaction.
    const own = childOptions?.formatters?.log;
    const options = own
      ? { ...childOptions, formatters: { ...childOptions.formatters, log: (line: object) => redactSecrets(own(line)) } }
      : childOptions;
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}
