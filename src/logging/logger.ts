import { createRequire } from 'node:module';
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
      timestamp: isoTime,
      formatters: { log: redactSecrets, bindings: redactSecrets },
    },
    options.destination ?? stdout(options.mode),
  );
  return redactingChildBindings(logger);
}

let secondStart = Number.NaN;
let secondText = '';

/**
 * pino's `stdTimeFunctions.isoTime`, the same text (`,"time":"2025-01-01T00:00:00.000Z"`), with
 * the part up to the second formatted once a second instead of a Date and its ISO string per line.
 */
function isoTime(): string {
  const now = Date.now();
  const millis = now % 1000;
  if (now - millis !== secondStart) {
    secondStart = now - millis;
    secondText = `,"time":"${new Date(secondStart).toISOString().slice(0, -4)}`;
  }
  return `${secondText}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
}

/** The longest a production line waits in the buffer: a quiet server's lines still show promptly. */
const FLUSH_EVERY_MS = 1_000;

/**
 * Production: JSON lines, buffered (a write per line was a syscall per request and per upstream
 * call on the hot path) and flushed at least every second and when the process exits. Development
 * on a terminal: readable lines, each written as it comes. Anything else: JSON lines, unbuffered.
 */
function stdout(mode: LoggerOptions['mode']): DestinationStream {
  if (mode === 'production') {
    const buffered = pino.destination({ dest: 1, minLength: 4096, sync: false });
    setInterval(() => buffered.flush(), FLUSH_EVERY_MS).unref();
    return buffered;
  }
  const pretty = mode === 'development' && process.stdout.isTTY ? prettyStream() : null;
  return pretty ?? pino.destination({ dest: 1, minLength: 0, sync: false });
}

/** pino-pretty is a development dependency: a production install has none, and never asks for it. */
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true });
  } catch {
    return null;
  }
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
