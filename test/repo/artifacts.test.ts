import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, screenshotPath } from '../support/artifacts.js';
import { changedSince, workTreeChanges } from '../support/tracked-files-guard.js';

/** `npm test` leaves `git status` as it found it: artifacts go where git ignores them. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });

describe('test artifacts', () => {
  const artifacts = relative(ROOT, ARTIFACTS_DIR);

  it('go to a directory git ignores and that holds no tracked file', () => {
    expect(artifacts).toBe('test/artifacts');
    expect(git('check-ignore', '-q', join(artifacts, 'status-page.png')).status).toBe(0);
    expect(git('ls-files', artifacts).stdout).toBe('');
  });

  it('are screenshots only under npm run screenshots, never in an npm test run', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.screenshots).toMatch(/^SCREENSHOTS=1 vitest run test\/browser$/);
    expect(scripts.test).not.toContain('SCREENSHOTS');
    expect(screenshotPath('status-page.png')).toBeUndefined();
  });

  it('are not what the README and docs show: each picture is a tracked file outside test/', () => {
    const pages = ['README.md', ...git('ls-files', 'docs/*.md').stdout.split('\n').filter(Boolean)];
    const pictures = pages.flatMap((page) =>
      [...readFileSync(join(ROOT, page), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) =>
        relative(ROOT, join(ROOT, dirname(page), match[1] ?? '')),
      ),
    );
    expect(pictures).toContain('docs/images/status-page.png');
    expect(pictures.filter((path) => path.startsWith('test/'))).toEqual([]);
    expect(pictures.filter((path) => git('ls-files', '--error-unmatch', path).status !== 0)).toEqual([]);
  });

  it('the run guard (vitest globalSetup) sees a file a test adds where git would show it', () => {
    const before = workTreeChanges();
    expect(before).toBeDefined();
    const probe = join('test', 'repo', `.guard-probe-${process.pid}`);
    writeFileSync(join(ROOT, probe), 'x');
    try {
      expect(changedSince(before ?? new Map(), workTreeChanges() ?? new Map())).toEqual([probe]);
    } finally {
      rmSync(join(ROOT, probe), { force: true });
    }
    expect(changedSince(before ?? new Map(), workTreeChanges() ?? new Map())).toEqual([]);
  });
});
