import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import { Listeners } from '../listeners.js';
import { type Logger, silentLogger } from '../logger.js';
import { tokenFingerprint } from '../redact.js';
import type {
  ClaimResult,
  HoldEvent,
  LockLease,
  RefreshReason,
  StoredEntry,
  StoredToken,
  StoreEvent,
  StoreHealth,
  TokenStore,
} from './store.js';

export interface MemoryStoreOptions {
  /** @default systemClock */
  clock?: Clock;
  /** Hears of a listener that throws. @default silentLogger */
  logger?: Logger;
}

interface Held {
  until: number;
  owner?: string;
}

/** The store of a single process; every method is synchronous inside, so each change is atomic. */
export class MemoryStore implements TokenStore {
  readonly kind = 'memory' as const;
  readonly #clock: Clock;
  readonly #tokens = new Map<string, StoredToken>();
  readonly #locks = new Map<string, Held>();
  readonly #fences = new Map<string, number>();
  readonly #holds = new Map<string, Held>();
  readonly #holdWatchers = new Set<(event: HoldEvent) => void>();
  readonly #entries = new Map<string, StoredEntry>();
  readonly #entryLocks = new Map<string, Held>();
  readonly #listeners: Listeners<StoreEvent>;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#listeners = new Listeners(options.logger ?? silentLogger, 'store');
  }

  async get(appId: string): Promise<StoredToken | undefined> {
    const token = this.#tokens.get(appId);
    if (token && this.#clock.now() >= token.expiresAt) {
      this.#tokens.delete(appId);
      return undefined;
    }
    return token === undefined ? undefined : { ...token };
  }

  /** The one copy there is. */
  getLatest(appId: string): Promise<StoredToken | undefined> {
    return this.get(appId);
  }

  async set(appId: string, token: StoredToken, reason: RefreshReason): Promise<boolean> {
    if (token.fence !== undefined) {
      const newest = Math.max(this.#fences.get(appId) ?? 0, (await this.get(appId))?.fence ?? 0);
      if (token.fence < newest) return false;
    }
    this.#tokens.set(appId, { ...token });
    this.#emit({
      type: 'updated',
      appId,
      fingerprint: tokenFingerprint(token.accessToken),
      expiresAt: token.expiresAt,
      reason,
    });
    return true;
  }

  async deleteIfSame(appId: string, accessToken: string): Promise<boolean> {
    if (this.#tokens.get(appId)?.accessToken !== accessToken) return false;
    this.#tokens.delete(appId);
    this.#emit({ type: 'invalidated', appId, fingerprint: tokenFingerprint(accessToken) });
    return true;
  }

  async acquireLock(appId: string, ttlMs: number): Promise<LockLease | undefined> {
    if (this.#live(this.#locks, appId)) return undefined;
    const owner = randomUUID();
    const fence = (this.#fences.get(appId) ?? 0) + 1;
    this.#fences.set(appId, fence);
    this.#locks.set(appId, { until: this.#clock.now() + ttlMs, owner });
    return { owner, fence };
  }

  async renewLock(appId: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.#live(this.#locks, appId);
    if (held?.owner !== owner) return false;
    held.until = this.#clock.now() + ttlMs;
    return true;
  }

  async releaseLock(appId: string, owner: string): Promise<void> {
    if (this.#locks.get(appId)?.owner === owner) this.#locks.delete(appId);
  }

  async getEntry(appId: string, name: string): Promise<StoredEntry | undefined> {
    const key = entryKey(appId, name);
    const entry = this.#entries.get(key);
    if (entry && this.#clock.now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry === undefined ? undefined : { ...entry };
  }

  async setEntry(appId: string, name: string, entry: StoredEntry): Promise<void> {
    this.#entries.set(entryKey(appId, name), { ...entry });
  }

  async acquireEntryLock(appId: string, name: string, ttlMs: number): Promise<string | undefined> {
    const key = entryKey(appId, name);
    if (this.#live(this.#entryLocks, key)) return undefined;
    const owner = randomUUID();
    this.#entryLocks.set(key, { until: this.#clock.now() + ttlMs, owner });
    return owner;
  }

  async releaseEntryLock(appId: string, name: string, owner: string): Promise<void> {
    const key = entryKey(appId, name);
    if (this.#entryLocks.get(key)?.owner === owner) this.#entryLocks.delete(key);
  }

  async claim(key: string, ttlMs: number): Promise<ClaimResult> {
    const held = this.#live(this.#holds, key);
    if (held) return { ok: false, remainingMs: held.until - this.#clock.now() };
    this.#holds.set(key, { until: this.#clock.now() + ttlMs });
    return { ok: true };
  }

  async hold(key: string, ttlMs: number): Promise<void> {
    this.#holds.set(key, { until: this.#clock.now() + ttlMs });
    for (const watcher of this.#holdWatchers) watcher({ type: 'held', key, ttlMs });
  }

  watchHolds(listener: (event: HoldEvent) => void): () => void {
    this.#holdWatchers.add(listener);
    return () => this.#holdWatchers.delete(listener);
  }

  async heldForMs(key: string): Promise<number> {
    const held = this.#live(this.#holds, key);
    return held ? held.until - this.#clock.now() : 0;
  }

  async lockHeldForMs(appId: string): Promise<number> {
    const held = this.#live(this.#locks, appId);
    return held ? held.until - this.#clock.now() : 0;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async health(): Promise<StoreHealth> {
    return { ok: true, degraded: false };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#holdWatchers.clear();
  }

  /** The entry for `key` if it has not expired; expired entries are dropped on the way. */
  #live(map: Map<string, Held>, key: string): Held | undefined {
    const held = map.get(key);
    if (held && held.until <= this.#clock.now()) {
      map.delete(key);
      return undefined;
    }
    return held;
  }

  #emit(event: StoreEvent): void {
    this.#listeners.emit(event);
  }
}

/** Entries and their locks are keyed by app and name together. */
function entryKey(appId: string, name: string): string {
  return `${appId}\n${name}`;
}
