import net from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../src/errors.js';
import { WeChatClient, type WeChatClientOptions } from '../../src/wechat/client.js';
import type { UpstreamCallEvent } from '../../src/wechat/endpoints.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { startSandbox } from '../support/sandbox.js';

/** The client against real sandboxes over loopback HTTP: success paths, failover and timeouts. */

const good = await startSandbox();
const { app } = good;
// A second sandbox accepting the same app, used as the broken first base URL.
const broken = await startSandbox({ apps: [app] });
const deadBase = await closedPortUrl();
const clients: WeChatClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all([good.close(), broken.close()]);
});
beforeEach(async () => {
  await Promise.all([good.reset(), broken.reset()]);
});

function clientFor(baseUrls: string[], options: Partial<WeChatClientOptions> = {}) {
  const events: UpstreamCallEvent[] = [];
  const client = new WeChatClient({ baseUrls, onUpstreamCall: (event) => events.push(event), ...options });
  clients.push(client);
  return { client, events };
}

describe('success', () => {
  it('stable_token, then both ip endpoints with that token', async () => {
    const { client, events } = clientFor([good.url]);
    const issued = await client.fetchToken(app, { mode: 'stable' });
    expect(issued.accessToken).toMatch(/^[A-Za-z0-9_-]{140,}$/);
    expect(issued.expiresInSeconds).toBe(7200);
    const callback = await client.getCallbackIp(issued.accessToken);
    expect(callback).toContain('101.226.62.77');
    expect(callback.some((ip) => ip.includes('/'))).toBe(true);
    expect((await client.getApiDomainIp(issued.accessToken)).length).toBeGreaterThan(0);
    expect(events.map((event) => [event.endpoint, event.outcome, event.status])).toEqual([
      ['/cgi-bin/stable_token', 'ok', 200],
      ['/cgi-bin/getcallbackip', 'ok', 200],
      ['/cgi-bin/get_api_domain_ip', 'ok', 200],
    ]);
    expect(events.every((event) => event.baseUrl === good.url && event.durationMs >= 0)).toBe(true);
  });

  it('classic /cgi-bin/token issues a new token each call', async () => {
    const { client } = clientFor([good.url]);
    const first = await client.fetchToken(app, { mode: 'classic' });
    const second = await client.fetchToken(app, { mode: 'classic' });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(await good.counters()).toMatchObject({ '/cgi-bin/token': 2, '/cgi-bin/stable_token': 0 });
  });

  it('sends force_refresh only when asked', async () => {
    const { client } = clientFor([good.url]);
    const first = await client.fetchToken(app, { mode: 'stable' });
    const again = await client.fetchToken(app, { mode: 'stable', forceRefresh: false });
    expect(again.accessToken).toBe(first.accessToken);
    const forced = await client.fetchToken(app, { mode: 'stable', forceRefresh: true });
    expect(forced.accessToken).not.toBe(first.accessToken);
  });

  it('honours a short expires_in set at runtime', async () => {
    await good.configure({ expiresInSeconds: 20 });
    const { client } = clientFor([good.url]);
    expect((await client.fetchToken(app, { mode: 'stable' })).expiresInSeconds).toBe(20);
  });

  it('uses an injected dispatcher and leaves it open on close()', async () => {
    const dispatcher = new Agent();
    const client = new WeChatClient({ baseUrls: [good.url], dispatcher });
    await client.fetchToken(app, { mode: 'stable' });
    await client.close();
    const other = new WeChatClient({ baseUrls: [good.url], dispatcher });
    expect((await other.fetchToken(app, { mode: 'stable' })).accessToken).toBeTruthy();
    await dispatcher.close();
  });
});

