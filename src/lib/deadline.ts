import type { ServerResponse } from 'node:http';

/**
 * An operation's deadline travels with its abort signal, so that the upstream layer can tell how
 * much time is left (to cap a backoff or a Retry-After) without every caller passing it along.
 */
const deadlines = new WeakMap<AbortSignal, number>();

/** The default clock, made once: a bound `performance.now` per deadline was an allocation per request. */
const monotonicNow = () => performance.now();

/**
 * A signal that aborts after `ms` or when `parent` aborts; its deadline is readable with `remainingMs`.
 * Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 the timeout signal is held
 * only weakly there, and once collected it never fires (test/unit/deadline.test.ts shows it).
 */
export function deadlineSignal(ms: number, parent?: AbortSignal, now: () => number = monotonicNow): AbortSignal {
  const deadline = startDeadline(ms, now);
  if (parent?.aborted) deadline.abort();
  else parent?.addEventListener('abort', deadline.abort, { once: true });
  return deadline.signal;
}

/** An operation's deadline that its owner ends when the operation is done (no timer left behind). */
export interface Deadline {
  signal: AbortSignal;
  /** Aborts now (e.g. the client went away). */
  abort(): void;
  /** The operation is done: the timer goes. */
  clear(): void;
}

/**
 * Like `deadlineSignal`, for an owner that knows when the operation ends: one controller and one
 * timer, instead of the timeout signal and the combined signal `AbortSignal.any` builds per call.
 */
export function startDeadline(ms: number, now: () => number = monotonicNow): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation deadline passed.', 'TimeoutError')),
    ms,
  );
  timer.unref(); // never what keeps the process alive
  deadlines.set(controller.signal, now() + ms);
  return {
    signal: controller.signal,
    abort: () => {
      clearTimeout(timer);
      controller.abort();
    },
    clear: () => clearTimeout(timer),
  };
}

/** Milliseconds left before the signal's deadline; Infinity when it has none, 0 once aborted. */
export function remainingMs(signal: AbortSignal | undefined, now: number): number {
  if (!signal) return Number.POSITIVE_INFINITY;
  if (signal.aborted) return 0;
  const at = deadlines.get(signal);
  return at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The deadline of the work behind one response: aborted when the client leaves before the answer
 * is done, or when `ms` pass; its timer goes once the response has closed.
 */
export function responseDeadline(res: ServerResponse, ms: number): Deadline {
  const deadline = startDeadline(ms);
  res.once('close', () => {
    if (res.writableFinished) deadline.clear();
    else deadline.abort();
  });
  return deadline;
}
