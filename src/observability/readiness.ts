import type { ResilienceEvents } from '../partner/resilience/resilient-http.ts';

export interface ReadinessOptions {
  /** The partner API base URL; null when the transport was injected (then only real answers count). */
  upstreamBaseUrl: string | null;
  /** An upstream answer (any status, even 401) this recent makes a probe unnecessary. */
  freshMs: number;
  probeTimeoutMs: number;
  now?: () => number;
}

export type ReadinessReport = (
  | { ready: true; status: 'ready' }
  | { ready: false; status: 'draining' | 'unavailable'; reason: string }
) & {
  /** Dependencies failing without stopping the server, e.g. ['redis']; absent when there are none. */
  degraded?: string[];
};

export interface Readiness {
  /** Records that the upstream answered, from the resilience layer's event hook. */
  upstreamEvents: ResilienceEvents;
  check(): Promise<ReadinessReport>;
  /** Names `dependency` under `degraded` whenever `isDegraded()` says so; readiness itself does not change. */
  watch(dependency: string, isDegraded: () => boolean): void;
  /** From now on not ready: the process is shutting down and load balancers should look elsewhere. */
  drain(): void;
}

/**
 * Ready = the configuration loaded (else there is no app to ask), not shutting down, and the
 * partner API reachable: it answered a real call recently, or it answers a cheap probe now. Any
 * HTTP answer counts — a 401 to a token-less probe proves the API is there; only silence does not.
 * A watched dependency that fails (Redis) is listed under `degraded`: the server still serves, so
 * it stays ready.
 */
export function createReadiness(options: ReadinessOptions): Readiness {
  const now = options.now ?? (() => performance.now());
  let lastAnswerAt = -Infinity;
  let draining = false;
  let probing: Promise<boolean> | null = null;
  const watched: { dependency: string; isDegraded: () => boolean }[] = [];

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
      return withDegraded(await upstreamReadiness(), watched);
    },
    watch(dependency, isDegraded) {
      watched.push({ dependency, isDegraded });
    },
    drain() {
      draining = true;
    },
  };

  async function upstreamReadiness(): Promise<ReadinessReport> {
    if (draining) return { ready: false, status: 'draining', reason: 'The process is shutting down.' };
    if (answeredRecently()) return { ready: true, status: 'ready' };
    if (options.upstreamBaseUrl === null)
      return { ready: false, status: 'unavailable', reason: 'The partner API has not answered recently.' };
    return (await probeOnce(options.upstreamBaseUrl))
      ? { ready: true, status: 'ready' }
      : { ready: false, status: 'unavailable', reason: 'The partner API cannot be reached.' };
  }
}

function withDegraded(
  report: ReadinessReport,
  watched: readonly { dependency: string; isDegraded: () => boolean }[],
): ReadinessReport {
  const degraded = watched.filter((w) => w.isDegraded()).map((w) => w.dependency);
  return degraded.length > 0 ? { ...report, degraded } : report;
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
