import { spawnSync } from 'node:child_process';

/** Vitest's global setup: builds packages/client, which the client tests import as a frontend would. */
export default function buildClient(): void {
  const build = new URL('../../packages/client/build.mjs', import.meta.url).pathname;
  const built = spawnSync(process.execPath, [build], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`Building packages/client failed:\n${built.stdout}${built.stderr}`);
}
