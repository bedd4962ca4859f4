// `npm run build` (and `npm pack`): the typed client in ../../src/client, where `npm run codegen`
// writes, compiled to dist/ as ES modules with their .d.ts, and the schema beside them for codegen.
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = `${here}dist`;

rmSync(dist, { recursive: true, force: true });
const tsc = `${dirname(createRequire(import.meta.url).resolve('typescript/package.json'))}/bin/tsc`;
const compiled = spawnSync(process.execPath, [tsc, '-p', `${here}tsconfig.json`], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
copyFileSync(`${here}../../schema.graphql`, `${dist}/schema.graphql`);
