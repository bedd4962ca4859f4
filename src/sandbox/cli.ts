// `npm run sandbox`: the sandbox as a standalone server. Configured by environment
// variables; `--json` prints exactly one line `{"url":…,"tokens":{…}}` once ready.
import { countsFor, ORGANISATION_PROFILES } from './data.ts';
import { parseFaultRules } from './faults.ts';
import { DEFAULT_RECORD_COUNT, startSandbox } from './index.ts';
import type { FaultRule, Sandbox, SandboxOptions } from './types.ts';

const DEFAULT_PORT = 4010;

interface CliConfig {
  options: SandboxOptions;
  json: boolean;
}

/** Reads the whole configuration, reporting every problem at once. */
function readCliConfig(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
): { config: CliConfig } | { problems: string[] } {
  const problems: string[] = [];
  const integer = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return undefined;
    }
    return value;
  };
  const flag = (name: string): boolean => env[name] === '1' || env[name] === 'true';

  const faults: FaultRule[] = [];
  const latency = integer('SANDBOX_LATENCY_MS', 0, 600_000);
  const jitter = integer('SANDBOX_LATENCY_JITTER_MS', 0, 600_000);
  if (latency !== undefined || jitter !== undefined) {
    faults.push({ kind: 'latency', ms: latency ?? 0, ...(jitter === undefined ? {} : { jitterMs: jitter }) });
  }
  const faultJson = env.SANDBOX_FAULTS;
  if (faultJson !== undefined && faultJson !== '') {
    try {
      faults.push(...parseFaultRules(JSON.parse(faultJson)));
    } catch (error) {
      problems.push(
        `SANDBOX_FAULTS must be a JSON array of fault rules: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const unknownArgs = args.filter((arg) => arg !== '--json');
  if (unknownArgs.length > 0) problems.push(`Unknown arguments: ${unknownArgs.join(' ')} (only --json is supported)`);

  const options: SandboxOptions = {
    port: integer('PORT', 0, 65_535) ?? DEFAULT_PORT,
    seed: integer('SANDBOX_SEED', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 1,
    customers: integer('SANDBOX_CUSTOMERS', 0, 1_000_000) ?? DEFAULT_RECORD_COUNT,
    invoices: integer('SANDBOX_INVOICES', 0, 1_000_000) ?? DEFAULT_RECORD_COUNT,
    subscriptions: integer('SANDBOX_SUBSCRIPTIONS', 0, 1_000_000) ?? DEFAULT_RECORD_COUNT,
    shortInvoicePages: flag('SANDBOX_SHORT_PAGES'),
    trailingTokens: flag('SANDBOX_TRAILING_TOKENS'),
    rawPdf: flag('SANDBOX_RAW_PDF'),
    log: flag('SANDBOX_LOG'),
    faults,
  };
  const largePdfBytes = integer('SANDBOX_LARGE_PDF_BYTES', 1, 256 * 1024 * 1024);
  if (largePdfBytes !== undefined) options.largePdfBytes = largePdfBytes;
  return problems.length > 0 ? { problems } : { config: { options, json: args.includes('--json') } };
}

function describe(sandbox: Sandbox, options: SandboxOptions): string {
  const origin = sandbox.url.replace(/\/api$/, '');
  const requested = {
    customers: options.customers ?? DEFAULT_RECORD_COUNT,
    invoices: options.invoices ?? DEFAULT_RECORD_COUNT,
    subscriptions: options.subscriptions ?? DEFAULT_RECORD_COUNT,
  };
  const lines = [
    `Limio partner API sandbox (development only) at ${sandbox.url}`,
    `Seed ${options.seed ?? 1}. Records (customers / invoices / subscriptions):`,
    ...ORGANISATION_PROFILES.map((profile) => {
      const counts = countsFor(profile, requested);
      return `  ${profile.name.padEnd(18)} ${counts.customers} / ${counts.invoices} / ${counts.subscriptions}`;
    }),
    '',
    'Bearer tokens:',
    ...Object.entries(sandbox.tokens).flatMap(([organisation, token]) => [`  ${organisation}:`, `    ${token}`]),
    '',
    'Try:',
    `  curl -H "Authorization: Bearer <token>" "${sandbox.url}/partner/invoices?pageSize=5"`,
    `Admin routes (no token): ${origin}/__admin/calls  ${origin}/__admin/faults`,
    'Ctrl+C stops it.',
  ];
  return `${lines.join('\n')}\n`;
}

const HELP = `Usage: npm run sandbox [-- --json]    (or: tsx src/sandbox/cli.ts [--json] | --help)

A fake Limio partner API for development and tests, seeded and deterministic.
  --json   print one line {"url":…,"tokens":{…}} once ready, instead of the description
  --help   print this and exit

Settings (environment variables):
  PORT                          where it listens (default ${DEFAULT_PORT}; 0 = any free port)
  SANDBOX_SEED                  the seed of the generated data (default 1)
  SANDBOX_CUSTOMERS             customers of the first organisation (default ${DEFAULT_RECORD_COUNT})
  SANDBOX_INVOICES              invoices of the first organisation (default ${DEFAULT_RECORD_COUNT})
  SANDBOX_SUBSCRIPTIONS         subscriptions of the first organisation (default ${DEFAULT_RECORD_COUNT})
  SANDBOX_SHORT_PAGES           1: invoice pages may hold fewer items than asked, as Zuora's do
  SANDBOX_TRAILING_TOKENS       1: hand out a page token after the last full page
  SANDBOX_RAW_PDF               1: invoice files as raw application/pdf instead of base64 text
  SANDBOX_LARGE_PDF_BYTES       the size of the one large PDF of the first organisation
  SANDBOX_LATENCY_MS            latency added to every call
  SANDBOX_LATENCY_JITTER_MS     random extra latency, up to this
  SANDBOX_FAULTS                a JSON array of fault rules (see src/sandbox/README.md)
  SANDBOX_LOG                   1: log every call on stderr
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const read = readCliConfig(process.env, process.argv.slice(2));
  if ('problems' in read) {
    process.stderr.write(`Cannot start the sandbox:\n${read.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  const { options, json } = read.config;
  const sandbox = await startSandbox(options);

  // Handlers before the ready line: a script may signal as soon as it has read it.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (!json) process.stderr.write(`\n${signal}: stopping the sandbox\n`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    json ? `${JSON.stringify({ url: sandbox.url, tokens: sandbox.tokens })}\n` : describe(sandbox, options),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Sandbox failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
