import type { Config } from '../../config/index.ts';
import type { ResilienceEvents, ResilienceOptions } from './resilient-http.ts';

/** The resilience policies of every upstream call, from the upstream section of the configuration. */
export function resilienceOptions(upstream: Config['upstream'], events: ResilienceEvents): ResilienceOptions {
  const { retry, breaker, maxConcurrent, maxQueued, timeoutMs } = upstream;
  return {
    retry: { maxAttempts: retry.maxAttempts, baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs },
    budget: { ratio: retry.budgetRatio, floorPerSecond: retry.budgetFloorPerSecond },
    breaker,
    concurrency: { maxConcurrent, maxQueue: maxQueued },
    callTimeoutMs: timeoutMs,
    events,
  };
}
