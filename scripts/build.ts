// `npm run build`: src/ compiled to dist/ for `node dist/main.js` (`npm run start:prod`). tsc
// rewrites the `.ts` import specifiers to `.js`; every other file under src/ is copied beside the
// compiled modules, since some are read at run time relative to the module that reads them (the
// GraphiQL example operation, the persisted-operations manifest).
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src`;
const dist = `${root}dist`;

rmSync(dist, { recursive: true, force: true });
const tsc = `${dirname(createRequire(import.meta.url).resolve('typescript/package.json'))}/bin/tsc`;
const compiled = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
cpSync(src, dist, { recursive: true, filter: (path) => statSync(path).isDirectory() || !path.endsWith('.ts') });

// What /health and partner_graph_build_info report: the commit the build was made from, when git knows it.
const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' });
const commit = head.status === 0 ? head.stdout.trim() : 'unknown';
writeFileSync(`${dist}/build-info.json`, `${JSON.stringify({ commit })}\n`);
