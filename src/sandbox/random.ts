// Seeded randomness: mulberry32 streams, one per concern, so adding a field to one
// kind of record never shifts the values of another. Not for anything secret.

/** Returns numbers in [0, 1). */
export type Random = () => number;

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes integers (any safe integer, including negatives) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let hash = 0x9e3779b9;
  for (const part of parts) {
    hash = fmix32(hash ^ (part >>> 0));
    hash = fmix32(hash ^ Math.floor(part / 4294967296) ^ 0x85ebca6b);
  }
  return hash >>> 0;
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function randomInt(random: Random, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pick() needs a non-empty list');
  return item;
}

/** Picks by weight: `[['a', 3], ['b', 1]]` yields 'a' three times as often as 'b'. */
export function pickWeighted<T>(random: Random, weighted: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, weight] of weighted) total += weight;
  let roll = random() * total;
  for (const [item, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return item;
  }
  const last = weighted[weighted.length - 1];
  if (last === undefined) throw new RangeError('pickWeighted() needs a non-empty list');
  return last[0];
}

export function randomHex(random: Random, length: number): string {
  let out = '';
  while (out.length < length) {
    out += Math.floor(random() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  }
  return out.slice(0, length);
}

const ALPHANUMERIC_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALPHANUMERIC_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAlphanumeric(random: Random, length: number, upper = false): string {
  const alphabet = upper ? ALPHANUMERIC_UPPER : ALPHANUMERIC_LOWER;
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt(Math.floor(random() * alphabet.length));
  return out;
}
