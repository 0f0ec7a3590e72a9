import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { CallTracker, FakeClock } from '../credentials/fake-clock.js';
import { FakeWeChat, wechatError } from '../credentials/fake-wechat.js';
import { BACKENDS, type ReplicaStores, replicaStores } from '../credentials/replica-stores.js';

const APP: AppConfig = {
  appId: 'wx00000000000000dd',
  appSecret: '00112233445566778899aabbccddeeff',
  name: 'Quota app',
  tokenMode: 'stable',
};
const CALLBACK_IP = '/cgi-bin/getcallbackip';

/**
 * A 45009 circuit one replica opened is closed by `clearQuotaCircuits` on another replica, even one
 * that never called the endpoint itself: the circuits live in the shared store, keyed by the known
 * API paths.
 */
describe.each(BACKENDS)('clearQuotaCircuits across replicas sharing one %s store', (backendName) => {
  const clock = new FakeClock();
  const wechat = new FakeWeChat(clock);
  const tracker = new CallTracker();
  clock.settleWith = () => tracker.idle();
  let backend: ReplicaStores;
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    backend = await replicaStores(backendName, clock, tracker, 2, [APP.appId]);
    for (const stores of backend.stores) {
      replicas.push(new TokenManager({ apps: [APP], stores, api: wechat, clock, backgroundRefresh: false }));
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await backend.close();
  });

  it('reopens calls on every replica after one of them clears the quota', async () => {
    const [first, second] = replicas as [TokenManager, TokenManager];
    let upstream = 0;
    const spent = async () => {
      upstream++;
      throw wechatError(45009, 'api', CALLBACK_IP);
    };
    await expect(first.call(APP.appId, CALLBACK_IP, spent)).rejects.toMatchObject({ errcode: 45009 });
    // The other replica reports the circuit before it ever called the endpoint itself.
    // Midnight in Beijing (Redis counts the hold's time down on its own clock: a few ms may pass).
    const openUntil = (await second.status(APP.appId)).circuitOpenUntil?.getTime() ?? 0;
    expect(Math.abs(openUntil - Date.UTC(2026, 10, 25, 16))).toBeLessThan(1_000);
    // Both replicas now refuse without calling WeChat, an hour later too.
    await clock.advance(3_600_000);
    await expect(second.call(APP.appId, CALLBACK_IP, spent)).rejects.toMatchObject({ errcode: 45009 });
    await expect(first.call(APP.appId, CALLBACK_IP, spent)).rejects.toMatchObject({ errcode: 45009 });
    expect(upstream).toBe(1);

    expect(await second.clearQuotaCircuits(APP.appId)).toEqual([CALLBACK_IP]);
    await expect(first.call(APP.appId, CALLBACK_IP, async () => ['1.2.3.4'])).resolves.toEqual(['1.2.3.4']);
    expect((await first.status(APP.appId)).circuitOpenUntil).toBeUndefined();
    expect((await second.status(APP.appId)).circuitOpenUntil).toBeUndefined();
    expect(await first.clearQuotaCircuits(APP.appId)).toEqual([]);
    // One token for both replicas: the token endpoint's circuits were never involved.
    expect(wechat.tokenCalls).toHaveLength(1);
  });
});
