import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { EARLY_WINDOW_GRACE_MS } from '../../src/credentials/schedule.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { renderStatusPage } from '../../src/status/render-status-page.js';
import { collectStatus, fixFor, type StatusView } from '../../src/status/status-model.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';

/** GET /status and /status/events on the real stack (sandbox over HTTP, manager, Yoga on loopback). */

async function page(stack: TestGateway): Promise<{ status: number; html: string; csp: string }> {
  const response = await fetch(`${new URL(stack.url).origin}/status`);
  return {
    status: response.status,
    html: await response.text(),
    csp: response.headers.get('content-security-policy') ?? '',
  };
}

async function graphql(stack: TestGateway, query: string) {
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json() as Promise<{ data?: unknown; errors?: { extensions: { code: string } }[] }>;
}

describe('GET /status', () => {
  let stack: TestGateway;
  beforeAll(async () => {
    stack = await startTestGateway({
      env: { FORCE_REFRESH_COOLDOWN_SECONDS: '0', TOKEN_NEGATIVE_CACHE_SECONDS: '0' },
      manager: { backgroundRefresh: true, forceRefreshCooldownSeconds: 0, negativeCacheSeconds: 0 },
    });
    stack.manager.start();
  });
  afterAll(() => stack?.close());

  it('shows each app’s name, appId, mode, state, life and renewal, and never its token', async () => {
    const token = await stack.manager.getToken(stack.apps[0]?.appId ?? '');
    const { status, html, csp } = await page(stack);
    expect(status).toBe(200);
    const app = stack.apps[0];
    expect(html).toContain(`data-app-id="${app?.appId}"`);
    expect(html).toContain(app?.name);
    expect(html).toContain('stable');
    expect(html).toMatch(/data-field="state">FRESH</);
    expect(html).toMatch(/data-field="time-left">2h 0m left of 2h 0m</);
    expect(html).toMatch(/next renewal<\/th><td><time datetime="/);
    expect(html).toMatch(
      /data-field="fetch-lock"><th scope="row">fetch lock<\/th><td><span class="tone-ok">free/,
    );
    expect(html).toContain('Token store: <strong>memory</strong>');
    // Tickets are fetched on the first signature: none yet, and never a ticket value.
    expect(html).toContain('<h3>JS-SDK tickets</h3>');
    expect(html).toMatch(/<th scope="row">jsapi<\/th><td><span class="tone-plain">none yet/);
    expect(html).not.toContain(token.value);
    // No external asset: nothing is loaded from another origin, and the one script is allowed by its hash.
    expect(html).not.toMatch(/\b(?:src|href)="(?!data:)/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(script).toContain('new EventSource(');
    const hash = createHash('sha256').update(script).digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
  });

  it('shows the last error with its code and fix, and each open quota circuit with its time left', async () => {
    const appId = stack.apps[0]?.appId ?? '';
    await stack.sandbox.setFault({ kind: 'ip-not-whitelisted', endpoint: '/cgi-bin/stable_token', times: 1 });
    const refused = await graphql(
      stack,
      `mutation { refreshToken(appId: "${appId}", force: true) { state } }`,
    );
    expect(refused.errors?.[0]?.extensions.code).toBe('WECHAT_IP_NOT_WHITELISTED');
    await stack.sandbox.setFault({ kind: 'daily-quota', endpoint: '/cgi-bin/getcallbackip', times: 1 });
    const spent = await graphql(stack, `{ callbackIps(appId: "${appId}") { ips } }`);
    expect(spent.errors?.[0]?.extensions.code).toBe('WECHAT_QUOTA_EXCEEDED');

    const { html } = await page(stack);
    expect(html).toContain('data-field="error-code">WECHAT_IP_NOT_WHITELISTED<');
    expect(html).toContain('<strong>Fix:</strong> Add the gateway&#39;s egress IP to the IP whitelist');
    // The daily quota resets at midnight in Beijing (16:00 UTC): the circuit closes at the next one,
    // and its time left reads in whichever unit fits ("7h 5m" by day, "56m 20s" within the last hour).
    const circuit =
      /<code>\/cgi-bin\/getcallbackip<\/code> \(45009\) open, closes <time datetime="([^"]+)"[^<]*<\/time> <span class="muted">\(in (\d+h \d+m|\d+m \d+s|\d+s)\)<\/span><\/li>/.exec(
        html,
      );
    expect(circuit).not.toBeNull();
    const closes = new Date(circuit?.[1] ?? '');
    expect(closes.toISOString()).toMatch(/T16:00:00\.000Z$/);
    expect(closes.getTime() - Date.now()).toBeGreaterThan(0);
    expect(closes.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    await graphql(stack, `mutation { clearQuota(appId: "${appId}") { clearedAt } }`);
    expect((await page(stack)).html).toContain('none open');
  });

  it('shows a ticket once a signature fetched it', async () => {
    const appId = stack.apps[0]?.appId ?? '';
    const signed = await graphql(
      stack,
      `{ jsSdkConfig(appId: "${appId}", url: "https://shop.example.com/p") { signature } }`,
    );
    expect(signed.errors).toBeUndefined();
    const { html } = await page(stack);
    expect(html).toMatch(/<th scope="row">jsapi<\/th><td><span class="tone-ok">FRESH, expires 20/);
  });

  it('streams token events (app and type only) on /status/events', async () => {
    const appId = stack.apps[0]?.appId ?? '';
    const stop = new AbortController();
    const response = await fetch(`${new URL(stack.url).origin}/status/events`, { signal: stop.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(': connected');
    await graphql(stack, `mutation { refreshToken(appId: "${appId}", force: true) { state } }`);
    await until(`"type":"updated"`);
    expect(text).toContain(`event: token\ndata: {"appId":"${appId}","type":"updated"}\n\n`);
    stop.abort();
  });

  it('ends open event streams when the gateway closes, so the drain does not wait for them', async () => {
    const own = await startTestGateway();
    const response = await fetch(`${new URL(own.url).origin}/status/events`);
    const body = response.text();
    const started = performance.now();
    await own.close();
    expect(await body).toContain(': connected');
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('whether /status is served', () => {
  it('is on in development, off in production unless STATUS_PAGE=true', () => {
    const prod = {
      NODE_ENV: 'production',
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: '0'.repeat(32),
    };
    const keys = { GATEWAY_ALLOW_ANONYMOUS: 'true' };
    expect(loadConfig({ NODE_ENV: 'development' }).statusPage).toBe(true);
    expect(loadConfig({ ...prod, ...keys }).statusPage).toBe(false);
    expect(loadConfig({ ...prod, ...keys, STATUS_PAGE: 'true' }).statusPage).toBe(true);
    expect(() => loadConfig({ STATUS_PAGE: 'yes' })).toThrow(/^STATUS_PAGE is invalid/);
  });

  it('answers 404 at /status and /status/events when off, saying STATUS_PAGE=true turns it on', async () => {
    const stack = await startTestGateway({ env: { STATUS_PAGE: 'false' } });
    try {
      for (const path of ['/status', '/status/events']) {
        const response = await fetch(`${stack.origin}${path}`);
        expect(response.status).toBe(404);
        expect(response.headers.get('x-request-id')).toBeTruthy();
        expect(await response.text()).toMatch(/STATUS_PAGE=true turns it on/);
      }
      // Other unknown paths stay a plain 404.
      expect(await (await fetch(`${stack.origin}/statusx`)).text()).not.toContain('STATUS_PAGE');
    } finally {
      await stack.close();
    }
  });
});

describe('renderStatusPage', () => {
  const now = new Date('2026-11-25T16:00:00.000Z');
  const view: StatusView = {
    generatedAt: now,
    store: {
      kind: 'redis',
      ok: true,
      degraded: true,
      detail: 'Redis is reconnecting',
    },
    apps: [
      {
        appId: 'wx0123456789abcdef',
        name: '<img src=x onerror=alert(1)>',
        tokenMode: 'classic',
        state: 'EXPIRING',
        obtainedAt: new Date('2026-11-25T14:02:00.000Z'),
        expiresAt: new Date('2026-11-25T16:02:00.000Z'),
        secondsLeft: 120,
        lifetimeSeconds: 7200,
        fetchLockHeldUntil: new Date('2026-11-25T16:00:30.000Z'),
        circuits: [],
        // Where engineer-added state such as JS-SDK tickets slots in.
        sections: [{ title: 'Tickets', rows: [{ label: 'jsapi', value: 'FRESH', tone: 'ok' }] }],
      },
    ],
  };

  it('escapes what it shows, draws the time left against the lifetime, and renders extra sections', () => {
    const html = renderStatusPage(view);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<span style="width:1.7%"></span>');
    expect(html).toContain('2m 0s left of 2h 0m');
    expect(html).toMatch(
      /<span class="tone-warn">held<\/span> until <time datetime="2026-11-25T16:00:30.000Z"/,
    );
    expect(html).toContain('(in 30s)');
    expect(html).toContain('<h3>Tickets</h3>');
    expect(html).toContain('<th scope="row">jsapi</th><td><span class="tone-ok">FRESH</span>');
    expect(html).toContain('data-field="store-state">degraded<');
  });
});

describe('TokenManager.inspect', () => {
  it('reports the next scheduled renewal and a fetch lock held by any replica', async () => {
    const store = new MemoryStores();
    const app = {
      appId: 'wx00000000000000aa',
      appSecret: '0'.repeat(32),
      name: 'a',
      tokenMode: 'stable' as const,
    };
    const issued = { accessToken: 'A'.repeat(40), expiresInSeconds: 7200 };
    const manager = new TokenManager({
      apps: [app],
      stores: store,
      api: {
        fetchToken: async () => issued,
        getTicket: async () => Promise.reject(new Error('not called')),
      },
      refreshMarginSeconds: 300,
      backgroundJitterMs: 0,
    });
    try {
      expect(await manager.inspect(app.appId)).toEqual({ circuits: [] });
      const token = await manager.getToken(app.appId);
      manager.start();
      await expect
        .poll(async () => (await manager.inspect(app.appId)).nextRenewalAt?.getTime())
        // A stable renewal waits until WeChat's 300 s early window has surely opened.
        .toBe(token.expiresAt - 300_000 + EARLY_WINDOW_GRACE_MS);
      const owner = await store.leases.acquire({ appId: app.appId, kind: 'token' }, 60_000);
      const held = (await manager.inspect(app.appId)).fetchLockHeldUntil?.getTime() ?? 0;
      expect(held - Date.now()).toBeGreaterThan(59_000);
      await store.leases.release({ appId: app.appId, kind: 'token' }, owner?.owner ?? '');
      expect((await manager.inspect(app.appId)).fetchLockHeldUntil).toBeUndefined();
    } finally {
      await manager.stop();
    }
  });
});

describe('fixFor', () => {
  it.each([
    ['WECHAT_IP_NOT_WHITELISTED', /^Add the gateway's egress IP/],
    ['WECHAT_INVALID_SECRET', /^WeChat rejected the AppSecret/],
    // 40001 from a token endpoint: the credentials, not a stale token.
    ['WECHAT_INVALID_CREDENTIAL', /^WeChat rejected the AppSecret/],
    ['WECHAT_QUOTA_EXCEEDED', /clear_quota/],
    ['UPSTREAM_UNAVAILABLE', /egress path/],
    ['STORE_UNAVAILABLE', /^Redis is unreachable/],
  ])('%s → its fix', (code, fix) => {
    expect(fixFor(code)).toMatch(fix);
  });

  it('has none for codes that need no operator', () => {
    expect(fixFor('REFRESH_COOLDOWN')).toBeUndefined();
  });
});

describe('collectStatus', () => {
  it('shows a store that does not answer as unreachable instead of hanging the page', async () => {
    const view = await collectStatus({
      tokens: { listApps: () => [], statuses: async () => Promise.reject(new Error('unused')) },
      store: { kind: 'redis', health: () => new Promise(() => {}) },
      sections: [],
      now: () => 0,
      healthTimeoutMs: 20,
    });
    expect(view.store).toEqual({
      kind: 'redis',
      ok: false,
      degraded: false,
      detail: 'no answer within 20 ms',
    });
  });
});

describe('/status/events listeners', () => {
  it('stops listening to token events when the browser goes away', async () => {
    const stack = await startTestGateway();
    const url = stack.url;
    try {
      const before = stack.subscribers.count();
      const stop = new AbortController();
      const response = await fetch(new URL('/status/events', url), { signal: stop.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      expect(stack.subscribers.count()).toBe(before + 1);
      stop.abort();
      await expect.poll(() => stack.subscribers.count()).toBe(before);
    } finally {
      await stack.close();
    }
  });
});
