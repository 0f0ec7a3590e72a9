import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../ops/support/prometheus.js';
import { KEYS, type ProductionGateway, startProductionGateway } from './support/production-gateway.js';

/**
 * Issue 29 item 6: long-lived streams are capped, all together (GATEWAY_MAX_STREAMS) and per caller
 * (GATEWAY_MAX_STREAMS_PER_CALLER: per API key, or per client address without one). A stream over
 * either cap is refused with HTTP 429 TOO_MANY_STREAMS and a JSON body; a stream that closes frees
 * its slot at once. Small caps here: 4 in all, 2 per caller.
 */
const CAPS = { GATEWAY_MAX_STREAMS: '4', GATEWAY_MAX_STREAMS_PER_CALLER: '2', STATUS_PAGE: 'true' };

/** Resolves once the gateway counts `count` open streams (its own event, no polling). */
function streamsOpen(gw: ProductionGateway, count: number): Promise<void> {
  const { streams } = gw.gateway;
  return new Promise((resolve) => {
    const check = () => {
      if (streams.open() !== count) return;
      off();
      resolve();
    };
    const off = streams.onChange(check);
    check();
  });
}

async function scrapeStreams(gw: ProductionGateway) {
  const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text()).filter(
    (sample) => sample.name === 'wxgw_streams_open',
  );
  for (const sample of samples) expect(Object.keys(sample.labels)).toEqual(['kind']);
  return {
    subscription: sampleValue(samples, 'wxgw_streams_open', { kind: 'subscription' }),
    statusEvents: sampleValue(samples, 'wxgw_streams_open', { kind: 'status_events' }),
  };
}

interface Opened {
  status: number;
  headers: Headers;
  /** The whole body once the response ends (a refusal), or what arrived before `close()`. */
  body: Promise<string>;
  /** Hangs up, as a client that goes away would. */
  close(): void;
}

/**
 * One request on its own connection (node:http, no agent), from a loopback address of our choosing:
 * fetch's pool keeps spare connections open that the gateway's drain then waits for.
 */
function open(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Opened> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers: init.headers,
        localAddress: init.localAddress ?? '127.0.0.1',
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        const body = new Promise<string>((done) => {
          const text = () => done(Buffer.concat(chunks).toString('utf8'));
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', text);
          response.on('close', text);
        });
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') headers.set(name, value);
        }
        resolve({ status: response.statusCode ?? 0, headers, body, close: () => req.destroy() });
      },
    );
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end(init.body);
  });
}

/** What a refused stream must look like: 429, JSON, the code, headers, and nothing secret. */
async function expectRefused(refused: Opened, cap: RegExp) {
  expect(refused.status).toBe(429);
  expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
  expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  expect(refused.headers.get('x-request-id')).toBeTruthy();
  const text = await refused.body;
  const body = JSON.parse(text);
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0].extensions).toEqual({ code: 'TOO_MANY_STREAMS', retryable: true });
  expect(body.errors[0].message).toMatch(cap);
  for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
}

/** A `tokenEvents` subscription over SSE, by POST or by GET. */
function subscribe(gw: ProductionGateway, key: string, method: 'POST' | 'GET' = 'POST'): Promise<Opened> {
  const query = 'subscription Watch { tokenEvents { type } }';
  const headers = { accept: 'text/event-stream', authorization: `Bearer ${key}` };
  return method === 'POST'
    ? open(gw.url, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      })
    : open(`${gw.url}?query=${encodeURIComponent(query)}`, {
        headers: { ...headers, 'x-graphql-csrf': '1' },
      });
}

