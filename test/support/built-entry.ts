import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * The built file of an entry under src/, e.g. `builtEntry('main.js')`: what `npm start` runs, from the
 * copy of src/ the global setup `built-entry-setup.ts` transpiled for this run.
 */
export function builtEntry(file: string): string {
  return join(inject('builtEntryDir'), file);
}
