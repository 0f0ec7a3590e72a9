import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * A test run must leave the work tree as it found it (`git status` clean after `npm test`): this
 * global setup notes every changed tracked file (with its content's hash) and every untracked file
 * git does not ignore, and fails the run if a test added to either. Off in watch mode, where people
 * edit files while tests run, and outside a git work tree (an unpacked tarball).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function git(args: string[], input?: string): string | undefined {
  const result = spawnSync('git', args, { cwd: ROOT, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return result.status === 0 ? result.stdout : undefined;
}

/** Path → hash of the content, for each tracked file changed and each untracked file not ignored. */
export function workTreeChanges(): Map<string, string> | undefined {
  const changed = git(['ls-files', '-z', '--modified', '--deleted', '--others', '--exclude-standard']);
  if (changed === undefined) return undefined;
  const paths = [...new Set(changed.split('\0').filter(Boolean))];
  const present = paths.filter((path) => existsSync(join(ROOT, path)));
  const hashes =
    present.length === 0
      ? []
      : (git(['hash-object', '--no-filters', '--stdin-paths'], present.join('\n')) ?? '').split('\n');
  const state = new Map(paths.map((path) => [path, 'deleted']));
  for (const [i, path] of present.entries()) state.set(path, hashes[i] ?? 'unreadable');
  return state;
}

/** The paths whose state differs between two snapshots. */
export function changedSince(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

export default function setup(project: TestProject) {
  if (project.config.watch) return;
  const before = workTreeChanges();
  if (!before) return;
  return () => {
    const after = workTreeChanges();
    if (!after) return;
    const changed = changedSince(before, after);
    if (changed.length === 0) return;
    // Vitest reports an error thrown here but still exits 0: set the exit code as well.
    process.exitCode = 1;
    throw new Error(
      `The test run changed files git tracks or does not ignore: ${changed.join(', ')}. Tests write under os.tmpdir() or test/artifacts/ (test/support/artifacts.ts).`,
    );
  };
}
