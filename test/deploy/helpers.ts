// What the deployment tests share: the Dockerfile read as data, the image's file tree built
// without a container daemon, child processes that are always cleaned up, and nginx.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------------------------
// The Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | null;
  from: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages, with continuation lines joined and comments dropped. */
export function readDockerfile(path = join(ROOT, 'Dockerfile')): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = `${pending}${line}`.trim();
    pending = '';
    if (whole) logical.push(whole);
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [, from = '', name = null] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name, from, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${keyword} before any FROM`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** The stage an image built from the file runs: the last one. */
export function runtimeStage(stages: Stage[]): Stage {
  const stage = stages.at(-1);
  if (!stage) throw new Error('Dockerfile: no stage');
  return stage;
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The one instruction of this kind in the stage (the last counts for Docker; two would be a slip). */
export function single(stage: Stage, keyword: string): string {
  const found = instructions(stage, keyword);
  if (found.length !== 1) throw new Error(`Dockerfile: expected one ${keyword} in the stage, found ${found.length}`);
  return found[0]?.args ?? '';
}

/** An exec-form (JSON array) command: never a shell between the runtime and the process. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((word) => typeof word === 'string')) {
    throw new Error(`Dockerfile: not an exec-form command: ${args}`);
  }
  return parsed;
}

export function healthcheck(stage: Stage): { options: Record<string, string>; command: string[] } {
  const [, options = '', command = ''] = /^((?:--\S+\s+)*)CMD\s+(.*)$/.exec(single(stage, 'HEALTHCHECK')) ?? [];
  if (!command) throw new Error('Dockerfile: HEALTHCHECK without CMD');
  const pairs = options
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((option) => /^--([a-z-]+)=(\S+)$/.exec(option)?.slice(1, 3) as [string, string]);
  return { options: Object.fromEntries(pairs), command: execForm(command) };
}

/** `ENV a=1 b=2` lines of a stage; other spellings are refused rather than misread. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [, name, value] = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair) ?? [];
      if (name === undefined || value === undefined) throw new Error(`Dockerfile: ENV this test cannot read: ${args}`);
      env[name] = value;
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The build context (.dockerignore) and the image's file tree

/** Whether .dockerignore lets a path into the build context. Only `*` and plain paths are understood. */
export function inBuildContext(path: string): boolean {
  let admitted = true;
  for (const raw of readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/\/+$/, '');
    if (pattern !== '*' && /[*?[\]]/.test(pattern))
      throw new Error(`.dockerignore: pattern this test cannot read: ${line}`);
    if (pattern === '*' || path === pattern || path.startsWith(`${pattern}/`)) admitted = negated;
  }
  return admitted;
}

export interface ImageTree {
  /** The runtime stage's WORKDIR, as the image would hold it. */
  app: string;
}

const LOCK_STALE_MS = 120_000;

/**
 * The image's file tree for these sources, built once and shared: the deployment test files run
 * side by side and would otherwise compile the same tree twice. It is kept under the temporary
 * directory, named by a hash of everything that goes into it, so a rerun of unchanged sources
 * builds nothing; trees older than a day are removed when a new one is built.
 */
export async function imageTree(): Promise<ImageTree> {
  const dir = join(tmpdir(), `partner-graph-image-${buildKey()}`);
  const app = join(dir, 'runtime');
  const lock = `${dir}.lock`;
  const deadline = performance.now() + LOCK_STALE_MS;
  while (!existsSync(app)) {
    try {
      mkdirSync(lock);
    } catch {
      if (performance.now() > deadline) throw new Error(`${lock} still held after ${LOCK_STALE_MS} ms`);
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > LOCK_STALE_MS) {
        rmSync(lock, { recursive: true, force: true });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      if (!existsSync(app)) {
        removeOldTrees();
        const staging = `${dir}.${process.pid}`;
        buildImageTree(staging);
        renameSync(staging, dir);
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return { app };
}

/** What the tree depends on: this checkout (its node_modules), the runtime, the Dockerfile and every file it copies. */
function buildKey(): string {
  const hash = createHash('sha256').update(`${ROOT}\0${process.version}\0`);
  for (const file of ['Dockerfile', '.dockerignore', 'package-lock.json', ...buildStageFiles()]) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The files the build stages copy from the build context. */
function buildStageFiles(): string[] {
  const stages = readDockerfile();
  const sources = stages
    .slice(0, -1)
    .flatMap((stage) => instructions(stage, 'COPY'))
    .filter(({ args }) => !args.startsWith('--'))
    .flatMap(({ args }) => args.split(/\s+/).slice(0, -1));
  const files: string[] = [];
  const walk = (path: string) => {
    if (!inBuildContext(path)) return;
    if (!statSync(join(ROOT, path)).isDirectory()) return void files.push(path);
    for (const entry of readdirSync(join(ROOT, path)).sort()) walk(`${path}/${entry}`);
  };
  for (const source of sources) walk(source);
  return files;
}

function removeOldTrees(): void {
  const dayAgo = Date.now() - 24 * 3_600_000;
  for (const entry of readdirSync(tmpdir())) {
    if (!/^partner-graph-image-[0-9a-f]{16}$/.test(entry)) continue;
    const path = join(tmpdir(), entry);
    if ((statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) < dayAgo) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/**
 * Builds the image's file tree the way the Dockerfile does, without a container daemon: each
 * COPY of the build stage from the build context (.dockerignore applied), its `npm run build`
 * run for real, then the runtime stage's COPY --from lines. `npm ci` is stood in for by this
 * checkout's node_modules, and `npm prune --omit=dev` by linking only the packages the lockfile
 * does not mark dev: dist/ then imports nothing a production install lacks. Any other RUN of the
 * build stage fails the test until it is taught here.
 */
function buildImageTree(root: string): void {
  const stages = readDockerfile();
  const runtime = runtimeStage(stages);
  rmSync(root, { recursive: true, force: true });
  try {
    const built = new Map<string, { dir: string; workdir: string; pruned: boolean }>();
    for (const stage of stages.slice(0, -1)) {
      if (!stage.name) throw new Error('Dockerfile: a build stage without a name');
      built.set(stage.name, buildStage(stage, join(root, stage.name)));
    }
    const app = join(root, 'runtime');
    const workdir = single(runtime, 'WORKDIR');
    mkdirSync(app, { recursive: true });
    for (const { args } of instructions(runtime, 'COPY')) {
      const [, from = '', source = '', target = ''] = /^--from=(\S+)\s+(?:--\S+\s+)*(\S+)\s+(\S+)$/.exec(args) ?? [];
      const stage = built.get(from);
      if (!stage) throw new Error(`Dockerfile: runtime COPY this test cannot follow: ${args}`);
      const relative = posix.relative(stage.workdir, source);
      const destination = join(app, posix.relative(workdir, posix.resolve(workdir, target)));
      if (relative === 'node_modules') linkNodeModules(destination, stage);
      else cpSync(join(stage.dir, relative), destination, { recursive: true });
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

function buildStage(stage: Stage, dir: string): { dir: string; workdir: string; pruned: boolean } {
  let workdir = '/';
  let pruned = false;
  mkdirSync(dir, { recursive: true });
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
    else if (keyword === 'COPY') {
      if (args.startsWith('--')) throw new Error(`Dockerfile: build COPY this test cannot follow: ${args}`);
      const words = args.split(/\s+/);
      const target = posix.relative(workdir, posix.resolve(workdir, words.at(-1) ?? '.'));
      for (const source of words.slice(0, -1)) {
        if (!inBuildContext(source)) throw new Error(`Dockerfile copies ${source}, which .dockerignore keeps out`);
        const destination = words.length > 2 || target === '' ? join(dir, target, basename(source)) : join(dir, target);
        cpSync(join(ROOT, source), destination, {
          recursive: true,
          filter: (path) => inBuildContext(path.slice(ROOT.length)),
        });
      }
    } else if (keyword === 'RUN') {
      if (/^npm ci\b/.test(args)) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      else if (/^npm prune --omit=dev\b/.test(args)) pruned = true;
      else if (args === 'npm run build') {
        const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: dir, env: nodeEnv(), encoding: 'utf8' });
        if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
      } else throw new Error(`Dockerfile: build step this test cannot stand in for: RUN ${args}`);
    } else if (keyword !== 'ENV' && keyword !== 'ARG') {
      throw new Error(`Dockerfile: build instruction this test cannot follow: ${keyword}`);
    }
  }
  return { dir, workdir, pruned };
}

/**
 * node_modules of a pruned install: links to every installed package the lockfile does not mark
 * dev. A workspace package is there only when the build stage copied its folder: npm ci skips a
 * workspace that is missing.
 */
function linkNodeModules(destination: string, stage: { dir: string; pruned: boolean }): void {
  const installed = join(ROOT, 'node_modules');
  if (!stage.pruned) return symlinkSync(installed, destination);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; link?: boolean; resolved?: string }>;
  };
  mkdirSync(destination, { recursive: true });
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.startsWith('node_modules/') ? path.slice('node_modules/'.length) : null;
    if (!name || name.includes('/node_modules/') || entry.dev) continue;
    const target = entry.link ? join(stage.dir, entry.resolved ?? '') : join(installed, name);
    if (!existsSync(target)) continue;
    mkdirSync(dirname(join(destination, name)), { recursive: true });
    symlinkSync(target, join(destination, name));
  }
}

/** This process's node first on PATH: children run on the same Node as the tests. */
export function nodeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const path = [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter);
  return { PATH: path, HOME: process.env['HOME'] ?? '/', ...extra };
}

// ---------------------------------------------------------------------------------------------
// A read-only root filesystem, as readOnlyRootFilesystem and `docker run --read-only --tmpfs /tmp` give

const READ_ONLY_ROOT = [
  'mount --bind /tmp /tmp',
  'mount --bind "$1" "$1"',
  'mount -o remount,bind,ro "$1"',
  'mount -o remount,bind,ro /',
  // The working directory was entered before the mounts: enter it again, on the read-only one.
  'cd "$1"',
  'shift',
  'exec "$@"',
].join(' && ');

/**
 * The command in a private mount namespace where / and the app directory are read-only and only
 * /tmp can be written (the app directory lives under /tmp here, so it is made read-only too).
 */
export function onReadOnlyRoot(app: string, command: string[]): string[] {
  return [
    'unshare',
    '--mount',
    '--map-root-user',
    '--propagation',
    'private',
    'sh',
    '-c',
    READ_ONLY_ROOT,
    'sh',
    app,
    ...command,
  ];
}

/** Null when read-only roots work here, else why not. */
export function readOnlyRootProblem(app: string): string | null {
  const [file = '', ...args] = onReadOnlyRoot(app, ['true']);
  const probe = spawnSync(file, args, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return (
      'cannot mount a read-only root in a private namespace (util-linux unshare, as root or with user ' +
      `namespaces): ${probe.error?.message ?? probe.stderr}`
    );
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Launched {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match in the output; rejects when the process exits or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every process group started, kept after its leader exits: what it left behind is ended too. */
const groups = new Set<Launched>();

/** Starts a command in a process group of its own, so stopAll can end it and everything it started. */
export function launch(command: string[], options: { cwd?: string; env: Record<string, string> }): Launched {
  const [file, ...args] = command;
  if (!file) throw new Error('launch: empty command');
  const child = spawn(file, args, { cwd: options.cwd ?? ROOT, env: options.env, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: string) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: Launched = {
    child,
    pid: child.pid,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${file}: no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(({ code, signal }) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`${file} exited (${code ?? signal}) before ${pattern}; output:\n${output}`));
        });
        check();
      });
    },
    exited,
  };
  groups.add(handle);
  return handle;
}

/** Kills every process group launched, whatever is left of it, and waits for each leader to exit. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...groups].map(async (group) => {
      try {
        process.kill(-group.pid, 'SIGKILL');
      } catch {
        // Nothing of the group is left.
      }
      await group.exited;
      groups.delete(group);
    }),
  );
}

/** Runs a command to its end; its exit code and output. */
export function run(
  command: string[],
  options: { cwd?: string; env: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  const process_ = launch(command, options);
  const timer = setTimeout(() => {
    try {
      process.kill(-process_.pid, 'SIGKILL');
    } catch {
      // Finished meanwhile.
    }
  }, options.timeoutMs ?? 15_000);
  return process_.exited.then(({ code }) => {
    clearTimeout(timer);
    return { code, output: process_.output() };
  });
}

/** Direct children of a process, from /proc. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => procStat(Number(entry))?.ppid === pid)
    .map(Number);
}

/** Whether a process runs (a zombie, dead but not yet reaped, does not). */
export function isRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z';
}

function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', ppid = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** A port nothing listens on (now). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** Polls a condition every 10 ms: for state only visible by looking (e.g. a call in flight upstream). */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once the URL answers with this status (a server that has just started listening). */
export async function answering(url: string, status = 200, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answered = await fetch(url).then(
      (res) => res.status,
      () => null,
    );
    if (answered === status) return;
    if (performance.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** KEY=value lines of an env file; with `commented`, also the `# KEY=value` ones it documents. */
