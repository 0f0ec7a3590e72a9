import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from './source-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * src/ compiled to JavaScript as `npm run build` lays it out (one .js per .ts), in a directory under
 * node_modules/.cache so the packages resolve. Transpiled file by file (types are `npm run typecheck`'s
 * job), which takes a second instead of a full build's half minute. Returns the path of `main.js`
 * and a function that removes the directory.
 */
export function buildEntry(): { main: string; remove(): void } {
  const out = join(ROOT, 'node_modules', '.cache', `wxgw-built-${process.pid}-${Date.now()}`);
  const src = join(ROOT, 'src');
  for (const file of sourceFiles(src)) {
    // A declaration (types for an untyped package) compiles to nothing, as in `npm run build`.
    if (file.endsWith('.d.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  return { main: join(out, 'main.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}
