import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';

/** GATEWAY_CORS_ORIGINS over real HTTP: preflights, allowed origins, refused ones, and off by default. */

const PAGE_ORIGIN = 'http://127.0.0.1:5173';
const query = JSON.stringify({ query: '{ jsSdkConfig(url: "https://shop.example.com/") { signature } }' });

describe('CORS with GATEWAY_CORS_ORIGINS', () => {
  let stack: TestGateway;
  const logs = captureLogs('info');
  beforeAll(async () => {
    stack = await startTestGateway({
      env: { GATEWAY_CORS_ORIGINS: `${PAGE_ORIGIN}, https://m.example.com` },
      logger: logs.logger,
    });
  });
  afterAll(() => stack.close());

  const preflight = (origin: string, headers = 'content-type, authorization', method = 'POST') =>
    fetch(stack.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  it('answers an allowed origin’s preflight with its exact origin, methods, headers and max-age', async () => {
    const response = await preflight(PAGE_ORIGIN, 'content-type, x-api-key, x-graphql-csrf');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('lets the allowed origin’s JSON POST and CSRF-marked GET through, with the allow-origin header', async () => {
    const post = await fetch(stack.url, {
      method: 'POST',
      headers: { origin: PAGE_ORIGIN, 'content-type': 'application/json' },
      body: query,
    });
    expect(post.status).toBe(200);
    expect((await post.json()).data.jsSdkConfig.signature).toMatch(/^[0-9a-f]{40}$/);
    expect(post.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(post.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const get = await fetch(`${stack.url}?query=${encodeURIComponent('{ tokenStatus { state } }')}`, {
      headers: { origin: 'https://m.example.com', 'x-graphql-csrf': '1' },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('https://m.example.com');
  });

  it('refuses any other origin with 403 naming the setting, preflight or not, and never answers *', async () => {
    for (const response of [
      await preflight('https://evil.example'),
      await fetch(stack.url, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
        body: query,
      }),
      await preflight(`${PAGE_ORIGIN}.evil.example`),
      await preflight('null'),
    ]) {
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0].message).toContain('GATEWAY_CORS_ORIGINS');
    }
    expect((await stack.sandbox.counters())['/cgi-bin/ticket/getticket']).toBeLessThanOrEqual(1);
  });

  it('logs each refused origin with the setting that allows it (the browser hides the 403 from the page)', async () => {
    // The web-client example opened at localhost rather than 127.0.0.1: another origin.
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:5173',
        'content-type': 'application/json',
        'x-request-id': 'cors-refusal-1',
      },
      body: query,
    });
    expect(response.status).toBe(403);
    const line = logs.lines.find((l) => l.module === 'cors' && l.reqId === 'cors-refusal-1');
    expect(line).toMatchObject({ level: 40, origin: 'http://localhost:5173', path: '/graphql' });
    expect(line?.msg).toBe(
      'refused a cross-origin request from http://localhost:5173: add it to GATEWAY_CORS_ORIGINS to allow it',
    );
  });

  it('refuses a preflight for a header or method the gateway does not take', async () => {
    const header = await preflight(PAGE_ORIGIN, 'content-type, x-evil');
    expect(header.status).toBe(403);
    expect((await header.json()).errors[0].message).toContain('x-evil');
    expect((await preflight(PAGE_ORIGIN, 'content-type', 'DELETE')).status).toBe(403);
  });

  it('leaves same-origin requests and requests without Origin alone', async () => {
    const same = await fetch(stack.url, {
      method: 'POST',
      headers: { origin: new URL(stack.url).origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tokenStatus { state } }' }),
    });
    expect(same.status).toBe(200);
    expect(same.headers.get('access-control-allow-origin')).toBeNull();
    const service = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tokenStatus { state } }' }),
    });
    expect(service.status).toBe(200);
  });
});

describe('CORS off (the default)', () => {
  let stack: TestGateway;
  const logs = captureLogs('info');
  beforeAll(async () => {
    stack = await startTestGateway({ logger: logs.logger });
  });
  afterAll(() => stack.close());

  it('refuses a page’s preflight with 403 naming the setting, and logs the origin (not a silent 405)', async () => {
    const response = await fetch(stack.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-api-key',
        'x-request-id': 'cors-off-1',
      },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(body.errors[0].message).toContain('GATEWAY_CORS_ORIGINS');
    const line = logs.lines.find((l) => l.module === 'cors' && l.reqId === 'cors-off-1');
    expect(line).toMatchObject({ level: 40, origin: 'http://localhost:5173' });
    expect(line?.msg).toContain('add it to GATEWAY_CORS_ORIGINS');
  });

  it('still answers an OPTIONS that is not a preflight with 405, as any unlisted method', async () => {
    const response = await fetch(stack.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(response.status).toBe(405);
  });

  it('sends no CORS header, so a browser lets no other origin read an answer', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { origin: PAGE_ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tokenStatus { state } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('GATEWAY_CORS_ORIGINS', () => {
  it.each(['*', 'https://a.example/', 'https://a.example/path', 'a.example', 'ftp://a.example'])(
    'refuses %j at start-up',
    (value) => {
      expect(() => loadConfig({ NODE_ENV: 'test', GATEWAY_CORS_ORIGINS: value })).toThrow(
        /GATEWAY_CORS_ORIGINS.*exact origin/,
      );
    },
  );

  it('reads a list of exact origins', () => {
    expect(
      loadConfig({ NODE_ENV: 'test', GATEWAY_CORS_ORIGINS: 'https://a.example, http://127.0.0.1:5173' }).cors,
    ).toEqual({
      origins: ['https://a.example', 'http://127.0.0.1:5173'],
    });
    expect(loadConfig({ NODE_ENV: 'test' }).cors).toEqual({ origins: [] });
  });
});
