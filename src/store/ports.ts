import { tokenFingerprint } from '../redact.js';

/**
 * The narrow ports every piece of shared state goes through. Each has a memory implementation (one
 * process) and a Redis one (every replica), built side by side by `openStores` and held to one
 * contract (`test/store/contract.test.ts`). Implementations make each change atomic, so a reader never
 * sees half of one.
 */

/**
 * Names one credential: the account it belongs to (an appId; its Redis Cluster hash tag and its
 * notification channel) and its kind within the account (`token`, `ticket:jsapi`, …). Neither part is
 * ever a secret.
 */
export interface CredentialKey {
  readonly appId: string;
  readonly kind: string;
}

/** One string per credential, for maps and flights (appIds and kinds never contain a newline). */
export function credentialId(key: CredentialKey): string {
  return `${key.appId}\n${key.kind}`;
}

/** `expiresAt` of a credential that never expires by time (it is kept until replaced or deleted). */
export const NEVER_EXPIRES = Number.MAX_SAFE_INTEGER;

export interface StoredCredential {
  value: string;
  /** Epoch milliseconds at which WeChat stops accepting it (`NEVER_EXPIRES`: not by time). */
  expiresAt: number;
  /** Epoch milliseconds at which WeChat issued it. */
  obtainedAt: number;
  /**
   * The fencing number of the lease it was obtained under. A write whose fence is lower than the stored
   * credential's, or than the newest lease issued for it, is refused: it comes from a holder that lost
   * its lease (a long pause) and would overwrite a newer value. Absent when obtained without a lease.
   */
  fence?: number;
}

/** Why a credential was obtained: `cold` (none stored), `margin` (about to expire), `invalidated`, `forced`. */
export type RefreshReason = 'cold' | 'margin' | 'invalidated' | 'forced';

/** Change notifications; `fingerprint` (redact.ts) names a value without revealing it. */
export type CredentialEvent =
  | {
      type: 'updated';
      appId: string;
      kind: string;
      fingerprint: string;
      expiresAt: number;
      reason: RefreshReason;
    }
  | { type: 'invalidated'; appId: string; kind: string; fingerprint: string };

/** The notification of `credential` stored under `key`: its fingerprint, never its value. */
export function updatedEvent(
  key: CredentialKey,
  credential: StoredCredential,
  reason: RefreshReason,
): CredentialEvent {
  const fingerprint = tokenFingerprint(credential.value);
  return {
    type: 'updated',
    appId: key.appId,
    kind: key.kind,
    fingerprint,
    expiresAt: credential.expiresAt,
    reason,
  };
}

/** The notification of `value` deleted from `key`. */
export function invalidatedEvent(key: CredentialKey, value: string): CredentialEvent {
  return { type: 'invalidated', appId: key.appId, kind: key.kind, fingerprint: tokenFingerprint(value) };
}

/** Credential values shared by every replica, with a notification of each change. */
export interface CredentialStore {
  /** The credential while it has not expired; may be a short local copy that notifications keep true. */
  get(key: CredentialKey): Promise<StoredCredential | undefined>;
  /**
   * The shared copy as it is now, never a local copy a notification has yet to update: what a lease
   * holder reads before calling WeChat (a stale copy would make it fetch what another replica fetched).
   */
  getLatest(key: CredentialKey): Promise<StoredCredential | undefined>;
  /** Many credentials in one round trip (Redis: one `MGET` per Cluster slot), in the order asked. */
  getMany(keys: readonly CredentialKey[]): Promise<(StoredCredential | undefined)[]>;
  /**
   * Stores the credential until its `expiresAt` and notifies every subscriber on every replica, unless
   * its `fence` is older than the stored one's or the newest lease's: then nothing changes (false).
   * With `leaseOwner`, the credential's lease is released by that owner in the same step, stored or
   * not (as `LeaseStore.release`): a holder's write and release are one change, so the next holder
   * never finds the lease free before the value is stored.
   */
  set(
    key: CredentialKey,
    credential: StoredCredential,
    reason: RefreshReason,
    leaseOwner?: string,
  ): Promise<boolean>;
  /** Deletes the credential only while its value is still `value`, notifying; true when it did. */
  deleteIfSame(key: CredentialKey, value: string): Promise<boolean>;
  /** Listens to changes made by this and every other replica; returns the unsubscribe function. */
  subscribe(listener: (event: CredentialEvent) => void): () => void;
}