describe('failover', () => {
  it('skips a dead first base URL (closed port)', async () => {
    const { client, events } = clientFor([deadBase, good.url]);
    expect((await client.fetchToken(app, { mode: 'stable' })).accessToken).toBeTruthy();
    expect(events.map((event) => [event.baseUrl, event.outcome])).toEqual([
      [deadBase, 'network_error'],
      [good.url, 'ok'],
    ]);
  });

  it('skips a first base answering 502 with an HTML page', async () => {
    await broken.setFault({ kind: 'bad-gateway' });
    const { client, events } = clientFor([broken.url, good.url]);
    const token = (await client.fetchToken(app, { mode: 'stable' })).accessToken;
    expect(await client.getCallbackIp(token)).not.toHaveLength(0);
    // The second call goes straight to the good base: the broken one is cooling down.
    expect(events.map((event) => [event.baseUrl, event.outcome, event.status])).toEqual([
      [broken.url, 'http_error', 502],
      [good.url, 'ok', 200],
      [good.url, 'ok', 200],
    ]);
  });

  // The second base must answer within the same per-attempt budget: a generous one, so a loaded
  // machine cannot turn its answer into a second timeout.
  const FAILOVER_TIMEOUT_MS = 1_000;

  it('cuts a hanging base at timeoutMs, then the second base answers', async () => {
    await broken.setFault({ kind: 'hang' });
    const { client, events } = clientFor([broken.url, good.url], { timeoutMs: FAILOVER_TIMEOUT_MS });
    expect((await client.fetchToken(app, { mode: 'classic' })).accessToken).toBeTruthy();
    expect(events.map((event) => event.outcome)).toEqual(['timeout', 'ok']);
    expect(events[0]?.durationMs).toBeGreaterThanOrEqual(FAILOVER_TIMEOUT_MS - 10);
  });

  it('after a failure, tries the failed base last until its cool-down has passed', async () => {
    let now = 1_000_000;
    const { client, events } = clientFor([deadBase, good.url], {
      failoverCooldownMs: 30_000,
      clock: { now: () => now },
    });
    await client.fetchToken(app, { mode: 'stable' });
    expect(events.map((e) => e.outcome)).toEqual(['network_error', 'ok']);

    events.length = 0;
    now += 29_000;
    await client.fetchToken(app, { mode: 'stable' });
    expect(events.map((e) => [e.baseUrl, e.outcome])).toEqual([[good.url, 'ok']]);

    events.length = 0;
    now += 1_000;
    await client.fetchToken(app, { mode: 'stable' });
    expect(events.map((e) => e.outcome)).toEqual(['network_error', 'ok']);
  });

  it('with failoverCooldownMs 0, always starts from the first base', async () => {
    const { client, events } = clientFor([deadBase, good.url], { failoverCooldownMs: 0 });
    await client.fetchToken(app, { mode: 'stable' });
    await client.fetchToken(app, { mode: 'stable' });
    expect(events.map((e) => e.outcome)).toEqual(['network_error', 'ok', 'network_error', 'ok']);
  });

  it('a hang on the only base → UPSTREAM_UNAVAILABLE (retryable) naming the timeout', async () => {
    await broken.setFault({ kind: 'hang' });
    const { client } = clientFor([broken.url], { timeoutMs: 150 });
    const error = await client.fetchToken(app, { mode: 'stable' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toContain('WeChat API base 1 of 1 timed out after 150 ms');
    expect((error as Error).message).not.toContain(new URL(broken.url).host);
  });

  it('latency beyond the budget is a timeout', async () => {
    await broken.setFault({ kind: 'latency', ms: 400, times: 1 });
    const { client, events } = clientFor([broken.url], { timeoutMs: 100 });
    await expect(client.fetchToken(app, { mode: 'stable' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(events.map((event) => event.outcome)).toEqual(['timeout']);
  });

  it('the timeout also bounds a body that never completes', async () => {
    await broken.setFault({ kind: 'stalled-body', times: 1 });
    const token = (await clientFor([good.url]).client.fetchToken(app, { mode: 'stable' })).accessToken;
    const { client, events } = clientFor([broken.url, good.url], { timeoutMs: FAILOVER_TIMEOUT_MS });
    expect(await client.getCallbackIp(token)).not.toHaveLength(0);
    expect(events.map((event) => event.outcome)).toEqual(['timeout', 'ok']);
  });

  it('every base failing → UpstreamUnavailableError saying what failed on each', async () => {
    await broken.setFault({ kind: 'bad-gateway' });
    const { client } = clientFor([deadBase, broken.url]);
    const error = (await client.fetchToken(app, { mode: 'stable' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('WeChat API base 1 of 2 failed to connect or read (ECONNREFUSED)');
    expect(error.message).toContain('WeChat API base 2 of 2 answered HTTP 502');
    // Internal addresses are topology: callers get the position, the log line the host.
    expect(error.message).not.toContain(new URL(deadBase).host);
    expect(error.message).not.toContain(new URL(broken.url).host);
  });

  it.each([
    ['a WeChat errcode', { kind: 'busy' as const }, 'WECHAT_BUSY'],
    ['invalid JSON', { kind: 'invalid-json' as const }, 'UPSTREAM_BAD_RESPONSE'],
  ])('never fails over on %s', async (_name, fault, code) => {
    await broken.setFault(fault);
    const { client, events } = clientFor([broken.url, good.url]);
    await expect(client.fetchToken(app, { mode: 'stable' })).rejects.toMatchObject({ code });
    expect(events).toHaveLength(1);
    expect((await good.counters())['/cgi-bin/stable_token']).toBe(0);
  });

  it('a WeChat errcode is a WeChatError of kind token on token endpoints', async () => {
    const { client } = clientFor([good.url]);
    const error = await client
      .fetchToken({ ...app, appSecret: 'f'.repeat(32) }, { mode: 'classic' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({
      errcode: 40001,
      kind: 'token',
      reaction: 'config',
      endpoint: '/cgi-bin/token',
    });
  });
});

describe('options', () => {
  it.each([
    [{ baseUrls: [] }, 'at least one base URL'],
    [{ baseUrls: undefined }, 'at least one base URL'],
    [{ baseUrls: ['api.weixin.qq.com'] }, 'baseUrls[0] is not a URL'],
    [{ baseUrls: ['https://a.example', 'ftp://b.example'] }, 'baseUrls[1] must start with https://'],
    [{ baseUrls: ['https://a.example/?secret=x'] }, 'without query'],
    [{ baseUrls: ['https://user:pw@a.example'] }, 'credentials'],
    [{ baseUrls: ['https://a.example'], timeoutMs: 0 }, 'timeoutMs must be a positive number'],
    [{ baseUrls: ['https://a.example'], timeoutMs: Number.NaN }, 'timeoutMs must be a positive number'],
  ])('%j is refused: %s', (options, message) => {
    expect(() => new WeChatClient(options as unknown as WeChatClientOptions)).toThrow(message);
  });

  it('accepts a base URL with a path prefix and a trailing slash', async () => {
    const { client, events } = clientFor([`${good.url}/`]);
    await client.fetchToken(app, { mode: 'stable' });
    expect(events[0]?.baseUrl).toBe(good.url);
  });

  it('an observer that throws does not fail the call', async () => {
    const client = new WeChatClient({
      baseUrls: [good.url],
      onUpstreamCall: () => {
        throw new Error('observer bug');
      },
    });
    clients.push(client);
    expect((await client.fetchToken(app, { mode: 'stable' })).accessToken).toBeTruthy();
  });
});

function closedPortUrl(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
    server.on('error', reject);
  });
}
