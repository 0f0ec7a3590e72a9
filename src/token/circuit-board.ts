import type { Clock } from '../clock.js';
import { appOfHoldKey, type HoldEvent, type TokenStore } from './store.js';

export interface CircuitBoardOptions {
  store: Pick<TokenStore, 'heldForMs' | 'watchHolds'>;
  clock: Clock;
  /**
   * How long what was read of an app's circuits is trusted when the store announces no holds (a store
   * without `watchHolds`). With announcements, it is trusted until a `resync`. @default 1000
   */
  unwatchedTtlMs?: number;
}

/**
 * What this replica knows of the quota circuits (store holds), in process memory, so reporting them
 * (`tokenStatus.circuitOpenUntil`, /ready, /metrics) never reads the store per request. An app's holds
 * are read once, then followed through the store's hold announcements (this and every other replica);
 * a `resync` (notifications were interrupted) reads them again on next use.
 */
export class CircuitBoard {
  readonly #options: CircuitBoardOptions;
  readonly #until = new Map<string, number>();
  /** appId → the latest end of any hold recorded for it: past it, none of the app's keys is held. */
  readonly #appUntil = new Map<string, number>();
  /** appId → when its holds were read; absent: read before answering. */
  readonly #readAt = new Map<string, number>();
  readonly #reading = new Map<string, Promise<void>>();
  readonly #watched: boolean;
  readonly #unwatch: () => void;

  constructor(options: CircuitBoardOptions) {
    this.#options = options;
    const unwatch = options.store.watchHolds?.((event) => this.#onHold(event));
    this.#watched = unwatch !== undefined;
    this.#unwatch = unwatch ?? (() => {});
  }

  /** Records a hold this replica just read or set (the store's answer is the truth). */
  record(key: string, heldForMs: number): void {
    if (heldForMs <= 0) {
      this.#until.delete(key);
      return;
    }
    const until = this.#options.clock.now() + heldForMs;
    this.#until.set(key, until);
    const appId = appOfHoldKey(key);
    if (until > (this.#appUntil.get(appId) ?? 0)) this.#appUntil.set(appId, until);
  }

  /**
   * Milliseconds until every one of `keys()` (all of `appId`) is free again; 0 when none is held. The
   * keys are only made when the app may hold one: most of the time none is, and this runs per request.
   */
  async heldForMs(appId: string, keys: () => readonly string[]): Promise<number> {
    if (!this.#known(appId)) await this.#read(appId, keys());
    const now = this.#options.clock.now();
    if ((this.#appUntil.get(appId) ?? 0) <= now) return 0;
    let longest = 0;
    for (const key of keys()) {
      const until = this.#until.get(key);
      if (until !== undefined && until - now > longest) longest = until - now;
    }
    return longest;
  }

  close(): void {
    this.#unwatch();
  }

  #known(appId: string): boolean {
    const readAt = this.#readAt.get(appId);
    if (readAt === undefined) return false;
    return this.#watched || this.#options.clock.now() - readAt < (this.#options.unwatchedTtlMs ?? 1000);
  }

  #read(appId: string, keys: readonly string[]): Promise<void> {
    const running = this.#reading.get(appId);
    if (running) return running;
    const startedAt = this.#options.clock.now();
    const reading = Promise.all(keys.map((key) => this.#options.store.heldForMs(key)))
      .then((held) => {
        keys.forEach((key, i) => {
          this.record(key, held[i] ?? 0);
        });
        this.#readAt.set(appId, startedAt);
      })
      .finally(() => this.#reading.delete(appId));
    this.#reading.set(appId, reading);
    return reading;
  }

  #onHold(event: HoldEvent): void {
    if (event.type === 'resync') {
      this.#readAt.clear();
      return;
    }
    this.record(event.key, event.ttlMs);
  }
}
