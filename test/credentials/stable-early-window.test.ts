import { describe, expect, it } from 'vitest';
import { TokenManager } from '../../src/credentials/token-manager.js';
import type { CredentialKey } from '../../src/store/ports.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox } from '../support/sandbox.js';
import { CallTracker, FakeClock } from './fake-clock.js';
import { BACKENDS, replicaStores } from './replica-stores.js';

const LIFETIME_SECONDS = 40;
const WINDOW_SECONDS = 15;
const RUN_MS = 75_000;

/**
 * The sandbox models stable_token's early window (a new token only in the last 15 s of a 40 s life;
 * before, the current one is handed back), three replicas share one store and renew in the background,
 * for 75 s of virtual time (one `FakeClock` for the sandbox, the client and the replicas). Whatever the
 * margin — far smaller than the window, or equal to it, as in the run that made 9 calls for 3 tokens —
 * each new token costs one `stable_token` call, no request fails or waits on WeChat after the first,
 * and the stored token always has more than a second left.
 */
describe.each(BACKENDS)('stable tokens renewed inside WeChat early window (%s store)', (backendName) => {
  it.each([1, WINDOW_SECONDS])(
    'with a %i s margin: one call per new token, no request failing or waiting',
    async (marginSeconds) => {
      const clock = new FakeClock();
      const sandbox = await startSandbox({
        settings: { expiresInSeconds: LIFETIME_SECONDS, stableEarlyRenewalSeconds: WINDOW_SECONDS },
        clock,
      });
      const client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 10_000, clock });
      const tracker = new CallTracker();
      const api = tracker.track(client);
      clock.settleWith = () => tracker.idle();
      const backend = await replicaStores(backendName, clock, tracker, 3, [sandbox.app.appId]);
      const misses: number[] = [];
      const replicas = backend.stores.map(
        (stores) =>
          new TokenManager({
            apps: [{ ...sandbox.app, name: 'Stable', tokenMode: 'stable' }],
            stores,
            api,
            clock,
            random: () => 0.5,
            refreshMarginSeconds: marginSeconds,
            stableEarlyWindowSeconds: WINDOW_SECONDS,
            backgroundJitterMs: 1_000,
            backgroundMinDelayMs: 50,
            busyBackoffTotalMs: 100,
            onCacheLookup: (_appId, result) => {
              if (result === 'miss') misses.push(clock.now());
            },
          }),
      );
      try {
        const appId = sandbox.app.appId;
        const key: CredentialKey = { appId, kind: 'token' };
        for (const replica of replicas) replica.start();
        await clock.advance(0);
        expect((await replicas[0]?.status(appId))?.state).toBe('FRESH');
        const failures: unknown[] = [];
        const tokens = new Set<string>();
        let leastLeftMs = Number.POSITIVE_INFINITY;
        for (let t = 0; t < RUN_MS; t += 1_000) {
          await Promise.all(
            replicas.map((replica) =>
              replica
                .call(appId, '/cgi-bin/getcallbackip', (token) => client.getCallbackIp(token))
                .catch((error: unknown) => failures.push(error)),
            ),
          );
          const stored = await backend.stores[0]?.credentials.get(key);
          if (stored) tokens.add(stored.value);
          leastLeftMs = Math.min(leastLeftMs, stored ? stored.expiresAt - clock.now() : 0);
          await clock.advance(1_000);
        }
        expect(failures).toEqual([]);
        expect(misses).toEqual([]); // no request waited on WeChat after the start-up fetch
        expect(leastLeftMs).toBeGreaterThan(1_000);
        expect(tokens.size).toBe(3); // the first token and a renewal every 26 s: at 26 s and 52 s
        // One call per token for all three replicas: none handed back, none made twice.
        expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(tokens.size);
      } finally {
        await clock.advance(0);
        await Promise.all(replicas.map((replica) => replica.stop()));
        await backend.close();
        await client.close();
        await sandbox.close();
      }
    },
  );
});
