import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { randomPrefix, startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { captureLogs } from './support/log-capture.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

/**
 * /health and /ready of the whole gateway, with a throwaway redis-server of its own (never the shared
 * one: this test stops it).
 */

let sandbox: TestSandbox;
let redis: ChildProcess;
let store: RedisStores;
let gw: TestGateway;

beforeAll(async () => {
  sandbox = await startSandbox({ appCount: 2 });
  const port = await freePort();
  redis = await startRedisServer(port);
  store = await RedisStores.connect({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: randomPrefix(),
    connectTimeoutMs: 2000,
    commandTimeoutMs: 200,
    maxReconnectDelayMs: 100,
  });
  gw = await startTestGateway({ sandbox, store, logger: silentLogger });
});
afterAll(async () => {
  await gw?.close();
  await store?.close();
  if (redis) await stopRedisServer(redis);
  await sandbox?.close();
});

interface ReadyBody {
  status: string;
  ok: boolean;
  store: { kind: string; status: 'ok' | 'degraded' | 'down'; detail?: string };
  apps: {
    total: number;
    ready: number;
    byReason: Record<string, number>;
    attention: { appId: string; ready: boolean; state: string; reason: string; error?: string }[];
    attentionNotListed: number;
  };
}

async function ready(): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${gw.origin}/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

describe('/health and /ready', () => {
  it('is not ready until every app has a token, and says which one is missing', async () => {
    const [first, second] = sandbox.apps.map((app) => app.appId) as [string, string];
    expect((await fetch(`${gw.origin}/health`)).status).toBe(200);

    const cold = await ready();
    expect(cold.status).toBe(503);
    expect(cold.body.apps.attention.map((app) => app.reason)).toEqual(['no_token', 'no_token']);

    await gw.manager.getToken(first);
    const half = await ready();
    expect(half.status).toBe(503);
    // Counted, and only the app that is not ready named.
    expect(half.body.apps).toMatchObject({ total: 2, ready: 1, byReason: { token: 1, no_token: 1 } });
    expect(half.body.apps.attention).toEqual([
      expect.objectContaining({ appId: second, ready: false, reason: 'no_token' }),
    ]);

    await gw.manager.getToken(second);
    const warm = await ready();
    expect(warm.status).toBe(200);
    expect(warm.body).toMatchObject({ status: 'ready', ok: true, store: { kind: 'redis', status: 'ok' } });
    expect(warm.body.store).not.toHaveProperty('degraded');
  });

  it('flips to 503 when Redis stops, while /health stays 200 and the metric shows the degradation', async () => {
    await stopRedisServer(redis);
    let answer = await ready();
    for (let i = 0; i < 50 && answer.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await ready();
    }
    expect(answer.status).toBe(503);
    expect(answer.body.status).toBe('not_ready');
    // One state, and `ok` agrees with the HTTP status: never "ok": true beside "degraded": true.
    expect(answer.body.ok).toBe(false);
    expect(answer.body.store).toEqual({ kind: 'redis', status: 'degraded', detail: expect.any(String) });
    // The apps still hold their tokens (served from the replica's local copy).
    expect(answer.body.apps.ready).toBe(answer.body.apps.total);
    expect((await fetch(`${gw.origin}/health`)).status).toBe(200);
    const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text());
    expect(sampleValue(samples, 'wxgw_store_degraded')).toBe(1);
  });

  it('answers STORE_UNAVAILABLE over HTTP when a classic-mode refresh cannot take the shared lock', async () => {
    // Redis is still down (previous test). Classic /cgi-bin/token kills the other replicas' token, so
    // without the distributed lock the gateway refuses to fetch rather than risk it.
    const [app] = sandbox.apps as [{ appId: string; appSecret: string }];
    const classic = await startTestGateway({
      sandbox,
      store,
      logger: silentLogger,
      apps: [{ ...app, name: 'classic', tokenMode: 'classic' }],
    });
    try {
      const response = await classic.graphql('mutation { refreshToken(force: true) { state } }');
      const body = (await response.json()) as {
        data: unknown;
        errors: { path: string[]; message: string; extensions: Record<string, unknown> }[];
      };
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        expect.objectContaining({
          path: ['refreshToken'],
          extensions: { code: 'STORE_UNAVAILABLE', retryable: true },
        }),
      ]);
      expect(body.errors[0]?.message).toContain('unreachable');
    } finally {
      await classic.close();
    }
  });

  it('does not wait for an app with a configuration error, and names the error', async () => {
    const [good, other] = sandbox.apps as [{ appId: string; appSecret: string }, { appId: string }];
    const misconfigured = await startTestGateway({
      sandbox,
      store: new MemoryStores(),
      logger: silentLogger,
      apps: [
        { ...good, name: 'good', tokenMode: 'stable' },
        { appId: other.appId, appSecret: 'f'.repeat(32), name: 'wrong secret', tokenMode: 'stable' },
      ],
    });
    try {
      await misconfigured.manager.getToken(good.appId);
      await expect(misconfigured.manager.getToken(other.appId)).rejects.toMatchObject({
        code: 'WECHAT_INVALID_SECRET',
      });
      const response = await fetch(`${misconfigured.origin}/ready`);
      const body = (await response.json()) as ReadyBody;
      expect(response.status).toBe(200);
      expect(body.apps.attention).toHaveLength(1);
      expect(body.apps.ready).toBe(2);
      expect(body.apps.attention[0]).toMatchObject({
        ready: true,
        reason: 'config_error',
        error: 'WECHAT_INVALID_SECRET',
      });
      expect(JSON.stringify(body)).not.toContain('f'.repeat(32));
    } finally {
      await misconfigured.close();
    }
  });
});

describe('/ready and /status while Redis is down', () => {
  it('name Redis by kind, never its address, which only the log carries', async () => {
    // A closed port: nothing listens there, so Redis is down from the start.
    const port = await freePort();
    const logs = captureLogs('info');
    const down = new RedisStores({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      connectTimeoutMs: 500,
      commandTimeoutMs: 200,
      maxReconnectDelayMs: 100,
      logger: logs.logger,
    });
    const gateway = await startTestGateway({ sandbox, store: down, logger: logs.logger });
    try {
      const ready = await fetch(`${gateway.origin}/ready`);
      const body = (await ready.json()) as ReadyBody;
      expect(ready.status).toBe(503);
      expect(body.ok).toBe(false);
      expect(body.store).toEqual({
        kind: 'redis',
        status: 'degraded',
        detail: expect.stringMatching(/^Redis is (connecting|reconnecting); serving credentials/),
      });
      const page = await (await fetch(`${gateway.origin}/status`)).text();
      expect(page).toMatch(/Redis is (connecting|reconnecting)/);
      for (const text of [JSON.stringify(body), page]) {
        expect(text).not.toContain(String(port));
        expect(text).not.toContain('redis://');
      }
      // Operators still find the address, in the log.
      await vi.waitFor(() =>
        expect(logs.lines.find((line) => line.msg === 'Redis connection failed; reconnecting')).toMatchObject(
          {
            redis: `redis://127.0.0.1:${port}`,
          },
        ),
      );
    } finally {
      await gateway.close();
      await down.close();
    }
  });
});
