/**
 * Where tokens live. `MemoryStore` serves one process; `RedisStore` is shared by every replica.
 * Implementations must make each state change atomic, so a reader never sees half a state.
 */

export interface StoredToken {
  accessToken: string;
  /** Epoch milliseconds at which WeChat will stop accepting the token. */
  expiresAt: number;
  /** Epoch milliseconds at which WeChat issued it. */
  obtainedAt: number;
  /**
   * The fencing number of the lock lease it was fetched under. A write whose fence is lower than the
   * stored token's, or than the newest lease issued, is refused: it comes from a holder that lost its
   * lease (a long pause) and would overwrite a newer token. Absent on tokens fetched without the lock.
   */
  fence?: number;
}

/** A held fetch lock: `owner` renews and releases it, `fence` grows with every lease issued for the app. */
export interface LockLease {
  owner: string;
  fence: number;
}

/**
 * Another secret held per app beside its token (JS-SDK tickets), named by its purpose within the app
 * (e.g. `ticket:jsapi`), until `expiresAt`. Times are epoch milliseconds.
 */
export interface StoredEntry {
  value: string;
  expiresAt: number;
  obtainedAt: number;
}

/** Why a token was fetched: `cold` (none cached), `margin` (about to expire), `invalidated`, `forced`. */
export type RefreshReason = 'cold' | 'margin' | 'invalidated' | 'forced';

/** Change notifications; `fingerprint` (see redact.ts) names a token without revealing it. */
export type StoreEvent =
  | { type: 'updated'; appId: string; fingerprint: string; expiresAt: number; reason: RefreshReason }
  | { type: 'invalidated'; appId: string; fingerprint: string };

/**
 * A hold was set for `ttlMs` (0: released) by this or another replica, or `resync`: some changes may
 * have been missed (a reconnect), so what a listener knows must be read again.
 */
export type HoldEvent = { type: 'held'; key: string; ttlMs: number } | { type: 'resync' };

export type ClaimResult = { ok: true } | { ok: false; remainingMs: number };

export interface StoreHealth {
  ok: boolean;
  /** True when a shared store is down and this replica serves from its local fallback. */
  degraded: boolean;
  detail?: string;
}

export interface TokenStore {
  readonly kind: 'memory' | 'redis';
  get(appId: string): Promise<StoredToken | undefined>;
  /**
   * The shared copy as it is now, never a local copy that a notification has yet to update: what a
   * lock holder reads before calling WeChat (a stale copy would make it fetch a token another replica
   * fetched a moment ago).
   */
  getLatest(appId: string): Promise<StoredToken | undefined>;
  /**
   * Stores the token until its `expiresAt` and notifies every subscriber (on every replica), unless
   * its `fence` is older than the stored token's or the newest lease's: then nothing changes and the
   * answer is false.
   */
  set(appId: string, token: StoredToken, reason: RefreshReason): Promise<boolean>;
  /** Deletes the cached token only if it is still `accessToken`; true when it did. */
  deleteIfSame(appId: string, accessToken: string): Promise<boolean>;
  /** Takes the per-app fetch lock for a lease of `ttlMs`; undefined when someone else holds it. */
  acquireLock(appId: string, ttlMs: number): Promise<LockLease | undefined>;
  /** Extends the lease by `ttlMs` from now if `owner` still holds it; false when it was lost. */
  renewLock(appId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if `owner` still holds it (compare-and-delete). */
  releaseLock(appId: string, owner: string): Promise<void>;
  /**
   * Takes `key` for `ttlMs` unless someone already holds it, atomically (forced-refresh cooldowns
   * shared by replicas); a refused claim says how long is left. Keys never contain secrets and read
   * `<purpose>:<appId>[:…]` (RedisStore keeps them in the app's Cluster slot by that appId).
   */
  claim(key: string, ttlMs: number): Promise<ClaimResult>;
  /** Holds `key` for `ttlMs` whatever its state (quota circuits shared by replicas). */
  hold(key: string, ttlMs: number): Promise<void>;
  /** How many milliseconds `key` is still held; 0 when free. */
  heldForMs(key: string): Promise<number>;
  /** The app's entry `name` while it has not expired. Names never contain secrets. */
  getEntry(appId: string, name: string): Promise<StoredEntry | undefined>;
  /** Stores the entry until its `expiresAt`; readers ask the store (no notification is sent). */
  setEntry(appId: string, name: string, entry: StoredEntry): Promise<void>;
  /** The fetch lock of the app's entry `name`, with the rules of `acquireLock`. */
  acquireEntryLock(appId: string, name: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the entry's lock only if `owner` still holds it. */
  releaseEntryLock(appId: string, name: string, owner: string): Promise<void>;
  /** How many milliseconds the app's fetch lock is still held, by any replica; 0 when free (status page). */
  lockHeldForMs?(appId: string): Promise<number>;
  /** Listens to changes made by this and every other replica; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /**
   * Listens to `hold` calls made by this and every other replica (quota circuits kept in process);
   * returns the unsubscribe function. A store without it is read again after a short while instead.
   */
  watchHolds?(listener: (event: HoldEvent) => void): () => void;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** The appId of a hold or claim key (`<purpose>:<appId>[:…]`, see `TokenStore.claim`); the key itself without one. */
export function appOfHoldKey(key: string): string {
  return key.split(':')[1] || key;
}
