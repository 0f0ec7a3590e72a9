import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';

/**
 * vitest.config.ts runs test files without isolation (`isolate: false`): files run one after another in a
 * worker share its module registry. A module replaced with vi.mock would then hold only in a file that
 * happens to import it first, so no test replaces a module: tests watch what the gateway exposes
 * (metrics, events, the sandbox's counters) instead.
 */
it('no test file replaces a module (vi.mock, vi.doMock)', () => {
  const mocking = sourceFiles('test')
    .filter((path) => path.endsWith('.ts') && path !== 'test/repo/test-isolation.test.ts')
    .filter((path) => /\bvi\.(do)?[mM]ock\(/.test(readFileSync(path, 'utf8')));
  expect(mocking).toEqual([]);
});
