import { appOfHoldKey, type ClaimResult, type HoldEvent, type HoldStore } from '../ports.js';
import type { RedisStoresContext } from './context.js';
import { holdMs } from './options.js';

/**
 * Timed holds in Redis under `<prefix>{<appId>}:hold:<key>`, whose value is the hold's note (empty for
 * none). Each `hold` is one script that also announces it on the app's channel; `watch` hears the apps
 * this replica follows (its `appIds`, and any app whose credentials or holds it has used). Every hold
 * this replica claims or sets is mirrored in its memory, so it still holds here while Redis is down.
 */
export class RedisHolds implements HoldStore {
  readonly #context: RedisStoresContext;

  constructor(context: RedisStoresContext) {
    this.#context = context;
  }

  async claim(key: string, ttlMs: number): Promise<ClaimResult> {
    const redisKey = this.#context.keys.hold(key);
    ttlMs = holdMs(ttlMs);
    this.#context.notifications.follow(appOfHoldKey(key));
    // A zero cooldown holds nothing, but a running hold still refuses.
    if (ttlMs === 0) {
      const remainingMs = await this.heldForMs(key);
      return remainingMs > 0 ? { ok: false, remainingMs } : { ok: true };
    }
    const { mirror } = this.#context;
    return this.#context.run<ClaimResult>(
      'claim',
      async (redis) => {
        const remainingMs = await redis.wxgwStoreClaim(redisKey, ttlMs);
        // Mirrored so the claim still holds on this replica if Redis goes away.
        mirror.hold(key, remainingMs === 0 ? ttlMs : remainingMs, this.#context.now());
        return remainingMs === 0 ? { ok: true } : { ok: false, remainingMs };
      },
      () => mirror.claim(key, ttlMs, this.#context.now()),
    );
  }

  async hold(key: string, ttlMs: number, note?: string): Promise<void> {
    const { keys, mirror, notifications } = this.#context;
    const redisKey = keys.hold(key);
    ttlMs = holdMs(ttlMs);
    notifications.follow(appOfHoldKey(key));
    mirror.hold(key, ttlMs, this.#context.now(), note);
    notifications.holds.emit({ type: 'held', key, ttlMs });
    await this.#context.run(
      'hold',
      (redis) =>
        redis.wxgwStoreHold(
          redisKey,
          ttlMs,
          note ?? '',
          keys.channel(appOfHoldKey(key)),
          notifications.holdMessage(key, ttlMs),
        ),
      () => 0,
    );
  }

  async heldForMs(key: string): Promise<number> {
    const redisKey = this.#context.keys.hold(key);
    const { mirror } = this.#context;
    return this.#context.run(
      'heldForMs',
      async (redis) => Math.max(0, await redis.pttl(redisKey)),
      () => mirror.heldForMs(key, this.#context.now()),
    );
  }

  /** Read with whatever else this turn asks (`ttls`: one script per slot for every caller). */
  async heldForMsMany(keys: readonly string[]): Promise<number[]> {
    const { mirror } = this.#context;
    const redisKeys = keys.map((key) => this.#context.keys.hold(key));
    return this.#context.run(
      'heldForMsMany',
      async () => (await this.#context.ttls.read(redisKeys)).map((ms) => Math.max(0, ms)),
      () => keys.map((key) => mirror.heldForMs(key, this.#context.now())),
    );
  }

  async noteOf(key: string): Promise<string | undefined> {
    const redisKey = this.#context.keys.hold(key);
    const { mirror } = this.#context;
    return this.#context.run(
      'noteOf',
      async (redis) => {
        // Held without a note reads '' (the previous version wrote '1', under purposes that carry none).
        const note = await redis.get(redisKey);
        return note === null || note === '' ? undefined : note;
      },
      () => mirror.noteOf(key, this.#context.now()),
    );
  }

  follows(appId: string): boolean {
    return this.#context.notifications.follows(appId);
  }

  watch(listener: (event: HoldEvent) => void): () => void {
    return this.#context.notifications.holds.add(listener);
  }
}
