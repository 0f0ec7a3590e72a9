import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's `chromium` package, which .ci/run installs; no browser is ever downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless Chromium that stays off the network by itself: without the background-networking,
 * component-update and sync switches it dials Google services at start, which a closed network
 * refuses (and which would pollute the list of requests the tests check).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type BrowserPlan = { run: true } | { run: false; fail: boolean; reason: string };

/** CI must prove the page in a browser; a developer without Chromium gets a loud skip instead. */
export function browserPlan(chromiumInstalled: boolean, env: NodeJS.ProcessEnv): BrowserPlan {
  if (chromiumInstalled) return { run: true };
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return {
    run: false,
    fail: ci,
    reason: ci
      ? `CI is set but ${CHROMIUM_PATH} is missing: .ci/run installs it (apt-get install chromium).`
      : `${CHROMIUM_PATH} is missing: browser tests SKIPPED. Install it with \`apt-get install chromium\` to run them.`,
  };
}

export function currentBrowserPlan(): BrowserPlan {
  return browserPlan(existsSync(CHROMIUM_PATH), process.env);
}

export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** One browser with a fresh profile, so no state (cache, GraphiQL's saved tabs) leaks between runs. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'wxgw-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
