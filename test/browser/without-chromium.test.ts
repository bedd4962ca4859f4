import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MISSING = '/nonexistent/chromium';

describe('the browser test on a machine without Chromium', () => {
  it('fails at once with its message, and its teardown does not wait on a server that never started', () => {
    // A short hook timeout: a teardown that waits on nothing shows as "Hook timed out" in seconds.
    const run = spawnSync(
      process.execPath,
      [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', 'test/browser/graphiql.test.ts', '--hookTimeout=5000'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: MISSING, NO_COLOR: '1' }, timeout: 60_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(1);
    expect(output).toContain(
      `No Chromium at ${MISSING}: run .ci/run, or apt-get install chromium, or set CHROMIUM_PATH.`,
    );
    expect(output).not.toMatch(/timed out/i);
  }, 70_000);
});
