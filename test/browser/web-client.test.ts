import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsSdkSignature } from '../../src/jssdk/signature.js';
import { builtEntry } from '../support/built-entry.js';
import { freePort } from '../support/free-port.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type Chromium, currentBrowserPlan, launchChromium } from './support/chromium.js';

/**
 * examples/web-client as a frontend team ships it: type-checked, built by Vite with a published
 * jssdk:sign key, served from its own origin, calling a real gateway process (`npm run dev` style, its
 * WeChat the sandbox) across origins in Chromium. The same build on an origin the gateway does not
 * list is refused.
 */

const plan = currentBrowserPlan();
const EXAMPLE = join(import.meta.dirname, '../../examples/web-client');
const PAGE_KEY = 'page-key-published-0123456789';
const SERVER_KEY = 'server-key-0123456789abcdef';

async function text(page: Page, id: string): Promise<string> {
  return (await page.locator(`#${id}`).textContent())?.trim() ?? '';
}

describe.skipIf(!plan.run && !plan.fail)('examples/web-client in Chromium against a gateway process', () => {
  let sandbox: TestSandbox;
  let gateway: ChildProcess;
  let output = '';
  let gatewayUrl = '';
  let workDir = '';
  const servers: PreviewServer[] = [];
  let browser: Chromium;
  let pageOrigin = '';
  let otherOrigin = '';

  beforeAll(async () => {
    if (!plan.run) throw new Error(plan.reason);
    const typecheck = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', join(EXAMPLE, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    expect(typecheck.status, typecheck.stdout + typecheck.stderr).toBe(0);

    sandbox = await startSandbox();
    workDir = await mkdtemp(join(tmpdir(), 'wxgw-web-client-'));
    const appsFile = join(workDir, 'apps.json');
    const [gatewayPort, pagePort, otherPort] = [await freePort(), await freePort(), await freePort()];
    // The page's own port: a JS-SDK domain without one allows the scheme's default port only.
    await writeFile(
      appsFile,
      JSON.stringify([{ ...sandbox.app, name: 'Shop', jsSdkDomains: [`127.0.0.1:${pagePort}`] }]),
    );
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    otherOrigin = `http://127.0.0.1:${otherPort}`;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;

    gateway = spawn(process.execPath, [builtEntry('src/main.ts')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: String(gatewayPort),
        WECHAT_APPS_FILE: appsFile,
        WECHAT_API_BASE: sandbox.url,
        GATEWAY_API_KEYS: `${PAGE_KEY}:jssdk:sign:${sandbox.app.appId},${SERVER_KEY}:token:refresh`,
        GATEWAY_CORS_ORIGINS: pageOrigin,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout?.on('data', (d) => {
      output += d;
    });
    gateway.stderr?.on('data', (d) => {
      output += d;
    });
    const until = Date.now() + 20_000;
    while (!output.includes('listening on')) {
      if (Date.now() > until || gateway.exitCode !== null)
        throw new Error(`gateway did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const outDir = join(workDir, 'dist');
    await build({
      configFile: join(EXAMPLE, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
      define: {
        'import.meta.env.VITE_GATEWAY_URL': JSON.stringify(gatewayUrl),
        'import.meta.env.VITE_GATEWAY_KEY': JSON.stringify(PAGE_KEY),
        'import.meta.env.VITE_APP_ID': JSON.stringify(sandbox.app.appId),
      },
    });
    for (const port of [pagePort, otherPort]) {
      servers.push(
        await preview({
          configFile: join(EXAMPLE, 'vite.config.ts'),
          logLevel: 'warn',
          build: { outDir },
          preview: { host: '127.0.0.1', port, strictPort: true },
        }),
      );
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((r) => gateway.once('exit', r));
    }
    await sandbox?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('signs its own URL, shows the token state, and re-reads it on refresh', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${pageOrigin}/?campaign=spring#section-2`);
    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'FRESH', null, {
      timeout: 15_000,
    });
    expect(await text(page, 'error')).toBe('');

    const signed = {
      appId: await text(page, 'appId'),
      timestamp: Number(await text(page, 'timestamp')),
      nonceStr: await text(page, 'nonceStr'),
      signature: await text(page, 'signature'),
      url: await text(page, 'url'),
    };
    expect(signed.appId).toBe(sandbox.app.appId);
    expect(signed.url).toBe(`${pageOrigin}/?campaign=spring`);
    const tickets = sandbox.direct.validTickets(sandbox.app.appId, 'jsapi');
    expect(tickets).toHaveLength(1);
    expect(signed.signature).toBe(jsSdkSignature({ jsapiTicket: tickets[0] as string, ...signed }));
    const html = await page.content();
    expect(html).not.toContain(tickets[0] as string);

    const before = await text(page, 'obtainedAt');
    expect(Date.parse(before)).toBeGreaterThan(0);
    // Elsewhere, a server holding token:refresh forces a new token; the page's key cannot.
    const forced = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVER_KEY}` },
      body: JSON.stringify({ query: 'mutation { refreshToken(force: true) { obtainedAt } }' }),
    }).then((r) => r.json());
    expect(forced.errors).toBeUndefined();
    await page.click('#refresh');
    await page.waitForFunction(
      (old) => {
        const shown = document.getElementById('obtainedAt')?.textContent;
        return Boolean(shown) && shown !== old;
      },
      before,
      { timeout: 10_000 },
    );
    expect(await text(page, 'obtainedAt')).toBe(forced.data.refreshToken.obtainedAt);
    expect(await text(page, 'state')).toBe('FRESH');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is refused when served from an origin the gateway does not list', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${otherOrigin}/`);
    await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? '') !== '', null, {
      timeout: 15_000,
    });
    expect(await text(page, 'error')).toMatch(/could not be reached or refused/);
    expect(await text(page, 'signature')).toBe('…');
    expect(await text(page, 'state')).toBe('…');
    // The gateway says why to anyone who asks without a browser in the way.
    const direct = await fetch(gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: otherOrigin, 'access-control-request-method': 'POST' },
    });
    expect(direct.status).toBe(403);
    expect((await direct.json()).errors[0].message).toContain('GATEWAY_CORS_ORIGINS');
    await page.close();
  });
});