/** A held lease: `owner` renews and releases it, `fence` grows with every lease issued for the key. */
export interface LockLease {
  owner: string;
  fence: number;
}

/** Fenced leases, one per credential: at most one replica obtains a credential at a time. */
export interface LeaseStore {
  /**
   * Takes the credential's lease for `ttlMs`; undefined when someone else holds it. Throws
   * `StoreUnavailableError` when the shared store cannot be reached (no lease can be promised then).
   */
  acquire(key: CredentialKey, ttlMs: number): Promise<LockLease | undefined>;
  /** Extends the lease by `ttlMs` from now if `owner` still holds it; false when it was lost. */
  renew(key: CredentialKey, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease only if `owner` still holds it (compare-and-delete). */
  release(key: CredentialKey, owner: string): Promise<void>;
  /** How many milliseconds the lease is still held, by any replica; 0 when free. */
  heldForMs(key: CredentialKey): Promise<number>;
}

export type ClaimResult = { ok: true } | { ok: false; remainingMs: number };

/**
 * A hold was set for `ttlMs` (0: released) by this or another replica, or `resync`: some holds may
 * have been missed (a reconnect; with `appIds`, those apps' holds are no longer announced here), so what
 * a listener knows of them must be read again.
 */
export type HoldEvent =
  | { type: 'held'; key: string; ttlMs: number }
  | { type: 'resync'; appIds?: readonly string[] };

/**
 * Timed holds shared by replicas: cooldowns, quota circuits, rejection windows and the negative cache.
 * Keys never contain secrets and read `<purpose>:<appId>[:…]` (Redis keeps them in the app's slot).
 */
export interface HoldStore {
  /** Takes `key` for `ttlMs` unless someone already holds it, atomically; a refusal says how long is left. */
  claim(key: string, ttlMs: number): Promise<ClaimResult>;
  /** Holds `key` for `ttlMs` whatever its state (0 releases it), with an optional `note`, announcing it. */
  hold(key: string, ttlMs: number, note?: string): Promise<void>;
  /** How many milliseconds `key` is still held; 0 when free. */
  heldForMs(key: string): Promise<number>;
  /** `heldForMs` of many keys in one round trip (Redis: one command per Cluster slot), in the order asked. */
  heldForMsMany(keys: readonly string[]): Promise<number[]>;
  /** The note of a live hold; undefined when it is free or was held without one. */
  noteOf(key: string): Promise<string | undefined>;
  /** Listens to `hold` calls made by this and every other replica; returns the unsubscribe function. */
  watch(listener: (event: HoldEvent) => void): () => void;
  /**
   * Whether `watch` hears every hold of the app now: what a watcher read of an app it does not follow
   * must be read again on next use. Memory: always; Redis: while the app's channel is subscribed.
   */
  follows(appId: string): boolean;
}

/** An authorizer's standing with its component (issue 26): what the refresh token can still do. */
export type AuthorizerState = 'AUTHORIZED' | 'UNAUTHORIZED' | 'REFRESH_TOKEN_INVALID';

/** One account (Official Account or Mini Program) that authorized a component. */
export interface AuthorizerRecord {
  appId: string;
  state: AuthorizerState;
  /** `authorizer_refresh_token`: never expires by time, changes on a new authorization. Absent once revoked. */
  refreshToken?: string;
  /** Epoch milliseconds of the authorization (WeChat's auth time or the push's CreateTime). */
  authorizedAt?: number;
  /** The permission-set ids granted (`func_info`). */
  permissions: number[];
}

/**
 * Every component's authorizers, durable (no TTL: a lost refresh token needs the merchant or the
 * authorizer list to come back) and shared by replicas. Refresh tokens are secrets: never in a key.
 */
export interface AuthorizerStore {
  get(componentAppId: string, authorizerAppId: string): Promise<AuthorizerRecord | undefined>;
  /** `get` of many authorizers of the component in one round trip (Redis: one command per slot), in the order asked. */
  getMany(
    componentAppId: string,
    authorizerAppIds: readonly string[],
  ): Promise<(AuthorizerRecord | undefined)[]>;
  /** Stores (or replaces) the authorizer's record. */
  put(componentAppId: string, record: AuthorizerRecord): Promise<void>;
  /** The authorizers after `after` (by appId), at most `first`, only in `state` if given. */
  page(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerPage>;
  /** `page` without the records: their appIds, so the records can be read with what else a request reads. */
  pageIds(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerIdPage>;
  /** How many authorizers of the component are in each state. */
  counts(componentAppId: string): Promise<Record<AuthorizerState, number>>;
  /** Every authorizer of the component, ordered by appId (tests and tools; a page is what requests read). */
  list(componentAppId: string): Promise<AuthorizerRecord[]>;
}

export interface AuthorizerPageRequest {
  /** The appId the page follows (exclusive); absent: from the first. */
  after?: string;
  first: number;
  state?: AuthorizerState;
}

export interface AuthorizerPage {
  records: AuthorizerRecord[];
  /** Whether more authorizers (in `state`, if given) follow the page. */
  hasNextPage: boolean;
  /** How many authorizers (in `state`, if given) the component has, on every page. */
  totalCount: number;
}

export interface AuthorizerIdPage extends Omit<AuthorizerPage, 'records'> {
  appIds: string[];
}

export const AUTHORIZER_STATES: readonly AuthorizerState[] = [
  'AUTHORIZED',
  'UNAUTHORIZED',
  'REFRESH_TOKEN_INVALID',
];

/** The page of `records` (ordered by appId) a request asks for. */
export function pageOf(records: readonly AuthorizerRecord[], request: AuthorizerPageRequest): AuthorizerPage {
  const { after, first, state } = request;
  const matching = records.filter((r) => !state || r.state === state);
  const rest = after === undefined ? matching : matching.filter((r) => r.appId > after);
  return { records: rest.slice(0, first), hasNextPage: rest.length > first, totalCount: matching.length };
}

/** The states of `records`, counted. */
export function countsOf(
  records: Iterable<Pick<AuthorizerRecord, 'state'>>,
): Record<AuthorizerState, number> {
  const counts: Record<AuthorizerState, number> = {
    AUTHORIZED: 0,
    UNAUTHORIZED: 0,
    REFRESH_TOKEN_INVALID: 0,
  };
  for (const record of records) counts[record.state]++;
  return counts;
}

/** Records ordered by appId (the order connections page in). */
export function sortedRecords(records: Iterable<AuthorizerRecord>): AuthorizerRecord[] {
  return [...records]
    .map((r) => structuredClone(r))
    .sort((a, b) => (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0));
}

export interface StoreHealth {
  ok: boolean;
  /** True when a shared store is down and this replica serves from its local fallback. */
  degraded: boolean;
  detail?: string;
}

/** The ports over one backend, opened and closed together. */
export interface Stores {
  readonly kind: 'memory' | 'redis';
  readonly credentials: CredentialStore;
  readonly leases: LeaseStore;
  readonly holds: HoldStore;
  readonly authorizers: AuthorizerStore;
  /** The one decision of the store's health: `/ready`, `/status`, `tokenStatus` and metrics ask it. */
  health(): Promise<StoreHealth>;
  /**
   * Listens to changes of `health()`'s answer (`ok` or `degraded`) from now on, each announced with
   * the answer `health()` gave: Redis connections lost, degraded, back. Memory stores never change.
   * Returns the unsubscribe function.
   */
  onHealthChange(listener: (health: StoreHealth) => void): () => void;
  close(): Promise<void>;
}

/**
 * The appId of a hold key (`<purpose>:<appId>[:…]`); the key itself without one. Read in place (no
 * array of the key's parts): it runs for every hold key of every app read or announced.
 */
export function appOfHoldKey(key: string): string {
  const start = key.indexOf(':') + 1;
  if (start === 0) return key;
  const end = key.indexOf(':', start);
  return (end < 0 ? key.slice(start) : key.slice(start, end)) || key;
}
