import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/** No import cycle in src/, type-only imports included (docs/architecture.md, "Layers"). */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Relative imports and re-exports of `file`, as files of src/. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('src/ imports', () => {
  it('resolve to files of src/', () => {
    const files = sourceFiles(SRC);
    const known = new Set(files);
    const dangling = files.flatMap((file) => importsOf(file).filter((target) => !known.has(target)));
    expect(files.length).toBeGreaterThan(50);
    expect(dangling.map((file) => relative(SRC, file))).toEqual([]);
  });

  it('form no cycle', () => {
    const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file)]));
    expect(findCycles(graph).map((cycle) => cycle.map((file) => relative(SRC, file)))).toEqual([]);
  });

  it('are checked by a detector that sees a cycle of three', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
