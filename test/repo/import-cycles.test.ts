import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * No import cycle in src/, type-only imports included, and no import upwards across the layers that
 * docs/architecture.md lists ("Layers"): the page is the map a newcomer reads, so it must be true.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ARCHITECTURE = fileURLToPath(new URL('../../docs/architecture.md', import.meta.url));

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

/**
 * The layers of docs/architecture.md, top first: each line of the block under "## Layers" names its
 * members (`dir/` or a file of src/) before two or more spaces and a description.
 */
function documentedLayers(markdown: string): string[][] {
  const section = markdown.split('## Layers')[1]?.split('\n## ')[0] ?? '';
  const block = section.split('```')[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.split(/\s{2,}/)[0]?.trim() ?? '')
    .filter((names) => names.length > 0)
    .map((names) => names.split(' '));
}

/** The layer member a file of src/ belongs to: its top folder (`dir/`) or its own name. */
function memberOf(file: string): string {
  const [top, ...rest] = relative(SRC, file).split('/');
  return rest.length > 0 ? `${top}/` : (top ?? '');
}

/** Imports that reach a layer above their own, as `from -> to` of layer members. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>, layers: string[][]): string[] {
  const level = new Map(
    layers.flatMap((members, index) => members.map((member) => [member, index] as const)),
  );
  const upward = new Set<string>();
  for (const [file, targets] of graph) {
    const from = memberOf(file);
    for (const target of targets) {
      const to = memberOf(target);
      if ((level.get(to) ?? -1) < (level.get(from) ?? -1)) upward.add(`${from} -> ${to}`);
    }
  }
  return [...upward].sort();
}

describe('the layers of docs/architecture.md', () => {
  const layers = documentedLayers(readFileSync(ARCHITECTURE, 'utf8'));

  it('name every folder and top-level file of src/, once', () => {
    const members = sourceFiles(SRC).map(memberOf);
    expect([...new Set(members)].sort()).toEqual(layers.flat().sort());
  });

  it('are never imported upwards', () => {
    const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file)]));
    expect(upwardImports(graph, layers)).toEqual([]);
  });

  it('are checked by a rule that sees an upward import', () => {
    const graph = new Map([[`${SRC}wechat/client.ts`, [`${SRC}server.ts`]]]);
    expect(upwardImports(graph, [['server.ts'], ['wechat/']])).toEqual(['wechat/ -> server.ts']);
  });
});

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
