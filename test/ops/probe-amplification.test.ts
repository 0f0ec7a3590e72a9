import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { QuotaCircuits } from '../../src/upstream/quota-circuits.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { randomApp } from '../../src/wechat/sandbox/random.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { randomPrefix, startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Issue 16 item 9: unauthenticated /ready and /metrics must not turn into Redis traffic that grows with
 * the number of apps. 1,000 apps (registered over the sandbox's admin API) on a private redis-server,
 * so Redis's own count of processed commands is this test's alone.
 */

const APPS = 1000;
let sandbox: TestSandbox;
let redis: ChildProcess;
let redisUrl: string;
let counter: Redis;
let store: RedisStores;
const keyPrefix = randomPrefix();
let gw: TestGateway;

async function commandsDuring(run: () => Promise<unknown>): Promise<number> {
  const read = async () => Number(/total_commands_processed:(\d+)/.exec(await counter.info('stats'))?.[1]);
  const before = await read();
  await run();
  // The second INFO counts the first one.
  return (await read()) - before - 1;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const apps = [sandbox.app, ...Array.from({ length: APPS - 1 }, randomApp)];
  for (const app of apps.slice(1)) {
    const response = await fetch(`${sandbox.url}/__sandbox/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(app),
    });
    expect(response.status).toBe(201);
  }
  const port = await freePort();
  redis = await startRedisServer(port);
  redisUrl = `redis://127.0.0.1:${port}`;
  counter = new Redis(redisUrl);
  store = await RedisStores.connect({ url: redisUrl, keyPrefix });
  gw = await startTestGateway({
    sandbox,
    store,
    logger: silentLogger,
    apps: apps.map((app) => ({ ...app, name: app.appId, tokenMode: 'stable' as const })),
    // 100 token fetches at a time set the test up; on a loaded machine one can take over the 1 s default.
    upstreamTimeoutMs: 10_000,
  });
  for (let i = 0; i < apps.length; i += 100) {
    await Promise.all(apps.slice(i, i + 100).map((app) => gw.manager.getToken(app.appId)));
  }
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await store?.close();
  counter?.disconnect();
  if (redis) await stopRedisServer(redis);
  await sandbox?.close();
});

describe(`probes and scrapes with ${APPS} apps on Redis`, () => {
  it('answers /ready ready with every app counted, and later probes cost next to no Redis command', async () => {
    const first = await fetch(`${gw.origin}/ready`);
    expect(first.status).toBe(200);
    const text = await first.text();
    // A summary, not a list of every app: its size does not grow with the apps.
    expect(JSON.parse(text).apps).toEqual({
      total: APPS,
      ready: APPS,
      byState: { FRESH: APPS, EXPIRING: 0, EXPIRED: 0, MISSING: 0 },
      byReason: { token: APPS, config_error: 0, no_token: 0 },
      byKind: { officialAccount: APPS },
      attention: [],
      attentionNotListed: 0,
    });
    expect(text.length).toBeLessThan(1000);

    const probes = 20;
    const commands = await commandsDuring(async () => {
      for (let i = 0; i < probes; i++) expect((await fetch(`${gw.origin}/ready`)).status).toBe(200);
    });
    // About one PING per second of probing, shared by every probe, and none per app: a cost that grew
    // with the apps would be ≥ 1,000 a probe (it was 15,508). Bounded loosely for a loaded machine.
    expect(commands / probes).toBeLessThan(5);
  });

  it('serves /metrics from in-process state: a scrape costs no command per app', async () => {
    const first = await fetch(`${gw.origin}/metrics`);
    expect(await first.text()).toContain('wxgw_token_expires_in_seconds');
    const scrapes = 10;
    const commands = await commandsDuring(async () => {
      for (let i = 0; i < scrapes; i++) expect((await fetch(`${gw.origin}/metrics`)).status).toBe(200);
    });
    expect(commands / scrapes).toBeLessThan(5);
  });

  it('reports a circuit another replica opened from its announcement, without reading Redis again', async () => {
    const appId = sandbox.app.appId;
    // A second replica on the same Redis and prefix.
    const other = await RedisStores.connect({ url: redisUrl, keyPrefix });
    try {
      const theirs = new QuotaCircuits(other.holds, systemClock);
      const before = await gw.graphql(`{ tokenStatus(appId: "${appId}") { circuitOpenUntil } }`);
      expect(await before.json()).toEqual({ data: { tokenStatus: { circuitOpenUntil: null } } });

      await theirs.open(
        appId,
        '/cgi-bin/getcallbackip',
        'daily-quota',
        new WeChatError({ errcode: 45009, errmsg: 'quota', endpoint: '/cgi-bin/getcallbackip', kind: 'api' }),
      );
      await expect
        .poll(async () => {
          const answer = (await (
            await gw.graphql(`{ tokenStatus(appId: "${appId}") { circuitOpenUntil } }`)
          ).json()) as { data: { tokenStatus: { circuitOpenUntil: string | null } } };
          return answer.data.tokenStatus.circuitOpenUntil;
        })
        .not.toBeNull();
      theirs.close();
    } finally {
      await other.close();
    }
  });
});
