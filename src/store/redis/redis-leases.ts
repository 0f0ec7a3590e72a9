import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../../errors.js';
import type { CredentialKey, LeaseStore, LockLease } from '../ports.js';
import type { RedisStoresContext } from './context.js';
import { isAuthorizerCredentialId } from './keys.js';
import { assertLeaseTtl } from './options.js';

/**
 * The fencing counter outlives any credential obtained under it by time (a token lives a few hours, and
 * each lease touches the counter); one that never expires re-seeds a lapsed counter (`wxgwStoreAcquireLeases`).
 */
const FENCE_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Fenced leases in Redis, one key per credential (`:lock` for tokens, `:lock:<kind>` otherwise). No
 * lease can be promised while Redis is down: `acquire` throws, `renew` says the lease is lost (its holder
 * stops), `release` leaves it to expire, and `heldForMs` is 0 (there is no lease then).
 */
export class RedisLeases implements LeaseStore {
  readonly #context: RedisStoresContext;

  constructor(context: RedisStoresContext) {
    this.#context = context;
  }

  async acquire(key: CredentialKey, ttlMs: number): Promise<LockLease | undefined> {
    const { keys, notifications } = this.#context;
    const leaseKey = keys.lease(key);
    assertLeaseTtl(ttlMs);
    notifications.follow(key.appId, isAuthorizerCredentialId(keys.credential(key)));
    const owner = randomUUID();
    const refuse = (cause?: unknown): never => {
      // Clients see this message: it names no Redis address (the store's own log lines do).
      throw new StoreUnavailableError(
        `The shared credential store is unreachable, so the lease on ${key.appId}'s ${key.kind} cannot be taken; retry once it answers.`,
        cause === undefined ? undefined : { cause },
      );
    };
    return this.#context.run(
      'acquireLease',
      async () => {
        // With whatever else this turn takes (`acquires`): many apps starting at once, one script.
        const fence = await this.#context.acquires.call(
          [leaseKey, keys.fence(key), keys.credential(key)],
          [owner, ttlMs, FENCE_TTL_MS],
        );
        return fence > 0 ? { owner, fence } : undefined;
      },
      refuse,
    );
  }

  async renew(key: CredentialKey, owner: string, ttlMs: number): Promise<boolean> {
    assertLeaseTtl(ttlMs);
    const leaseKey = this.#context.keys.lease(key);
    return this.#context.run(
      'renewLease',
      async (redis) => (await redis.wxgwStoreRenewLease(leaseKey, owner, ttlMs)) === 1,
      () => false,
    );
  }

  async release(key: CredentialKey, owner: string): Promise<void> {
    const leaseKey = this.#context.keys.lease(key);
    await this.#context.run(
      'releaseLease',
      (redis) => redis.wxgwStoreReleaseLease(leaseKey, owner),
      () => 0,
    );
  }

  async heldForMs(key: CredentialKey): Promise<number> {
    const leaseKey = this.#context.keys.lease(key);
    return this.#context.run(
      'leaseHeldForMs',
      async (redis) => Math.max(0, await redis.pttl(leaseKey)),
      () => 0,
    );
  }
}
