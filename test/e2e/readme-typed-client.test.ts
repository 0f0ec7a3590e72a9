import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../graphql/support/gateway.js';

const run = promisify(execFile);
const repo = resolve('.');

/** The files README's "Typed clients" section shows, in the order it shows them. */
function readmeFiles(): Record<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('## Typed clients');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/^ {3}```(\w+)\n([\s\S]*?)^ {3}```$/gm)].map((match) =>
    (match[2] ?? '').replace(/^ {3}/gm, ''),
  );
  const names = ['package.json', 'tsconfig.json', 'codegen.ts', 'src/request.ts', 'src/main.ts'];
  expect(blocks).toHaveLength(names.length);
  return Object.fromEntries(names.map((name, i) => [name, blocks[i] ?? '']));
}

/**
 * README's typed-client project, built as a reader would: a scratch ESM project with exactly those
 * files and this repository's schema (node_modules linked from here, so nothing is downloaded), then
 * codegen, a strict type-check, and a run against a real gateway.
 */
describe("README's typed client", () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxgw-typed-client-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates, type-checks under strict NodeNext, and reads a token status from a gateway', async () => {
    for (const [name, text] of Object.entries(readmeFiles())) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    mkdirSync(join(dir, 'schema'));
    copyFileSync('schema/schema.graphql', join(dir, 'schema/schema.graphql'));
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const bin = (name: string) => join(dir, 'node_modules/.bin', name);

    // Next to README's files, a wrong use, which must fail the build: the types are really there.
    writeFileSync(
      join(dir, 'src/wrong.ts'),
      "import { graphql } from './gql/index.js';\nimport { request } from './request.js';\nconst D = graphql(`\n  query Wrong($appId: ID) {\n    tokenStatus(appId: $appId) {\n      state\n    }\n  }\n`);\nconst a = await request(D, { appId: 1 }, { url: '', apiKey: '' });\nconst n: number = a.data?.tokenStatus.state ?? 0;\nexport { n };\n",
    );
    await run(bin('graphql-codegen'), ['--config', 'codegen.ts'], { cwd: dir, timeout: 60_000 });
    expect(readFileSync(join(dir, 'src/gql/graphql.ts'), 'utf8')).toContain('TokenStatusQuery');
    const output = await run(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: dir, timeout: 60_000 }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.join('\n')).toMatch(/^src\/wrong\.ts.*error TS2322/m);
    // README's own files compile cleanly.
    expect(errors.filter((line) => !line.startsWith('src/wrong.ts'))).toEqual([]);

    const gw = await startTestGateway();
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: dir,
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', GATEWAY_URL: gw.url, WECHAT_APP_ID: gw.apps[0]?.appId ?? '' },
      });
      expect(stdout.trim()).toMatch(new RegExp(`^${gw.apps[0]?.appId} (FRESH|MISSING) `));
    } finally {
      await gw.close();
    }
  }, 180_000);
});
