import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const SECTIONS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

describe('CHANGELOG.md keeps the Keep a Changelog shape', async () => {
  const text = await readFile(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
  const releases = [...text.matchAll(/^## (.*)$/gm)].map(([, heading = '']) => heading);

  it('starts with [Unreleased], then releases as [x.y.z] - YYYY-MM-DD, newest first', () => {
    expect(releases[0]).toBe('[Unreleased]');
    const versions = releases.slice(1).map((heading) => {
      const match = /^\[(\d+)\.(\d+)\.(\d+)\](?: - \d{4}-\d{2}-\d{2})?$/.exec(heading);
      expect(match, heading).not.toBeNull();
      return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
    });
    const sorted = [...versions].sort(
      (a, b) => (b[0] ?? 0) - (a[0] ?? 0) || (b[1] ?? 0) - (a[1] ?? 0) || (b[2] ?? 0) - (a[2] ?? 0),
    );
    expect(versions).toEqual(sorted);
  });

  it('files every entry under one of its six sections, each section once per release', () => {
    for (const release of text.split(/^## /m).slice(1)) {
      const sections = [...release.matchAll(/^### (.*)$/gm)].map(([, name = '']) => name);
      expect(
        sections.filter((name) => !SECTIONS.includes(name)),
        release.split('\n')[0],
      ).toEqual([]);
      expect(new Set(sections).size, release.split('\n')[0]).toBe(sections.length);
      const beforeFirstSection = release.split(/^### /m)[0] ?? '';
      expect(beforeFirstSection.match(/^- /m), release.split('\n')[0]).toBeNull();
    }
    expect(text.split(/^## /m)[1]).toMatch(/^### (Added|Changed|Fixed)\n\n- /m);
  });
});
