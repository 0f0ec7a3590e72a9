import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { TestProject } from 'vitest/node';
import { sourceFiles } from './source-files.js';

/**
 * src/ compiled to JavaScript (one .js per .ts, as `npm run build`), once per test run (this file is a
 * global setup), with the test scripts that run as child processes, for the tests that start real
 * processes: `node main.js` is what `npm start` and the image run, and it starts in half the CPU time
 * of the same entry under tsx. Transpiled file by file (types are `npm run typecheck`'s job), into a directory under
 * node_modules/.cache so the packages resolve; removed when the run ends, or by the next run when this
 * one was killed.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    builtEntryDir: string;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache');
const PREFIX = 'wxgw-built-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories a killed run left: their run's process is gone. */
function removeLeftovers(): void {
  let names: string[];
  try {
    names = readdirSync(CACHE);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^wxgw-built-(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(join(CACHE, name), { recursive: true, force: true });
  }
}

/** Test scripts that run as child processes; the files they import under test/ are built with them. */
const CHILD_SCRIPTS = ['test/support/replica-child.ts', 'test/ops/support/log-then-exit.ts'];

function transpile(file: string, out: string): string {
  const text = readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(text, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      verbatimModuleSyntax: true,
    },
    fileName: file,
  });
  const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
  return text;
}

function build(out: string): void {
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    // A declaration (types for an untyped package) compiles to nothing, as in `npm run build`.
    if (!file.endsWith('.d.ts')) transpile(file, out);
  }
  const pending = CHILD_SCRIPTS.map((path) => join(ROOT, path));
  const done = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const text = transpile(file, out);
    for (const [, path] of text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      const imported = join(dirname(file), `${path}.ts`);
      if (relative(ROOT, imported).startsWith('test')) pending.push(imported);
    }
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
}

export default function setup(project: TestProject) {
  removeLeftovers();
  const out = join(CACHE, `${PREFIX}${process.pid}-${Date.now()}`);
  build(out);
  project.provide('builtEntryDir', out);
  return () => rmSync(out, { recursive: true, force: true });
}
