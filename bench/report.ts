// What every scenario hands back, and how a run is printed and kept (JSON + Markdown).

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { REPO_ROOT } from './children.ts';
import type { BenchSettings } from './settings.ts';

export interface Table {
  caption?: string;
  columns: string[];
  rows: string[][];
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when it could not be measured in this run (the reason is in `note`). */
  met: boolean | null;
  note: string;
}

export interface ScenarioReport {
  id: string;
  title: string;
  /** What the scenario measures, in a sentence or two. */
  about: string;
  available: boolean;
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
  /** The figures behind the tables, for the JSON file. */
  data: unknown;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  commit: string;
}

export function describeMachine(): Machine {
  const load = loadavg().map((n) => Math.round(n * 100) / 100);
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart: load,
    loadAverageAtEnd: load,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'package.json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes in src/)` : head;
  } catch {
    return 'unknown';
  }
}

export interface Run {
  date: string;
  durationS: number;
  settings: Omit<BenchSettings, 'only'> & { only: string[] };
  machine: Machine;
  scenarios: ScenarioReport[];
}

/** Cells that read as figures (right-aligned in Markdown): 12.3 ms, 0.50×, ≤ 101, —, 100 calls. */
const NUMERIC = /^(?:[-—≤<>~]\s?)?\d|^—$|^n\/a$/;

export function markdownTable(table: Table): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [
    `| ${table.columns.map(escapeCell).join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i > 0 && table.rows.every((row) => NUMERIC.test(row[i] ?? '')) ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return `${table.caption ? `${table.caption}\n\n` : ''}${lines.join('\n')}`;
}

function verdict(check: TargetCheck): string {
  return check.met === null ? 'not measured' : check.met ? '**met**' : '**not met**';
}

export function targetsTable(scenarios: readonly ScenarioReport[]): Table {
  return {
    columns: ['Scenario', 'Target', 'Measured', 'Verdict', 'Why / note'],
    rows: scenarios.flatMap((s) => s.targets.map((t) => [s.title, t.target, t.measured, verdict(t), t.note])),
  };
}

export function renderMarkdown(run: Run): string {
  const m = run.machine;
  const parts = [
    '# Partner Graph benchmarks',
    '',
    `Run ${run.date} (${run.durationS.toFixed(0)} s${run.settings.quick ? ', BENCH_QUICK smoke run' : ''}), commit ${m.commit}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}. ` +
      `Load average ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd.join(' / ')} at end (a shared, noisy machine: ` +
      'compare the ratios, which are measured side by side in one run, not the absolute figures).',
    '',
    `Method: every server runs in its own child process on 127.0.0.1 (sandbox, pass-through proxy, facade; NODE_ENV=production). ` +
      `Load scenarios warm each candidate up for ${run.settings.warmupMs / 1000} s, then run ${run.settings.rounds} interleaved rounds ` +
      `(A B C A B C …) of ${run.settings.windowMs / 1000} s closed-loop windows with ${run.settings.workers} concurrent keep-alive connections (scenario 1 at ${run.settings.overheadConnections.join(' and ')}, each variant beside the floors at its own count). ` +
      "req/s is the median over rounds; p50/p99 over every request of every round; CPU per request is the process's own " +
      "process.cpuUsage() over the windows divided by the requests answered; upstream calls come from the sandbox's call record.",
    '',
    '## Targets',
    '',
    markdownTable(targetsTable(run.scenarios)),
    '',
  ];
  for (const s of run.scenarios) {
    parts.push(`## ${s.title}`, '', s.about, '');
    if (!s.available) parts.push('**Not available in this build.**', '');
    for (const table of s.tables) parts.push(markdownTable(table), '');
    for (const note of s.notes) parts.push(`- ${note}`);
    if (s.notes.length > 0) parts.push('');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

export function renderText(run: Run): string {
  const lines: string[] = [];
  for (const s of run.scenarios) {
    lines.push('', `== ${s.title}${s.available ? '' : ' (not available)'}`);
    for (const table of s.tables) lines.push(textTable(table));
    for (const note of s.notes) lines.push(`  - ${note}`);
  }
  lines.push('', '== Targets', textTable(targetsTable(run.scenarios)));
  return lines.join('\n');
}

function textTable(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [...(table.caption ? [table.caption] : []), line(table.columns), ...table.rows.map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Writes latest.{json,md} into `dir` (git keeps the earlier runs); returns the paths written. */
export function writeRun(run: Run, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    [`${dir}/latest.json`, `${JSON.stringify(run, null, 2)}\n`],
    [`${dir}/latest.md`, renderMarkdown(run)],
  ];
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}
