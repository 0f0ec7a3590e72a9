import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { tokenFingerprint } from '../../src/redact.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { guarded } from '../support/guard.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, type ReplicaSpec, startReplica } from '../support/replica.js';
import { type ReplicaProcess, spawnReplica } from '../support/replica-process.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { startUpstreamGate, type UpstreamGate } from '../support/upstream-gate.js';

/**
 * A lock holder is paused (SIGSTOP, as a long GC pause or a frozen VM) while WeChat answers its classic
 * /cgi-bin/token call, long enough for its lease to lapse. Another replica takes over and stores its own
 * token. When the paused holder resumes (SIGCONT) with the older token, the store's fence refuses its
 * write: the new holder's token stays, and the resumed replica answers with it.
 */
describeRedis('a lock holder paused past its lease', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let app: AppConfig;
  let paused: ReplicaProcess | undefined;
  let survivor: Replica;
  let redis: Redis;
  let gate: UpstreamGate;

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = { ...sandbox.app, name: 'Classic app', tokenMode: 'classic' };
    const spec: ReplicaSpec = {
      redisUrl,
      keyPrefix,
      sandboxUrl: sandbox.url,
      apps: [app],
      clientTimeoutMs: 10_000,
      manager: { busyRetries: 0, busyBackoffTotalMs: 0, lockLeaseMs: 1_500 },
    };
    redis = new Redis(redisUrl);
    // The holder calls WeChat through a gate that announces the call as it arrives.
    gate = await startUpstreamGate(sandbox.url);
    paused = await spawnReplica({ ...spec, sandboxUrl: gate.url });
    survivor = await startReplica(spec);
  });

  afterAll(async () => {
    paused?.child.kill('SIGCONT');
    await paused?.kill();
    await survivor?.close();
    await gate?.close();
    await sandbox?.close();
    await redis?.quit();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('does not overwrite the token the new holder stored', async () => {
    const child = paused as ReplicaProcess;
    const lockKey = `${keyPrefix}{${app.appId}}:lock`;
    const tokenKey = `${keyPrefix}{${app.appId}}:token`;
    // WeChat answers the paused holder's call while it is stopped: the reply waits in its socket.
    await sandbox.setFault({ kind: 'latency', ms: 300, endpoint: '/cgi-bin/token', times: 1 });
    const answer = child.request('getToken', app.appId);
    await guarded('the holder calling WeChat', gate.arrived('/cgi-bin/token'), 15_000);
    child.child.kill('SIGSTOP');
    expect(await redis.exists(lockKey)).toBe(1);

    // The lease lapses (1.5 s, no renewals from a stopped process); the survivor takes over.
    const taken = await survivor.manager.getToken(app.appId);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(2);
    const storedBefore = await redis.get(tokenKey);
    expect(storedBefore).toContain(taken.value);

    child.child.kill('SIGCONT');
    const resumed = await answer;
    // Its write was fenced: Redis still holds the new holder's token, and the resumed replica uses it.
    expect(await redis.get(tokenKey)).toBe(storedBefore);
    expect(resumed).toMatchObject({ ok: true, fingerprint: tokenFingerprint(taken.value) });
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(2);
    await expect(survivor.client.getCallbackIp(taken.value)).resolves.not.toHaveLength(0);
  });
});
