import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_PAGE_TITLE } from '../../src/status/render-status-page.js';
import { DEMO_APP } from '../../src/wechat/sandbox/demo-app.js';
import { screenshotPath } from '../support/artifacts.js';
import { freePort } from '../support/free-port.js';
import { type Chromium, currentBrowserPlan, launchChromium } from './support/chromium.js';

/**
 * The status page as an operator sees it: `npm run dev` as a child process (embedded sandbox, demo
 * app), a real Chromium that may reach nothing but the gateway, and a forced refresh made elsewhere
 * (a GraphQL call from this test) that must appear on the open page without a reload.
 */

const plan = currentBrowserPlan();
if (!plan.run && !plan.fail) {
  const line = '!'.repeat(plan.reason.length + 4);
  console.warn(`\n${line}\n! ${plan.reason} !\n${line}\n`);
}

/** A fresh clone's environment: none of the gateway's settings (nor vitest's NODE_ENV=test). */
function freshEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_ENV|WECHAT_|REDIS_|GATEWAY_|GRAPHIQL|STATUS_PAGE|PORT|HOST|LOG_LEVEL|VITEST)/.test(key))
      env[key] = value;
  }
  return { ...env, PORT: String(port) };
}

function requestOrigin(url: string): string | undefined {
  if (url.startsWith('data:')) return undefined;
  return new URL(url).origin;
}

async function fieldText(page: Page, field: string): Promise<string> {
  return (
    (await page
      .locator(`section[data-app-id="${DEMO_APP.appId}"] [data-field="${field}"]`)
      .first()
      .textContent()) ?? ''
  );
}

describe.skipIf(!plan.run && !plan.fail)('the status page in Chromium, against npm run dev', () => {
  let dev: ChildProcess;
  let output = '';
  let origin: string;
  let browser: Chromium;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!plan.run) throw new Error(plan.reason);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // Its own process group, so the npm → tsx → node chain is stopped as one.
    dev = spawn('npm', ['run', 'dev'], {
      env: freshEnv(port),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    dev.stdout?.on('data', (d) => {
      output += d;
    });
    dev.stderr?.on('data', (d) => {
      output += d;
    });
    const until = Date.now() + 30_000;
    while (!output.includes(`GraphiQL: ${origin}/graphql`)) {
      if (Date.now() > until || dev.exitCode !== null)
        throw new Error(`npm run dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    browser = await launchChromium();
    await browser.context.route('**/*', (route) =>
      requestOrigin(route.request().url()) === origin ? route.continue() : route.abort('blockedbyclient'),
    );
    browser.context.on('request', (request: Request) => requests.push(request.url()));
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
  }, 60_000);

  afterAll(async () => {
    const path = screenshotPath('status-page.png');
    if (page && path) await page.screenshot({ path, fullPage: true });
    await browser?.close();
    if (dev?.pid && dev.exitCode === null) {
      const exited = once(dev, 'exit');
      process.kill(-dev.pid, 'SIGTERM');
      await exited;
    }
  });

  it('shows the demo app’s token state', async () => {
    const response = await page.goto(`${origin}/status`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe(STATUS_PAGE_TITLE);
    const card = page.locator(`section[data-app-id="${DEMO_APP.appId}"]`);
    await card.waitFor({ state: 'visible' });
    await expect.poll(() => fieldText(page, 'state')).toBe('FRESH');
    expect(await card.locator('h2').textContent()).toContain(DEMO_APP.name);
    expect(await card.textContent()).toContain(DEMO_APP.appId);
    expect(await fieldText(page, 'fetch-lock')).toContain('free');
    expect(await fieldText(page, 'time-left')).toMatch(/left of 2h 0m$/);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
  });

  it('shows a forced refresh made elsewhere within a second, without a reload', async () => {
    const before = await fieldText(page, 'fingerprint');
    expect(before).toMatch(/^[0-9a-f]{12}$/);
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const answer = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { refreshToken(force: true) { state } }' }),
    });
    expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();
    // From the moment the refresh is done (the new token is stored before the answer is sent).
    const started = performance.now();
    await expect.poll(() => fieldText(page, 'fingerprint'), { timeout: 1000, interval: 20 }).not.toBe(before);
    console.info(`status page showed the forced refresh after ${Math.round(performance.now() - started)} ms`);
    expect(navigations).toBe(0);
  });

  it('asked nothing of any host but the gateway and logged no error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => ![undefined, origin].includes(requestOrigin(url)))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
