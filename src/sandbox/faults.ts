// Fault injection. Rules are checked in order for each API request; latency rules
// add up, and the first other rule that fires decides the request's fate. Rates and
// jitter draw from one seeded stream, so a seed and a request sequence always give
// the same faults.
import { createRandom, mixSeed, type Random } from './random.ts';
import type { Endpoint, FaultController, FaultRule } from './types.ts';

export type TerminalFault = Exclude<FaultRule, { kind: 'latency' }>;

export interface FaultDecision {
  latencyMs: number;
  fault: TerminalFault | null;
  /** For the call record: 'latency', 'status', 'latency+status', … or null. */
  label: string | null;
}

export interface FaultEngine extends FaultController {
  decide(endpoint: Endpoint): FaultDecision;
  /** The same seeded stream, for choices a fault makes (e.g. which record to corrupt). */
  random: Random;
}

const ENDPOINTS: readonly (Endpoint | '*')[] = ['customers', 'invoices', 'invoiceFile', 'subscriptions', '*'];
const STATUSES = [500, 502, 503, 504, 403, 401, 404] as const;
const SIMPLE_KINDS = ['hang', 'malformedJson', 'truncated', 'drop', 'wrongShape'] as const;
const ALL_KINDS = ['latency', 'status', 'rateLimit', ...SIMPLE_KINDS] as const;

interface ActiveRule {
  rule: FaultRule;
  remaining: number | undefined;
}

export function createFaultEngine(seed: number, initial: readonly FaultRule[] = []): FaultEngine {
  const random = createRandom(mixSeed(seed, 0xfa17));
  let active: ActiveRule[] = [];

  const activate = (rule: FaultRule): ActiveRule => {
    const valid = parseFaultRule(rule);
    return { rule: valid, remaining: valid.times };
  };

  const engine: FaultEngine = {
    random,
    set(rules) {
      if (!Array.isArray(rules)) throw new FaultRuleError('Fault rules must be an array');
      active = rules.map(activate);
    },
    add(rule) {
      active.push(activate(rule));
    },
    clear() {
      active = [];
    },
    list() {
      return active.map(({ rule, remaining }) =>
        remaining === undefined ? { ...rule } : { ...rule, times: remaining },
      );
    },
    decide(endpoint) {
      let latencyMs = 0;
      let fault: TerminalFault | null = null;
      for (const entry of active) {
        const { rule } = entry;
        if (rule.endpoint !== undefined && rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
        if (fault !== null && rule.kind !== 'latency') continue;
        if (entry.remaining === 0) continue;
        if ((rule.rate ?? 1) < 1 && random() >= (rule.rate ?? 1)) continue;
        if (entry.remaining !== undefined) entry.remaining -= 1;
        if (rule.kind === 'latency') latencyMs += rule.ms + Math.floor(random() * ((rule.jitterMs ?? 0) + 1));
        else fault = rule;
      }
      active = active.filter((entry) => entry.remaining !== 0);
      const labels = [latencyMs > 0 ? 'latency' : null, fault?.kind ?? null].filter((label) => label !== null);
      return { latencyMs, fault, label: labels.length > 0 ? labels.join('+') : null };
    },
  };
  engine.set([...initial]);
  return engine;
}

export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

/** Validates a rule from JSON (the admin route) or from code; the error says what to fix. */
export function parseFaultRule(value: unknown): FaultRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultRuleError('A fault rule must be an object with a "kind"');
  }
  const input = value as Record<string, unknown>;
  const common = {
    ...optional('endpoint', enumOf(input.endpoint, ENDPOINTS, 'endpoint')),
    ...optional('rate', numberIn(input.rate, 'rate', 0, 1, false)),
    ...optional('times', numberIn(input.times, 'times', 1, Number.MAX_SAFE_INTEGER, true)),
  };
  switch (input.kind) {
    case 'latency': {
      const ms = numberIn(input.ms, 'ms', 0, 600_000, true);
      if (ms === undefined) throw new FaultRuleError('A latency rule needs "ms" (an integer number of milliseconds)');
      return {
        ...common,
        kind: 'latency',
        ms,
        ...optional('jitterMs', numberIn(input.jitterMs, 'jitterMs', 0, 600_000, true)),
      };
    }
    case 'status': {
      const status = enumOf(input.status, STATUSES, 'status');
      if (status === undefined) throw new FaultRuleError(`A status rule needs "status", one of ${STATUSES.join(', ')}`);
      return { ...common, kind: 'status', status };
    }
    case 'rateLimit': {
      const retryAfter = numberIn(input.retryAfter, 'retryAfter', 0, 86_400, true);
      if (retryAfter === undefined) throw new FaultRuleError('A rateLimit rule needs "retryAfter" (whole seconds)');
      return { ...common, kind: 'rateLimit', retryAfter };
    }
    default: {
      const kind = SIMPLE_KINDS.find((candidate) => candidate === input.kind);
      if (kind === undefined) {
        throw new FaultRuleError(`"kind" must be one of ${ALL_KINDS.map((item) => JSON.stringify(item)).join(', ')}`);
      }
      return { ...common, kind };
    }
  }
}

export function parseFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new FaultRuleError('Expected a JSON array of fault rules');
  return value.map((rule, index) => {
    try {
      return parseFaultRule(rule);
    } catch (error) {
      throw new FaultRuleError(`Rule ${index}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function enumOf<T>(value: unknown, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw new FaultRuleError(`"${name}" must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`);
  }
  return match;
}

function numberIn(value: unknown, name: string, min: number, max: number, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new FaultRuleError(`"${name}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}
