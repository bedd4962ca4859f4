import type { z } from 'zod';
import { browserSection } from './sections/browser.ts';
import { customerDirectorySection } from './sections/customer-directory.ts';
import { downloadsSection } from './sections/downloads.ts';
import { limitsSection } from './sections/limits.ts';
import { operationsSection } from './sections/operations.ts';
import { pagingSection } from './sections/paging.ts';
import { rateLimitSection } from './sections/rate-limit.ts';
import { redisSection } from './sections/redis.ts';
import { serverSection } from './sections/server.ts';
import { upstreamSection } from './sections/upstream.ts';

export { MAX_DOWNLOAD_MS } from './sections/downloads.ts';

/**
 * Every setting of the server, read once from the environment by `loadConfig`, one section per
 * concern; each section's type is what its zod schema produces. Nothing else in `src/` reads `process.env`.
 */
const SECTIONS = [
  serverSection,
  upstreamSection,
  pagingSection,
  limitsSection,
  redisSection,
  downloadsSection,
  browserSection,
  rateLimitSection,
  operationsSection,
  customerDirectorySection,
] as const;

type Section = (typeof SECTIONS)[number];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
export type Config = UnionToIntersection<z.output<Section>>;

export type RequestLimits = Config['limits'];
export type DownloadSettings = Config['downloads'];
export type RateLimitSettings = Config['rateLimit'];
export type OperationsSettings = Config['operations'];
export type BrowserSafety = Config['browser'];
export type RedisSettings = Config['redis'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose values may hold secrets: a problem with them never repeats the value. */
const SECRET_VARIABLES = new Set(['SERVER_SECRET', 'CURSOR_SECRET', 'REDIS_URL', 'PARTNER_API_URL', 'METRICS_TOKEN']);

/** Reads the environment once; reports every bad variable together, with what was expected. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const problems = new Set<string>();
  const parts: object[] = [];
  for (const section of SECTIONS) {
    const parsed = section.safeParse(present);
    if (parsed.success) parts.push(parsed.data);
    else for (const issue of parsed.error.issues) problems.add(describe(String(issue.path[0]), issue.message, present));
  }
  for (const problem of productionProblems(present)) problems.add(problem);
  if (problems.size) throw new ConfigError([...problems]);
  const config = Object.assign({}, ...parts) as Config;
  const crossProblems = crossCheck(config);
  if (crossProblems.length) throw new ConfigError(crossProblems);
  return config;
}

function describe(name: string, message: string, present: Record<string, string | undefined>): string {
  const got = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(present[name])})`;
  return `${name}: ${message}${got}`;
}

/** Production needs a shared server secret and a real upstream; checked even when other values are bad. */
function productionProblems(present: Record<string, string | undefined>): string[] {
  if (present['NODE_ENV'] !== 'production') return [];
  const problems: string[] = [];
  if (!present['SERVER_SECRET'] && !present['CURSOR_SECRET']) {
    problems.push('SERVER_SECRET: required in production (at least 32 characters, the same on every instance)');
  }
  if (!present['PARTNER_API_URL']) {
    problems.push('PARTNER_API_URL: required in production (the embedded sandbox is for development)');
  }
  return problems;
}

function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  if (config.paging.defaultFirst > config.paging.maxFirst) {
    problems.push(`DEFAULT_FIRST: must not exceed MAX_FIRST (${config.paging.maxFirst})`);
  }
  if (config.customerDirectory.lookupCalls > config.upstreamCallBudget) {
    problems.push(
      `CUSTOMER_LOOKUP_CALLS: must not exceed UPSTREAM_CALL_BUDGET (${config.upstreamCallBudget}), which it counts toward`,
    );
  }
  if (config.downloads.linkTtlSeconds > config.downloads.maxLinkTtlSeconds) {
    problems.push(
      `PDF_LINK_TTL_SECONDS: must not exceed PDF_LINK_MAX_TTL_SECONDS (${config.downloads.maxLinkTtlSeconds})`,
    );
  }
  return problems;
}

/** Settings that still work but should change: said once at start. */
export function configWarnings(env: Record<string, string | undefined>): string[] {
  if (env['CURSOR_SECRET'] && !env['SERVER_SECRET']) {
    return ['CURSOR_SECRET is deprecated: name the same value SERVER_SECRET.'];
  }
  return [];
}

/** Every setting the server reads, with its default: for `--help`. docs/configuration.md says what each does. */
export function settingsHelp(): string[] {
  const lines = new Map<string, string>();
  for (const section of SECTIONS) {
    for (const [name, field] of Object.entries(section.in.shape)) {
      const def = (field as { def: { type: string; defaultValue?: unknown } }).def;
      const fallback = def.type === 'default' ? `default ${JSON.stringify(def.defaultValue)}` : 'unset by default';
      lines.set(name, `  ${name.padEnd(38)} ${fallback}`);
    }
  }
  return [...lines.values()];
}
