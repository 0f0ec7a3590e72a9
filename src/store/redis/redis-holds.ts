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
        const remainingMs = await redis.wxgwStoreClaim(
          redisKey,
          this.#context.keys.holdsUntil(appOfHoldKey(key)),
          ttlMs,
        );
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
          keys.holdsUntil(appOfHoldKey(key)),
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
      // With whatever else this turn reads: many apps starting at once check their circuits together.
      async () => Math.max(0, (await this.#context.ttls.read([redisKey]))[0] ?? -2),
      () => mirror.heldForMs(key, this.#context.now()),
    );
  }

  /**
   * Each app's holds mark first (`holdsUntil`), then the keys of only the apps that have one (most hold
   * nothing): a page of 100 authorizers' two dozen circuits each is 100 PTTLs, not 2,400. Both reads
   * go with whatever else this turn reads (`ttls`: one script per slot for every caller).
   */
  async heldForMsMany(keys: readonly string[]): Promise<number[]> {
    const { mirror } = this.#context;
    return this.#context.run(
      'heldForMsMany',
      async () => {
        const redisKeys = this.#context.keys;
        const apps = [...new Set(keys.map(appOfHoldKey))];
        const marks = await this.#context.ttls.read(apps.map((appId) => redisKeys.holdsUntil(appId)));
        // -2: no mark, so none of the app's keys is held (-1, a mark without expiry, is not written).
        const holding = new Set(apps.filter((_, at) => marks[at] !== -2));
        const asked = keys.filter((key) => holding.has(appOfHoldKey(key)));
        const held = await this.#context.ttls.read(asked.map((key) => redisKeys.hold(key)));
        const heldOf = new Map(asked.map((key, at) => [key, held[at] ?? 0]));
        return keys.map((key) => Math.max(0, heldOf.get(key) ?? 0));
      },
      () => keys.map((key) => mirror.heldForMs(key, this.#context.now())),
    );
  }

  async noteOf(key: string): Promise<string | undefined> {
    const redisKey = this.#context.keys.hold(key);
    const { mirror } = this.#context;
    return this.#context.run(
      'noteOf',
      async () => {
        // With whatever else this turn reads: many apps starting at once check their negative caches together.
        // Held without a note reads '' (the previous version wrote '1', under purposes that carry none).
        const [note] = await this.#context.values.read([redisKey]);
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
