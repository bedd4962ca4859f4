import type { ResilienceEvents } from '../partner/resilience/resilient-http.ts';

export interface ReadinessOptions {
  /** The partner API base URL; null when the transport was injected (then only real answers count). */
  upstreamBaseUrl: string | null;
  /** An upstream answer (any status, even 401) this recent makes a probe unnecessary. */
  freshMs: number;
  probeTimeoutMs: number;
  now?: () => number;
}

export type ReadinessReport =
  | { ready: true; status: 'ready' }
  | { ready: false; status: 'draining' | 'unavailable'; reason: string };

export interface Readiness {
  /** Records that the upstream answered, from the resilience layer's event hook. */
  upstreamEvents: ResilienceEvents;
  check(): Promise<ReadinessReport>;
  /** From now on not ready: the process is shutting down and load balancers should look elsewhere. */
  drain(): void;
}

/**
 * Ready = the configuration loaded (else there is no app to ask), not shutting down, and the
 * partner API reachable: it answered a real call recently, or it answers a cheap probe now. Any
 * HTTP answer counts — a 401 to a token-less probe proves the API is there; only silence does not.
 */
export function createReadiness(options: ReadinessOptions): Readiness {
  const now = options.now ?? (() => performance.now());
  let lastAnswerAt = -Infinity;
  let draining = false;
  let probing: Promise<boolean> | null = null;

  const answeredRecently = () => now() - lastAnswerAt <= options.freshMs;

  // Concurrent checks share one probe, so a burst of /ready never becomes a burst upstream.
  const probeOnce = (baseUrl: string): Promise<boolean> => {
    probing ??= probeUpstream(baseUrl, AbortSignal.timeout(options.probeTimeoutMs))
      .then(() => {
        lastAnswerAt = now();
        return true;
      })
      .catch(() => false)
      .finally(() => {
        probing = null;
      });
    return probing;
  };

  return {
    upstreamEvents: {
      onUpstreamCall(info) {
        if (info.status !== null) lastAnswerAt = now();
      },
    },
    async check() {
      if (draining) return { ready: false, status: 'draining', reason: 'The process is shutting down.' };
      if (answeredRecently()) return { ready: true, status: 'ready' };
      if (options.upstreamBaseUrl === null)
        return { ready: false, status: 'unavailable', reason: 'The partner API has not answered recently.' };
      return (await probeOnce(options.upstreamBaseUrl))
        ? { ready: true, status: 'ready' }
        : { ready: false, status: 'unavailable', reason: 'The partner API cannot be reached.' };
    },
    drain() {
      draining = true;
    },
  };
}

/**
 * A GET of the base URL with no credentials and no redirects followed: it carries no token, so
 * it goes straight to fetch rather than through the per-caller partner client.
 */
async function probeUpstream(baseUrl: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(baseUrl, {
    method: 'GET',
    redirect: 'manual',
    signal,
    headers: { accept: 'application/json' },
  });
  await response.body?.cancel();
}
