import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * The project's rule (CONTRIBUTING.md): no file in src/ over 400 lines; one that grows past it is split
 * by concern. Lines as an editor counts them: a final newline ends the last line, it starts none.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const MAX_LINES = 400;

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** `relative path: lines` of every file over the limit. */
function tooLong(files: readonly { path: string; text: string }[]): string[] {
  return files
    .map(({ path, text }) => ({ path, lines: lineCount(text) }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ path, lines }) => `${path}: ${lines}`);
}

describe(`files of src/`, () => {
  it(`have at most ${MAX_LINES} lines each`, () => {
    const files = sourceFiles(SRC).map((path) => ({
      path: relative(SRC, path),
      text: readFileSync(path, 'utf8'),
    }));
    expect(files.length).toBeGreaterThan(50);
    expect(tooLong(files)).toEqual([]);
  });

  it('are checked by a rule that sees a file one line over, and counts lines as an editor does', () => {
    const lines = (n: number) => 'x\n'.repeat(n);
    expect(
      tooLong([
        { path: 'at-limit.ts', text: lines(MAX_LINES) },
        { path: 'over.ts', text: lines(MAX_LINES + 1) },
        { path: 'no-final-newline.ts', text: lines(MAX_LINES).slice(0, -1) },
      ]),
    ).toEqual([`over.ts: ${MAX_LINES + 1}`]);
    expect(lineCount('')).toBe(0);
    expect(lineCount('a')).toBe(1);
    expect(lineCount('a\nb\n')).toBe(2);
  });
});
