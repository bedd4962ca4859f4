import type { Logger } from 'pino';
import type { ResilienceEvents, UpstreamCallInfo } from '../partner/resilience/resilient-http.ts';

type UpstreamCallLine = Omit<UpstreamCallInfo, 'failedFast' | 'retryBudgetExhausted'> & {
  failedFast?: true;
  retryBudgetExhausted?: true;
};

/** One line per logical upstream call (with its retries), plus retries at debug and breaker changes. */
export function upstreamLogEvents(logger: Logger): ResilienceEvents {
  return {
    onUpstreamCall(info) {
      const line: UpstreamCallLine = {
        requestId: info.requestId,
        endpoint: info.endpoint,
        method: info.method,
        status: info.status,
        code: info.code,
        durationMs: info.durationMs,
        attempts: info.attempts,
        retries: info.retries,
        breaker: info.breaker,
      };
      // Set only when true, after the rest (their place in the line): no spread object per call.
      if (info.failedFast) line.failedFast = true;
      if (info.retryBudgetExhausted) line.retryBudgetExhausted = true;
      if (info.code) logger.warn(line, 'upstream call');
      else logger.info(line, 'upstream call');
    },
    onRetry(info) {
      logger.debug({ ...info }, 'upstream retry');
    },
    onBreakerStateChange(change) {
      logger.warn({ endpoint: change.endpoint, from: change.from, to: change.to }, `circuit breaker ${change.to}`);
    },
  };
}
