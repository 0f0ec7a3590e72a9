import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { GatewayError } from '../../src/errors.js';
import { tokenFingerprint } from '../../src/redact.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { guarded } from '../support/guard.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, type ReplicaSpec, startReplica } from '../support/replica.js';
import { type ReplicaProcess, spawnReplica } from '../support/replica-process.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { startUpstreamGate, type UpstreamGate } from '../support/upstream-gate.js';

/**
 * A replica dies (SIGKILL: no `finally`, no lock release) while it holds the fetch lock and waits on a
 * WeChat that never answers, with a 10 s upstream timeout. Its lease (3 s, renewed only while it lives)
 * is what frees the app: the survivors wait it out instead of deadlocking or fetching beside it, then
 * exactly one of them fetches, within 5 s of the kill. Classic mode, where a second concurrent
 * /cgi-bin/token call would rotate the first one's token away.
 */
describeRedis('a replica killed while it holds the fetch lock', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let app: AppConfig;
  let spec: ReplicaSpec;
  let doomed: ReplicaProcess | undefined;
  const survivors: Replica[] = [];
  let redis: Redis;
  let gate: UpstreamGate;

  beforeAll(async () => {
    sandbox = await startSandbox();
    gate = await startUpstreamGate(sandbox.url);
    app = { ...sandbox.app, name: 'Classic app', tokenMode: 'classic' };
    // The client timeout is longer than the takeover may take: the child must still be waiting on
    // WeChat when it is killed, and the lease, not the timeout, decides when the app is free.
    spec = {
      redisUrl,
      keyPrefix,
      // Every replica calls WeChat through a gate that announces each call and can hold one unanswered.
      sandboxUrl: gate.url,
      apps: [app],
      clientTimeoutMs: 10_000,
      manager: { busyRetries: 0, busyBackoffTotalMs: 0 },
    };
    redis = new Redis(redisUrl);
    doomed = await spawnReplica(spec);
    for (let i = 0; i < 2; i++) survivors.push(await startReplica(spec));
  });

  afterAll(async () => {
    await doomed?.kill();
    await Promise.all(survivors.map((replica) => replica.close()));
    await gate?.close();
    await sandbox?.close();
    await redis?.quit();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('frees the app when the lease lapses, within 5 s; the survivors then fetch exactly once', async () => {
    const child = doomed as ReplicaProcess;
    gate.hold('/cgi-bin/token'); // WeChat never answers the first call
    void child.request('getToken', app.appId);

    // The child holds the lock (taken before any call) and its /cgi-bin/token request is stuck in the sandbox.
    const lockKey = `${keyPrefix}{${app.appId}}:lock`;
    await guarded('the child calling WeChat', gate.arrived('/cgi-bin/token'), 15_000);
    expect(await redis.exists(lockKey)).toBe(1);
    expect(gate.count('/cgi-bin/token')).toBe(1);
    await child.kill();
    const killedAt = Date.now();
    const lockLeftMs = await redis.pttl(lockKey);
    expect(lockLeftMs).toBeGreaterThan(0); // Nobody released it: only its ttl will.

    // A caller that will not wait out the lock gets a retryable error, not a hang and not a fetch.
    const [first] = survivors as [Replica, Replica];
    const impatient = new TokenManager({
      apps: [app],
      stores: first.store,
      api: first.client,
      lockWaitMs: 200,
    });
    await expect(impatient.getToken(app.appId)).rejects.toSatisfy(
      (error) => error instanceof GatewayError && error.code === 'UPSTREAM_UNAVAILABLE' && error.retryable,
    );
    expect(gate.count('/cgi-bin/token')).toBe(1);

    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => survivors[i % 2]?.manager.getToken(app.appId)),
    );

    const [token] = tokens;
    if (!token) throw new Error('no token');
    expect(new Set(tokens.map((each) => each?.value)).size).toBe(1);
    // The hung call plus exactly one fetch by a survivor, made only once the dead holder's lock expired.
    expect(gate.count('/cgi-bin/token')).toBe(2);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(1); // the held one never reached it
    expect(token.obtainedAt).toBeGreaterThanOrEqual(killedAt + lockLeftMs - 5);
    expect(lockLeftMs).toBeLessThanOrEqual(3_000);
    expect(token.obtainedAt - killedAt).toBeLessThan(5_000);
    expect(await redis.exists(lockKey)).toBe(0);
    // The token works: no later classic call rotated it away.
    await expect(first.client.getCallbackIp(token.value)).resolves.not.toHaveLength(0);
    for (const survivor of survivors) {
      expect((await survivor.manager.status(app.appId)).state).toBe('FRESH');
      expect(tokenFingerprint((await survivor.manager.getToken(app.appId)).value)).toBe(
        tokenFingerprint(token.value),
      );
    }
  });

  it('frees a JS-SDK ticket the same way: the ticket has its own lease, and a survivor obtains it within 5 s', async () => {
    const [first] = survivors as [Replica, Replica];
    await first.manager.getToken(app.appId);
    const child = await spawnReplica(spec);
    try {
      gate.hold('/cgi-bin/ticket/getticket');
      const before = gate.count('/cgi-bin/ticket/getticket');
      void child.request('ticket', app.appId);
      const leaseKey = `${keyPrefix}{${app.appId}}:lock:ticket:jsapi`;
      await guarded('the child asking for the ticket', gate.arrived('/cgi-bin/ticket/getticket'), 15_000);
      expect(await redis.exists(leaseKey)).toBe(1);
      expect(gate.count('/cgi-bin/ticket/getticket')).toBe(before + 1);
      await child.kill();
      const killedAt = Date.now();

      const tickets = await Promise.all(
        Array.from({ length: 40 }, (_, i) => survivors[i % 2]?.manager.tickets.get(app.appId, 'jsapi')),
      );

      expect(new Set(tickets.map((ticket) => ticket?.value)).size).toBe(1);
      expect(gate.count('/cgi-bin/ticket/getticket')).toBe(before + 2);
      expect((tickets[0]?.obtainedAt ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(5_000);
      expect(await redis.exists(leaseKey)).toBe(0);
    } finally {
      await child.kill();
    }
  });
});
