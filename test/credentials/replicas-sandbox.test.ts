import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { CallTracker, FakeClock } from './fake-clock.js';
import { BACKENDS, type ReplicaStores, replicaStores } from './replica-stores.js';

/**
 * Three replicas, one shared store, the real sandbox over HTTP: the lease decides who renews a classic
 * token. Virtual time (one `FakeClock` for the sandbox, the client and the replicas; timers fire only
 * while no call is on the wire), so renewals are counted exactly.
 */
describe.each(BACKENDS)('replicas refreshing in the background through one %s store', (backendName) => {
  const clock = new FakeClock();
  let sandbox: TestSandbox;
  let client: WeChatClient;
  let backend: ReplicaStores;
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ settings: { expiresInSeconds: 2 }, clock });
    client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 10_000, clock });
    const tracker = new CallTracker();
    const api = tracker.track(client);
    clock.settleWith = () => tracker.idle();
    backend = await replicaStores(backendName, clock, tracker, 3, [sandbox.app.appId]);
    for (const stores of backend.stores) {
      replicas.push(
        new TokenManager({
          apps: [{ ...sandbox.app, name: 'Shared', tokenMode: 'classic' }],
          stores,
          api,
          clock,
          random: () => 0.5,
          refreshMarginSeconds: 0.8,
          backgroundJitterMs: 100,
          backgroundMinDelayMs: 50,
          lockLeaseMs: 5_000,
          busyBackoffTotalMs: 100,
        }),
      );
    }
  });

  afterAll(async () => {
    await clock.advance(0);
    await Promise.all(replicas.map((replica) => replica.stop()));
    await backend.close();
    await client.close();
    await sandbox.close();
  });

  it('renews once per token lifetime in total, not once per replica, and no caller sees an error', async () => {
    const renewedAt: number[] = [];
    const started = clock.now();
    replicas[0]?.subscribe((event) => {
      if (event.type === 'updated') renewedAt.push(clock.now() - started);
    });
    for (const replica of replicas) replica.start();
    await clock.advance(0);
    const failures: unknown[] = [];
    for (let t = 0; t < 4_000; t += 100) {
      await Promise.all(
        replicas.map((replica) =>
          replica
            .call(sandbox.app.appId, '/cgi-bin/getcallbackip', (token) => client.getCallbackIp(token))
            .catch((error: unknown) => failures.push(error)),
        ),
      );
      await clock.advance(100);
    }
    expect(failures).toEqual([]);
    // 2 s tokens renewed 0.8 s + half the 100 ms jitter early: every 1.15 s, by one replica each time.
    expect(renewedAt).toEqual([0, 1_150, 2_300, 3_450]);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(renewedAt.length);
  });
});
