import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where tests leave files for people to look at (screenshots): ignored by git, so a test run never
 * changes a tracked file. The pictures the docs show are copies under docs/images/, which no test writes.
 * Screenshots are taken only when asked (`npm run screenshots`), not by every test run.
 */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** The path of one artifact; creates the directory, which a fresh clone does not have. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/** Set by `npm run screenshots`: the browser tests keep pictures of the pages they drive. */
const SCREENSHOTS = process.env.SCREENSHOTS === '1';

/** Where to keep the screenshot `name` when screenshots were asked for; undefined otherwise. */
export function screenshotPath(name: string): string | undefined {
  return SCREENSHOTS ? artifactPath(name) : undefined;
}
