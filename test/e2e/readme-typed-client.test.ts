import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../graphql/support/gateway.js';

/** A fenced block of README's "Typed clients" section, and the file it is when the text names one. */
interface Block {
  lang: string;
  text: string;
  /** The last `file.json` / `file.ts` named in the prose between the previous block and this one. */
  file: string | undefined;
}

/** README's "Typed clients" section, block by block, in the order a reader meets them. */
function recipeBlocks(readme: string): Block[] {
  const start = readme.indexOf('## Typed clients');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks: Block[] = [];
  let previousEnd = 0;
  for (const match of section.matchAll(/^ {3}```(\w+)\n([\s\S]*?)^ {3}```$/gm)) {
    const prose = section.slice(previousEnd, match.index);
    const named = [...prose.matchAll(/`([\w./-]+\.(?:json|ts))`:/g)].at(-1)?.[1];
    blocks.push({
      lang: match[1] ?? '',
      text: (match[2] ?? '').replace(/^ {3}/gm, ''),
      file: match[1] === 'sh' ? undefined : named,
    });
    previousEnd = (match.index ?? 0) + match[0].length;
  }
  return blocks;
}

/** The environment of a reader's shell: none of npm's lifecycle variables, nor vitest's NODE_ENV. */
function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|NODE_ENV$|NODE_OPTIONS$|VITEST|GATEWAY_|WECHAT_)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

interface Ran {
  code: number;
  output: string;
}

/** Runs one README shell block as `sh -e` would, bounded by `timeoutMs`; never rejects. */
function sh(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-ec', script],
      { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/**
 * README's typed-client project, as a reader follows it: an empty scratch directory under the OS's
 * temporary folder, the files the README shows, its install commands (a real install from the
 * registry, nothing borrowed from this repository), then its codegen, type-check and start commands
 * against a real gateway.
 */
describe("README's typed client", () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxgw-typed-client-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const blocks = recipeBlocks(readFileSync('README.md', 'utf8'));
  const files = blocks.filter((block) => block.lang !== 'sh');
  const [install, commands] = blocks.filter((block) => block.lang === 'sh');

  it('names a file for every code block and pins every package it installs', () => {
    expect(files.map((block) => block.file)).toEqual([
      'package.json',
      'tsconfig.json',
      'codegen.ts',
      'src/request.ts',
      'src/main.ts',
    ]);
    const specs = (install?.text ?? '')
      .split(/\s+/)
      .filter((word) => word !== '' && !['npm', 'install', '-D', '-E'].includes(word));
    expect(specs).toContain('@types/node@20.19.43');
    expect(specs.filter((spec) => !/^(@[\w-]+\/)?[\w.-]+@\d+\.\d+\.\d+$/.test(spec))).toEqual([]);
    expect(commands?.text.trim().split('\n')).toEqual(['npm run codegen', 'npm run typecheck', 'npm start']);
  });

  it('installs from the registry, generates, type-checks under strict NodeNext, and reads a token status', async () => {
    for (const block of files) {
      const path = join(dir, block.file ?? '');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, block.text);
    }
    // Step 2: "Copy schema/schema.graphql into schema/".
    mkdirSync(join(dir, 'schema'));
    copyFileSync('schema/schema.graphql', join(dir, 'schema/schema.graphql'));

    // What is installed is the README's; how: from npm's cache where it holds the pinned versions (no
    // revalidation round trips), without the audit and funding requests (two thirds of the step's time).
    const quiet = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const installed = await sh(install?.text ?? 'false', dir, shellEnv(quiet), 240_000);
    expect(installed.code, installed.output).toBe(0);
    // The packages the recipe pins accept the Node running it (CI runs Node 20 and Node 24).
    const pinned: string[] = (install?.text ?? '').match(/(@[\w-]+\/)?[\w.-]+(?=@\d)/g) ?? [];
    const badEngine = [...installed.output.matchAll(/package: '((?:@[\w-]+\/)?[\w.-]+)@/g)].map((m) => m[1]);
    expect(badEngine.filter((name) => pinned.includes(name ?? ''))).toEqual([]);
    // Its own install, not this repository's: the scratch directory has every tool itself.
    for (const bin of ['graphql-codegen', 'tsc', 'tsx'])
      expect(existsSync(join(dir, 'node_modules/.bin', bin))).toBe(true);

    const gw = await startTestGateway();
    try {
      const env = shellEnv({ WXGW_URL: gw.url, WXGW_APP_ID: gw.apps[0]?.appId ?? '' });
      const ran = await sh(commands?.text ?? 'false', dir, env, 120_000);
      expect(ran.code, ran.output).toBe(0);
      expect(readFileSync(join(dir, 'src/gql/graphql.ts'), 'utf8')).toContain('TokenStatusQuery');
      expect(ran.output).toMatch(new RegExp(`^${gw.apps[0]?.appId} (FRESH|MISSING) `, 'm'));
    } finally {
      await gw.close();
    }

    // Next to README's files, a wrong use of README's own document, which must fail the type-check: the
    // types are really there (the document is already generated, so no codegen runs again).
    const document = /graphql\(`[\s\S]*?`\)/.exec(
      files.find((block) => block.file === 'src/main.ts')?.text ?? '',
    )?.[0];
    expect(document).toBeDefined();
    writeFileSync(
      join(dir, 'src/wrong.ts'),
      `import { graphql } from './gql/index.js';\nimport { request } from './request.js';\nconst D = ${document};\nconst a = await request(D, { appId: 1 }, { url: '', apiKey: '' });\nconst n: number = a.data?.tokenStatus.state ?? 0;\nexport { n };\n`,
    );
    const env = shellEnv({});
    const checked = await sh('npm run typecheck', dir, env, 60_000);
    const errors = checked.output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.join('\n')).toMatch(/src\/wrong\.ts.*error TS2322/);
    // README's own files still compile cleanly.
    expect(errors.filter((line) => !line.includes('src/wrong.ts'))).toEqual([]);
  }, 420_000);
});
