import { existsSync, readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  /** The commit `npm run build` was made from; 'source' when running from the source tree. */
  commit: string;
  node: string;
}

/** Read once at start: package.json's version, the build's commit (dist/build-info.json), the runtime. */
export function readBuildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const built = new URL('../build-info.json', import.meta.url);
  const commit = existsSync(built)
    ? String((JSON.parse(readFileSync(built, 'utf8')) as { commit?: unknown }).commit ?? 'unknown')
    : 'source';
  return { version: pkg.version, commit, node: process.version };
}
