import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { randomPrefix, startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { guarded } from '../support/guard.js';
import { type RedisGateway, startRedisGateway } from '../support/redis-gateway.js';
import { describeTopology } from '../support/redis-topologies.js';
import { type ReplicaProcess, spawnReplica } from '../support/replica-process.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { startUpstreamGate, type UpstreamGate } from '../support/upstream-gate.js';

const CallbackIpsDocument = 'query ($appId: ID) { callbackIps(appId: $appId) { ips } }';

/**
 * Three replicas on one Redis: one in a child process, two gateways built by buildGateway and asked
 * over HTTP, all calling WeChat through a gate in front of the sandbox. The child takes the token's
 * lease and calls WeChat, which never answers (the gate holds the call); the child is SIGKILLed there
 * (no `finally`, no release). Every step is an event, in order: the child's call reaching WeChat (the
 * gate announces it), the child's exit, the lease lapsing (Redis announces the expiry: this Redis runs
 * with keyspace notifications), the one survivor's call, the answers. Nothing sleeps and nothing
 * polls: the survivors serve when the dead holder's lease lapses, within 5 s of the kill, and only one
 * of them calls WeChat.
 */
describeTopology('a lease holder SIGKILLed mid-fetch, survivors over HTTP', () => {
  const keyPrefix = randomPrefix();
  let server: ChildProcess;
  let url: string;
  let sandbox: TestSandbox;
  let gate: UpstreamGate;
  let app: AppConfig;
  let holder: ReplicaProcess | undefined;
  const survivors: RedisGateway[] = [];
  const redis: Redis[] = [];

  beforeAll(async () => {
    const port = await freePort();
    // Ex: an event on every key that expires, published on __keyevent@0__:expired.
    server = await startRedisServer(port, ['--notify-keyspace-events', 'Ex']);
    url = `redis://127.0.0.1:${port}`;
    sandbox = await startSandbox();
    gate = await startUpstreamGate(sandbox.url);
    // Classic mode: a second /cgi-bin/token call beside the first would rotate its token away.
    app = { ...sandbox.app, name: 'Classic app', tokenMode: 'classic' };
    holder = await spawnReplica({
      redisUrl: url,
      keyPrefix,
      sandboxUrl: gate.url,
      apps: [app],
      // Longer than the test: the lease, not a timeout, decides when the app is free.
      clientTimeoutMs: 30_000,
      manager: { busyRetries: 0, busyBackoffTotalMs: 0 },
    });
    for (let i = 0; i < 2; i++) {
      survivors.push(
        await startRedisGateway({ env: { REDIS_URL: url }, apps: [app], keyPrefix, sandboxUrl: gate.url }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await holder?.kill();
    await Promise.all(survivors.map((survivor) => survivor.close()));
    for (const connection of redis) connection.disconnect();
    await gate?.close();
    await sandbox?.close();
    if (server) await stopRedisServer(server);
  });

  it('lets a survivor obtain the token once the dead holder’s lease lapses, within 5 s, with one call', async () => {
    const child = holder as ReplicaProcess;
    const leaseKey = `${keyPrefix}{${app.appId}}:lock`;
    const order: string[] = [];
    gate.onArrival((path) => {
      if (path === '/cgi-bin/token') order.push('token call');
    });
    const watcher = new Redis(url);
    const probe = new Redis(url);
    redis.push(watcher, probe);
    await watcher.subscribe('__keyevent@0__:expired');
    const lapsed = new Promise<void>((resolve) =>
      watcher.on('message', (_channel, key: string) => {
        if (key !== leaseKey) return;
        order.push('lease lapsed');
        resolve();
      }),
    );

    gate.hold('/cgi-bin/token'); // WeChat never answers the first call
    void child.request('getToken', app.appId);
    await guarded('the holder calling WeChat', gate.arrived('/cgi-bin/token'), 15_000);
    await child.kill();
    const killedAt = performance.now();
    order.push('holder killed');
    const leaseLeftMs = await probe.pttl(leaseKey);
    expect(leaseLeftMs).toBeGreaterThan(0); // Nobody released it: only its expiry will.
    expect(leaseLeftMs).toBeLessThanOrEqual(3_000);

    const servedAt: number[] = [];
    const answers = await guarded(
      'the survivors’ answers',
      Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const response = await fetch((survivors[i % 2] as RedisGateway).url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
            body: JSON.stringify({ query: CallbackIpsDocument, variables: { appId: app.appId } }),
          });
          const answer = (await response.json()) as {
            data?: { callbackIps: { ips: string[] } };
            errors?: unknown;
          };
          servedAt.push(performance.now() - killedAt);
          return answer;
        }),
      ),
      10_000,
    );
    order.push('served');
    await guarded('the lease expiry event', lapsed, 1_000);

    expect(answers.filter((answer) => answer.errors)).toEqual([]);
    expect(answers.every((answer) => (answer.data?.callbackIps.ips.length ?? 0) > 0)).toBe(true);
    // The hung call, then exactly one survivor's, made only after the dead holder's lease lapsed.
    expect(order).toEqual(['token call', 'holder killed', 'lease lapsed', 'token call', 'served']);
    expect(gate.count('/cgi-bin/token')).toBe(2);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(1); // the held call never reached it
    expect(Math.max(...servedAt)).toBeLessThan(5_000);
    // Both survivors serve the one token the survivor obtained (classic: none rotated it away).
    const [first, second] = survivors as [RedisGateway, RedisGateway];
    expect((await first.manager.getToken(app.appId)).value).toBe(
      (await second.manager.getToken(app.appId)).value,
    );
    expect(await probe.exists(leaseKey)).toBe(0);
  });
});
