// Reading V8's `--trace-gc-nvp` lines (one per collection, `name=value` pairs) for bench/gc.ts.
import { median } from './stats.ts';

export interface Collection {
  /** `s` a scavenge (young generation), `mc` a mark-compact (full), `ms` a minor mark-sweep. */
  kind: string;
  pauseMs: number;
  /** Bytes moved to the old generation. */
  promoted: number;
  /** Bytes of the young generation found alive (promoted ones included). */
  survived: number;
  /** Bytes allocated since the collection before. */
  allocated: number;
}

/** The collections traced in `text`; any other line (the facade's own log lines, a cut line) is skipped. */
export function collectionsIn(text: string): Collection[] {
  return text.split('\n').flatMap((line) => collectionOf(line) ?? []);
}

function collectionOf(line: string): Collection | null {
  const kind = /\bgc=(\w+)/.exec(line)?.[1];
  if (!kind || !/\bpause=/.test(line)) return null;
  const number = (name: string) => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(line)?.[1] ?? 0);
  return {
    kind,
    pauseMs: number('pause'),
    promoted: number('promoted'),
    survived: number('new_space_survived'),
    allocated: number('allocated'),
  };
}

const KIND_NAMES: Record<string, string> = { s: 'scavenge (young)', mc: 'mark-compact (full)', ms: 'minor mark-sweep' };
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** What the collections cost `requests` requests, a line per finding. */
export function gcSummary(collections: Collection[], requests: number): string[] {
  const lines: string[] = [];
  for (const kind of new Set(collections.map((c) => c.kind))) {
    const of = collections.filter((c) => c.kind === kind);
    const pauseUs = (of.reduce((sum, c) => sum + c.pauseMs, 0) * 1000) / requests;
    lines.push(
      `${KIND_NAMES[kind] ?? kind}: ${of.length} (one per ${(requests / of.length).toFixed(0)} requests), ` +
        `pauses ${pauseUs.toFixed(1)} µs per request`,
    );
    if (kind === 's' || kind === 'ms') {
      lines.push(
        `  each found alive ${kb(median(of.map((c) => c.survived)))} and promoted ${kb(median(of.map((c) => c.promoted)))} (medians); ` +
          `promoted per request ${kb(of.reduce((sum, c) => sum + c.promoted, 0) / requests)}`,
      );
    }
  }
  const allocated = collections.reduce((sum, c) => sum + c.allocated, 0);
  lines.push(`allocated between collections: ${kb(allocated / requests)} per request`);
  return lines;
}
