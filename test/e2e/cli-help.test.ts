import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('--help', () => {
  it('the server prints its usage and every setting it reads, and exits 0 without starting', () => {
    const { status, stdout } = run('src/main.ts', '--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: /);
    expect(stdout).not.toContain('listening on');
    const named = [...stdout.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1] ?? '');
    expect(named).toContain('SERVER_SECRET');
    expect(named).toContain('PARTNER_API_URL');
    expect(new Set(named).size).toBe(named.length);
    // Each name is one loadConfig reads: a bad value for it is reported by that name.
    for (const name of named.filter((n) => !n.startsWith('OTEL_'))) {
      const problems = (() => {
        try {
          loadConfig({ [name]: '\u0000not a value\u0000' });
          return '';
        } catch (error) {
          return String(error);
        }
      })();
      if (name !== 'HOST') expect(problems, name).toContain(`${name}:`);
    }
  });

  it('the sandbox prints its usage and settings, and exits 0 without listening', () => {
    const { status, stdout } = run('src/sandbox/cli.ts', '--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run sandbox/);
    for (const name of ['PORT', 'SANDBOX_SEED', 'SANDBOX_FAULTS', 'SANDBOX_LATENCY_MS']) expect(stdout).toContain(name);
    expect(stdout).not.toContain('Bearer tokens');
  });
});
