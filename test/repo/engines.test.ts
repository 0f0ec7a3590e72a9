import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every package production installs (package-lock.json, dev-only ones aside) runs on both Nodes the
 * gateway supports: npm warns EBADENGINE otherwise, and a package that says it needs Node 22 may
 * mean it. CONTRIBUTING.md ("Node versions") explains the dev-only warnings that remain.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUPPORTED = ['20.19.0', '24.0.0'];

type Version = [number, number, number];

/** `20`, `20.19`, `10.x` and `1.2.3` alike; the parts left out (or `x`) are undefined. */
function parts(text: string): (number | undefined)[] {
  return text
    .replace(/^v/, '')
    .split('.')
    .slice(0, 3)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : undefined));
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether `version` satisfies one comparator (`>=16`, `^20.19.0`, `~1.2`, `20`, `*`): npm's rules for plain versions. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*(.*)$/.exec(comparator.trim());
  const operator = match?.[1] ?? '';
  const text = match?.[2] ?? '';
  if (text === '*' || text === '' || text === 'x') return true;
  const given = parts(text);
  const low = given.map((n) => n ?? 0) as Version;
  const known = given.indexOf(undefined);
  const precision = known === -1 ? given.length : known;
  const cmp = compare(version, low);
  switch (operator) {
    case '>=':
      return cmp >= 0;
    case '>':
      return prefixCompare(version, low, precision) > 0;
    case '<':
      return cmp < 0;
    case '<=':
      return prefixCompare(version, low, precision) <= 0;
    case '^': {
      const major = low[0] !== 0 ? 0 : low[1] !== 0 ? 1 : 2;
      return cmp >= 0 && prefixEqual(version, low, major + 1);
    }
    case '~':
      return cmp >= 0 && prefixEqual(version, low, Math.min(Math.max(precision, 1), 2));
    default:
      return prefixEqual(version, low, precision);
  }
}

function prefixEqual(a: Version, b: Version, length: number): boolean {
  return prefixCompare(a, b, length) === 0;
}

/** Compares the first `length` parts only (`>1.2` means above every 1.2.x). */
function prefixCompare(a: Version, b: Version, length: number): number {
  const cut = (v: Version): Version => [0, 1, 2].map((i) => (i < length ? v[i] : 0)) as Version;
  return compare(cut(a), cut(b));
}

/** npm's range grammar for engines: `||` of space-separated comparators. */
function nodeSatisfies(version: string, range: string): boolean {
  const v = parts(version).map((n) => n ?? 0) as Version;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => satisfiesComparator(v, comparator)),
  );
}

describe('nodeSatisfies', () => {
  it.each([
    ['20.19.0', '>=16.0.0', true],
    ['20.19.0', '>= 0.4', true],
    ['20.19.0', '>=22.15.0', false],
    ['24.0.0', '>=22.15.0', true],
    ['20.19.0', '^20.19.0 || ^24.0.0', true],
    ['22.0.0', '^20.19.0 || ^24.0.0', false],
    ['20.19.0', '20 || >=22', true],
    ['21.0.0', '20 || >=22', false],
    ['20.19.0', '>=20.18.1', true],
    ['20.17.0', '>=20.18.1', false],
    ['20.19.0', '>= 10.x', true],
    ['20.19.0', '^16 || ^18 || >=20', true],
    ['20.19.0', '*', true],
    ['20.19.0', '>=18 <20', false],
    ['20.19.0', '~20.19.0', true],
    ['20.20.0', '~20.19.0', false],
    ['20.19.0', '>20', false],
    ['21.0.0', '>20', true],
    ['20.19.0', '<=20', true],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(nodeSatisfies(version, range)).toBe(expected);
  });
});

describe('production dependencies', () => {
  it('all accept Node 20.19 and Node 24 (no EBADENGINE for what production installs)', () => {
    const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
      packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
    };
    const refused: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range === undefined) continue;
      checked++;
      for (const node of SUPPORTED) {
        if (!nodeSatisfies(node, range))
          refused.push(`${path}@${entry.version} needs node ${range}, not ${node}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(refused).toEqual([]);
  });
});
