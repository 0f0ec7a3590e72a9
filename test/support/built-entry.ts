import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * The built JavaScript of a TypeScript file, e.g. `builtEntry('src/main.ts')` (what `npm start` runs),
 * from what the global setup `built-entry-setup.ts` transpiled for this run: src/ and the test
 * scripts that run as child processes.
 */
export function builtEntry(path: string): string {
  return join(inject('builtEntryDir'), path.replace(/\.ts$/, '.js'));
}