export function readEnvFile(path: string, commented = false): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = (commented ? /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/).exec(line.trim());
    if (match?.[1] !== undefined) env[match[1]] = match[2] ?? '';
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// nginx

const NGINX_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];

/** Debian's nginx; without it the deployment tests fail at once (.ci/run installs it). */
export function nginxBinary(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...NGINX_DIRS];
  const found = dirs.map((dir) => join(dir, 'nginx')).find((path) => path.startsWith('/') && existsSync(path));
  if (!found) {
    throw new Error('nginx is not installed: the deployment tests run it (apt-get install nginx; .ci/run does)');
  }
  return found;
}

/**
 * deploy/nginx.conf as this machine runs it: the `facade` upstream becomes the given addresses
 * (Docker's DNS would list the replicas), the listen port the given one on loopback, and /tmp
 * paths and the access log (on stdout in a container) move into a directory of the test's own.
 */
export function renderNginxConfig(options: { listen: number; upstreams: string[]; dir: string }): string {
  const committed = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const replaceOnce = (text: string, pattern: RegExp, replace: (...groups: string[]) => string, what: string) => {
    const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? [];
    if (matches.length !== 1) throw new Error(`deploy/nginx.conf: expected one ${what}, found ${matches.length}`);
    return text.replace(pattern, (_match, ...groups: string[]) => replace(...groups));
  };
  let text = replaceOnce(
    committed,
    /^(\s*)server\s+facade:\d+([^;]*);$/m,
    (indent = '', params = '') => options.upstreams.map((address) => `${indent}server ${address}${params};`).join('\n'),
    '`server facade:PORT` line',
  );
  text = replaceOnce(
    text,
    /^(\s*)listen\s+\d+([^;]*);$/m,
    (indent = '', params = '') => `${indent}listen 127.0.0.1:${options.listen}${params};`,
    '`listen PORT` line',
  );
  text = text.replaceAll(/(?<=\s)\/tmp\//g, `${options.dir}/`);
  return replaceOnce(
    text,
    /^(\s*)access_log\s+\/dev\/stdout(\s[^;]*)?;$/m,
    (indent = '', params = '') => `${indent}access_log ${options.dir}/access.log${params};`,
    '`access_log /dev/stdout` line',
  );
}

/** The facade's port in the committed upstream, which must be the one the image listens on. */
export function nginxUpstreamPort(): number {
  const committed = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8');
  return Number(/^\s*server\s+facade:(\d+)/m.exec(committed)?.[1]);
}