describe('tokenEvents subscriptions are capped', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway(CAPS);
  });
  afterAll(() => gw.close());

  it('refuses a key over its cap and every caller over the total, then accepts again once one closes', async () => {
    const first = await subscribe(gw, KEYS.signer);
    const second = await subscribe(gw, KEYS.signer);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // A jssdk:sign-only key holds no more than its share, by POST or by GET.
    await expectRefused(await subscribe(gw, KEYS.signer), /GATEWAY_MAX_STREAMS_PER_CALLER/);
    await expectRefused(await subscribe(gw, KEYS.signer, 'GET'), /GATEWAY_MAX_STREAMS_PER_CALLER/);

    const others = [await subscribe(gw, KEYS.reader), await subscribe(gw, KEYS.wechat)];
    expect(others.map((other) => other.status)).toEqual([200, 200]);
    expect(gw.gateway.streams.open('subscription')).toBe(4);
    // A caller with nothing open meets the replica's cap.
    await expectRefused(await subscribe(gw, KEYS.statusOnly), /GATEWAY_MAX_STREAMS\)/);
    expect(await scrapeStreams(gw)).toEqual({ subscription: 4, statusEvents: 0 });

    first.close();
    await streamsOpen(gw, 3);
    const again = await subscribe(gw, KEYS.signer);
    expect(again.status).toBe(200);
    expect(gw.gateway.streams.open('subscription')).toBe(4);

    for (const held of [second, ...others, again]) held.close();
    await streamsOpen(gw, 0);
    expect(await scrapeStreams(gw)).toEqual({ subscription: 0, statusEvents: 0 });
  });

  it('a refused subscription is counted under not_run, not under its name', async () => {
    const held = [await subscribe(gw, KEYS.refresher), await subscribe(gw, KEYS.refresher)];
    expect(held.map((one) => one.status)).toEqual([200, 200]);
    const samples = async () =>
      parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text()).filter(
        (s) => s.name === 'wxgw_graphql_requests_total' && s.labels.code === 'TOO_MANY_STREAMS',
      );
    const before = (await samples()).find((s) => s.labels.operation === 'not_run')?.value ?? 0;
    await expectRefused(await subscribe(gw, KEYS.refresher), /PER_CALLER/);
    const after = await samples();
    expect(after.map((s) => s.labels.operation)).toEqual(['not_run']);
    expect(after[0]?.value).toBe(before + 1);
    for (const one of held) one.close();
    await streamsOpen(gw, 0);
  });
});

describe('/status/events streams are capped per client address', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway(CAPS);
  });
  afterAll(() => gw.close());

  /** GET /status/events from a loopback address of our choosing (no key: the page sends none). */
  const openFrom = (localAddress: string) => open(`${gw.origin}/status/events`, { localAddress });

  it('refuses an address over its cap and every address over the total, then accepts again once one closes', async () => {
    const a1 = await openFrom('127.0.0.1');
    const a2 = await openFrom('127.0.0.1');
    expect([a1.status, a2.status]).toEqual([200, 200]);
    expect(a1.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await expectRefused(await openFrom('127.0.0.1'), /GATEWAY_MAX_STREAMS_PER_CALLER/);

    const b = await openFrom('127.0.0.2');
    const c = await openFrom('127.0.0.3');
    expect([b.status, c.status]).toEqual([200, 200]);
    await expectRefused(await openFrom('127.0.0.4'), /GATEWAY_MAX_STREAMS\)/);
    expect(await scrapeStreams(gw)).toEqual({ subscription: 0, statusEvents: 4 });

    // HEAD answers the headers without a stream, so it holds no slot.
    const head = await open(`${gw.origin}/status/events`, { method: 'HEAD', localAddress: '127.0.0.5' });
    expect(head.status).toBe(200);
    expect(gw.gateway.streams.open()).toBe(4);

    a1.close();
    await streamsOpen(gw, 3);
    const again = await openFrom('127.0.0.1');
    expect(again.status).toBe(200);

    // Event streams and subscriptions share the replica's cap.
    await expectRefused(await subscribe(gw, KEYS.reader), /GATEWAY_MAX_STREAMS\)/);

    for (const opened of [a2, b, c, again]) opened.close();
    await streamsOpen(gw, 0);
    expect(await scrapeStreams(gw)).toEqual({ subscription: 0, statusEvents: 0 });
  });
});
