import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import {
  type CredentialEvent,
  type CredentialKey,
  type CredentialStore,
  credentialId,
  type RefreshReason,
  type StoredCredential,
  type Stores,
} from '../../src/store/ports.js';
import { CallTracker, FakeClock, isSettled } from './fake-clock.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';
import { BACKENDS, type ReplicaStores, replicaStores } from './replica-stores.js';

const APP: AppConfig = {
  appId: 'wx00000000000000cc',
  appSecret: '00112233445566778899aabbccddeeff',
  name: 'Shared app',
  tokenMode: 'classic',
};
const TOKEN: CredentialKey = { appId: APP.appId, kind: 'token' };

/**
 * A replica's view of the shared credentials with a local copy in front, as a Redis-backed store
 * keeps one: `get` answers from the copy while it is valid, and only a notification drops it. While
 * `late` is set, notifications do not reach the copy (a pub/sub message still on its way).
 */
class LocalCopy implements CredentialStore {
  late = false;
  readonly #copy = new Map<string, StoredCredential>();

  constructor(
    private readonly shared: CredentialStore,
    private readonly clock: FakeClock,
  ) {
    shared.subscribe((event) => {
      if (!this.late) this.#copy.delete(credentialId(event));
    });
  }

  async get(key: CredentialKey): Promise<StoredCredential | undefined> {
    const copy = this.#copy.get(credentialId(key));
    if (copy && this.clock.now() < copy.expiresAt) return { ...copy };
    const value = await this.shared.get(key);
    if (value) this.#copy.set(credentialId(key), value);
    return value;
  }

  getLatest(key: CredentialKey): Promise<StoredCredential | undefined> {
    return this.shared.getLatest(key);
  }

  getMany(keys: readonly CredentialKey[]): Promise<(StoredCredential | undefined)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  set(
    key: CredentialKey,
    credential: StoredCredential,
    reason: RefreshReason,
    leaseOwner?: string,
  ): Promise<boolean> {
    return this.shared.set(key, credential, reason, leaseOwner);
  }

  deleteIfSame(key: CredentialKey, value: string): Promise<boolean> {
    return this.shared.deleteIfSame(key, value);
  }

  subscribe(listener: (event: CredentialEvent) => void): () => void {
    return this.shared.subscribe(listener);
  }
}

/**
 * Three replicas' stores over one memory backend, each reading credentials through its own local copy
 * (`LocalCopy`), so a late notification can be staged exactly. RedisStores' own copy obeys the same
 * rule in the store contract suite (`get` may serve the copy, `getLatest` reads past it).
 */
function copiedStores(clock: FakeClock): { stores: Stores[]; copies: LocalCopy[]; close(): Promise<void> } {
  const shared = new MemoryStores({ clock });
  const copies = [0, 1, 2].map(() => new LocalCopy(shared.credentials, clock));
  const stores = copies.map(
    (credentials): Stores => ({
      kind: shared.kind,
      credentials,
      leases: shared.leases,
      holds: shared.holds,
      authorizers: shared.authorizers,
      health: () => shared.health(),
      onHealthChange: (listener) => shared.onHealthChange(listener),
      close: async () => {},
    }),
  );
  return { stores, copies, close: () => shared.close() };
}

function replicasOn(stores: Stores[], clock: FakeClock, wechat: FakeWeChat): TokenManager[] {
  return stores.map(
    (each) =>
      new TokenManager({
        apps: [APP],
        stores: each,
        api: wechat,
        clock,
        random: () => 0.5,
        lockLeaseMs: 2_000,
        busyBackoffTotalMs: 100,
      }),
  );
}

describe.each(BACKENDS)('TokenManager replicas sharing one %s store', (backendName) => {
  const clock = new FakeClock();
  const wechat = new FakeWeChat(clock);
  const tracker = new CallTracker();
  clock.settleWith = () => tracker.idle();
  let backend: ReplicaStores;
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    backend = await replicaStores(backendName, clock, tracker, 3, [APP.appId]);
    replicas.push(...replicasOn(backend.stores, clock, wechat));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await backend.close();
  });

  it('makes one classic /cgi-bin/token call for a cold app however many replicas and callers ask', async () => {
    wechat.delayMs = 50;
    const callers = Promise.all(
      replicas.flatMap((replica) => Array.from({ length: 30 }, () => replica.getToken(APP.appId))),
    );
    await clock.advance(49);
    expect(wechat.tokenCalls).toHaveLength(1);
    expect(await isSettled(callers)).toBe(false);
    await clock.advance(1);
    const tokens = await callers;
    wechat.delayMs = 0;
    expect(wechat.tokenCalls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.value))).toEqual(new Set(['fake-token-1']));
  });

  it('renews a rejected token once for all replicas', async () => {
    const calls = wechat.tokenCalls.length;
    const stale = await replicas[0]?.getToken(APP.appId);
    const results = await Promise.all(
      replicas.map((replica) =>
        replica.call(APP.appId, '/cgi-bin/getcallbackip', async (token) => {
          if (token === stale?.value) {
            throw wechatError(40001, 'api', '/cgi-bin/getcallbackip');
          }
          return token;
        }),
      ),
    );
    expect(new Set(results)).toEqual(new Set(['fake-token-2']));
    expect(wechat.tokenCalls.length - calls).toBe(1);
  });
});

describe('a replica whose local copy has not heard of a renewal yet', () => {
  const clock = new FakeClock();
  const wechat = new FakeWeChat(clock);
  const backend = copiedStores(clock);
  const replicas = replicasOn(backend.stores, clock, wechat);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await backend.close();
  });

  it('reads the shared store, not its local copy, under the lease: a renewal another replica stored is not fetched again', async () => {
    // The local copy is renewable; the shared store already holds the renewed token, whose
    // notification is late: the lease holder must see it and leave WeChat alone.
    const [copy, replica] = [backend.copies[1], replicas[1]];
    const shared = backend.stores[0]?.credentials;
    if (!copy || !replica || !shared) throw new Error('replicas were not set up');
    const now = clock.now();
    const expiring = { value: 'expiring-token', obtainedAt: now, expiresAt: now + 60_000 };
    await shared.set(TOKEN, expiring, 'cold');
    expect(await copy.get(TOKEN)).toEqual(expiring);
    copy.late = true;
    const renewed = { value: 'renewed-elsewhere', obtainedAt: now, expiresAt: now + 7_200_000 };
    await shared.set(TOKEN, renewed, 'margin');
    expect(await copy.get(TOKEN)).toEqual(expiring); // the copy has not heard yet
    const calls = wechat.tokenCalls.length;
    expect((await replica.refresh(APP.appId, { force: false })).value).toBe(renewed.value);
    expect(wechat.tokenCalls.length - calls).toBe(0);
    copy.late = false;
  });
});
