import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_TITLE } from '../../src/graphql/graphiql.js';
import { DEMO_APP } from '../../src/wechat/sandbox/demo-app.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { screenshotPath } from '../support/artifacts.js';
import { type Chromium, currentBrowserPlan, launchChromium } from './support/chromium.js';

/**
 * GraphiQL as a developer sees it on a closed network: the real gateway and sandbox on loopback, a
 * real Chromium that may reach nothing but the gateway, the default document run with the ▶ button.
 */

const plan = currentBrowserPlan();
if (!plan.run && !plan.fail) {
  const line = '!'.repeat(plan.reason.length + 4);
  console.warn(`\n${line}\n! ${plan.reason} !\n${line}\n`);
}

/** Blob URLs (GraphiQL's editor workers) carry the origin that created them; data: URLs go nowhere. */
function requestOrigin(url: string): string | undefined {
  if (url.startsWith('data:')) return undefined;
  return new URL(url.startsWith('blob:') ? url.slice('blob:'.length) : url).origin;
}

/** Monaco draws spaces as no-break spaces; compare text as a reader would. */
async function visibleText(page: Page, selector: string): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it, is under test
  return (await page.locator(selector).innerText()).replace(/\u00a0/g, ' ').replace(/\s+/g, ' ');
}

describe.skipIf(!plan.run && !plan.fail)('GraphiQL in Chromium', () => {
  let stack: TestGateway;
  let browser: Chromium;
  let page: Page;
  let gatewayOrigin: string;
  const requests: string[] = [];
  const problems: string[] = [];
  /** Content-Encoding and Cache-Control of each response from the gateway, by URL. */
  const served = new Map<string, { encoding: string | undefined; cache: string | undefined }>();

  beforeAll(async () => {
    if (!plan.run) throw new Error(plan.reason);
    // The demo app of `npm run dev`, so the page shows what the README promises.
    stack = await startTestGateway({
      sandbox: { apps: [DEMO_APP] },
      apps: () => [{ ...DEMO_APP, tokenMode: 'stable' }],
      manager: { backgroundRefresh: true },
    });
    // As `npm run dev` does: start renewing, and by the time a developer opens the page the token is there.
    stack.manager.start();
    await stack.manager.getToken(DEMO_APP.appId);
    gatewayOrigin = new URL(stack.url).origin;
    browser = await launchChromium();
    // A closed network: anything but the gateway is refused, so a CDN dependency breaks the page.
    await browser.context.route('**/*', (route) =>
      requestOrigin(route.request().url()) === gatewayOrigin
        ? route.continue()
        : route.abort('blockedbyclient'),
    );
    browser.context.on('request', (request: Request) => requests.push(request.url()));
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // No console error is expected from GraphiQL as served: none is ignored.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      const headers = response.headers();
      served.set(response.url(), { encoding: headers['content-encoding'], cache: headers['cache-control'] });
    });
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`),
    );
  });

  afterAll(async () => {
    const path = screenshotPath('graphiql.png');
    if (page && path) await page.screenshot({ path });
    await browser?.close();
    await stack?.close();
  });

  it('renders GraphiQL with the default document in its editor', async () => {
    const response = await page.goto(stack.url);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe(GRAPHIQL_TITLE);
    const editor = page.locator('.graphiql-query-editor');
    await editor.waitFor({ state: 'visible' });
    await expect.poll(() => visibleText(page, '.graphiql-query-editor')).toContain('query TokenStatus {');
    expect(await page.locator('.graphiql-execute-button').isVisible()).toBe(true);
  });

  it('runs the TokenStatus operation from the ▶ button and shows its data', async () => {
    const answered = page.waitForResponse(
      (response) =>
        response.url() === stack.url && (response.request().postData() ?? '').includes('"TokenStatus"'),
    );
    await page.locator('.graphiql-execute-button').click();
    // The default document holds a query and a mutation, so GraphiQL asks which one to run.
    await page.locator('.graphiql-dropdown-item', { hasText: 'TokenStatus' }).click();

    const body = await (await answered).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.tokenStatus).toMatchObject({ appId: DEMO_APP.appId, state: 'FRESH' });

    await expect
      .poll(() => visibleText(page, '.graphiql-response'))
      .toContain(`"appId": "${DEMO_APP.appId}"`);
    const shown = await visibleText(page, '.graphiql-response');
    expect(shown).toContain('"data": {');
    expect(shown).toContain('"state": "FRESH"');
    expect(shown).toContain(`"name": "${DEMO_APP.name}"`);
  });

  it('opens with the docs pane showing the schema description of this API, as the README says', async () => {
    // Nothing was clicked to open it: the page starts with it (README: "The docs pane opens…").
    await expect
      .poll(() => visibleText(page, '.graphiql-doc-explorer'))
      .toContain('wxtoken-gateway owns the WeChat Official Account access_tokens');
    expect(await page.locator('button[aria-label="Hide Documentation Explorer"]').count()).toBe(1);
  });

  it('loaded its scripts, styles and workers compressed from hashed, immutable URLs', async () => {
    const paths = () =>
      [...served.keys()].map((url) => new URL(url).pathname).filter((path) => path.startsWith('/graphiql/'));
    expect(paths().some((path) => /^\/graphiql\/app\.[0-9a-f]{12}\.js$/.test(path))).toBe(true);
    // The editor starts its language worker on its own time, sometimes after the earlier tests.
    await expect
      .poll(() => paths().some((path) => /^\/graphiql\/graphql\.worker\.[0-9a-f]{12}\.js$/.test(path)), {
        timeout: 5000,
      })
      .toBe(true);
    const assets = [...served.entries()].filter(([url]) => new URL(url).pathname.startsWith('/graphiql/'));
    for (const [url, { encoding, cache }] of assets) {
      expect(cache, url).toBe('public, max-age=31536000, immutable');
      // Chromium offers brotli over HTTPS only: gzip here.
      if (!url.endsWith('.ico')) expect(['br', 'gzip'], url).toContain(encoding);
    }
    expect(served.get(stack.url)?.cache).toBe('no-store');
  });

  // Before the test with a second gateway, whose origin is another.
  it('asked nothing of any host but the gateway and logged no error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => ![undefined, gatewayOrigin].includes(requestOrigin(url)))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('with API keys configured, opens the Headers tab pre-filled with x-api-key', async () => {
    const keyed = await startTestGateway({
      sandbox: { apps: [DEMO_APP] },
      apps: () => [{ ...DEMO_APP, tokenMode: 'stable' }],
      env: { GATEWAY_API_KEYS: 'browser-key-0123456789abcdef:token:read' },
    });
    const other = await browser.context.newPage();
    try {
      await browser.context.route(`${new URL(keyed.url).origin}/**`, (route) => route.continue());
      await other.goto(keyed.url);
      await other.locator('.graphiql-query-editor').waitFor({ state: 'visible' });
      await expect
        .poll(() => visibleText(other, '.graphiql-query-editor'))
        .toContain('put yours in the Headers tab');
      await expect.poll(() => visibleText(other, '.graphiql-editor-tool')).toContain('"x-api-key": ""');
    } finally {
      await other.close();
      await keyed.close();
    }
  });
});
