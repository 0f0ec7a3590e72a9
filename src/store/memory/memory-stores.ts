import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import { Listeners } from '../../listeners.js';
import { type Logger, silentLogger } from '../../logger.js';
import {
  type AuthorizerIdPage,
  type AuthorizerPage,
  type AuthorizerPageRequest,
  type AuthorizerRecord,
  type AuthorizerState,
  type AuthorizerStore,
  type ClaimResult,
  type CredentialEvent,
  type CredentialKey,
  type CredentialStore,
  countsOf,
  credentialId,
  type HoldEvent,
  type HoldStore,
  invalidatedEvent,
  type LeaseStore,
  type LockLease,
  pageOf,
  type RefreshReason,
  type StoredCredential,
  type StoreHealth,
  type Stores,
  sortedRecords,
  updatedEvent,
} from '../ports.js';

export interface MemoryStoresOptions {
  /** @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Hears of a listener that throws. @default silentLogger */
  logger?: Logger;
}

interface Held {
  until: number;
  owner?: string;
  note?: string;
}

/** Releases the lease `id` if `owner` holds it (compare-and-delete): the one release of a lease here. */
function release(leases: Map<string, Held>, id: string, owner: string): void {
  if (leases.get(id)?.owner === owner) leases.delete(id);
}

/** The entry for `id` if it has not lapsed; lapsed entries are dropped on the way. */
function live(map: Map<string, Held>, id: string, now: number): Held | undefined {
  const held = map.get(id);
  if (held && held.until <= now) {
    map.delete(id);
    return undefined;
  }
  return held;
}

class MemoryCredentials implements CredentialStore {
  readonly #values = new Map<string, StoredCredential>();
  readonly #listeners: Listeners<CredentialEvent>;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    /** The newest fence issued for each credential, shared with the leases. */
    private readonly fences: Map<string, number>,
    /** The leases, shared with `MemoryLeases`: a write releases its holder's. */
    private readonly leases: Map<string, Held>,
    logger: Logger,
  ) {
    this.#listeners = new Listeners(logger, 'store');
  }

  async get(key: CredentialKey): Promise<StoredCredential | undefined> {
    return this.#read(credentialId(key));
  }

  /** The one copy there is. */
  getLatest(key: CredentialKey): Promise<StoredCredential | undefined> {
    return this.get(key);
  }

  async getMany(keys: readonly CredentialKey[]): Promise<(StoredCredential | undefined)[]> {
    return keys.map((key) => this.#read(credentialId(key)));
  }

  async set(
    key: CredentialKey,
    credential: StoredCredential,
    reason: RefreshReason,
    leaseOwner?: string,
  ): Promise<boolean> {
    const id = credentialId(key);
    if (leaseOwner !== undefined) release(this.leases, id, leaseOwner);
    if (credential.fence !== undefined) {
      const newest = Math.max(this.fences.get(id) ?? 0, this.#read(id)?.fence ?? 0);
      if (credential.fence < newest) return false;
    }
    this.#values.set(id, { ...credential });
    this.#listeners.emit(updatedEvent(key, credential, reason));
    return true;
  }

  async deleteIfSame(key: CredentialKey, value: string): Promise<boolean> {
    const id = credentialId(key);
    if (this.#read(id)?.value !== value) return false;
    this.#values.delete(id);
    this.#listeners.emit(invalidatedEvent(key, value));
    return true;
  }

  subscribe(listener: (event: CredentialEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  clear(): void {
    this.#listeners.clear();
  }

  #read(id: string): StoredCredential | undefined {
    const credential = this.#values.get(id);
    if (credential && this.clock.now() >= credential.expiresAt) {
      this.#values.delete(id);
      return undefined;
    }
    return credential === undefined ? undefined : { ...credential };
  }
}

class MemoryLeases implements LeaseStore {
  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly fences: Map<string, number>,
    private readonly leases: Map<string, Held>,
  ) {}

  async acquire(key: CredentialKey, ttlMs: number): Promise<LockLease | undefined> {
    const id = credentialId(key);
    const now = this.clock.now();
    if (live(this.leases, id, now)) return undefined;
    const owner = randomUUID();
    const fence = (this.fences.get(id) ?? 0) + 1;
    this.fences.set(id, fence);
    this.leases.set(id, { until: now + ttlMs, owner });
    return { owner, fence };
  }

  async renew(key: CredentialKey, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const held = live(this.leases, credentialId(key), now);
    if (held?.owner !== owner) return false;
    held.until = now + ttlMs;
    return true;
  }

  async release(key: CredentialKey, owner: string): Promise<void> {
    release(this.leases, credentialId(key), owner);
  }

  async heldForMs(key: CredentialKey): Promise<number> {
    const now = this.clock.now();
    const held = live(this.leases, credentialId(key), now);
    return held ? held.until - now : 0;
  }
}

class MemoryHolds implements HoldStore {
  readonly #holds = new Map<string, Held>();
  readonly #watchers: Listeners<HoldEvent>;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    logger: Logger,
  ) {
    this.#watchers = new Listeners(logger, 'hold');
  }

  async claim(key: string, ttlMs: number): Promise<ClaimResult> {
    const now = this.clock.now();
    const held = live(this.#holds, key, now);
    if (held) return { ok: false, remainingMs: held.until - now };
    if (ttlMs > 0) this.#holds.set(key, { until: now + ttlMs });
    return { ok: true };
  }

  async hold(key: string, ttlMs: number, note?: string): Promise<void> {
    if (ttlMs > 0)
      this.#holds.set(key, { until: this.clock.now() + ttlMs, ...(note !== undefined && { note }) });
    else this.#holds.delete(key);
    this.#watchers.emit({ type: 'held', key, ttlMs });
  }

  async heldForMs(key: string): Promise<number> {
    const now = this.clock.now();
    const held = live(this.#holds, key, now);
    return held ? held.until - now : 0;
  }

  async heldForMsMany(keys: readonly string[]): Promise<number[]> {
    return Promise.all(keys.map((key) => this.heldForMs(key)));
  }

  async noteOf(key: string): Promise<string | undefined> {
    return live(this.#holds, key, this.clock.now())?.note;
  }

  watch(listener: (event: HoldEvent) => void): () => void {
    return this.#watchers.add(listener);
  }

  /** Every hold is set in this process and told to its watchers. */
  follows(): boolean {
    return true;
  }

  clear(): void {
    this.#watchers.clear();
  }
}

/** Authorizers in this process's memory, by component then appId. */
export class MemoryAuthorizers implements AuthorizerStore {
  readonly #components = new Map<string, Map<string, AuthorizerRecord>>();

  async get(componentAppId: string, authorizerAppId: string): Promise<AuthorizerRecord | undefined> {
    const record = this.#components.get(componentAppId)?.get(authorizerAppId);
    return record && structuredClone(record);
  }

  async put(componentAppId: string, record: AuthorizerRecord): Promise<void> {
    const records = this.#components.get(componentAppId) ?? new Map<string, AuthorizerRecord>();
    records.set(record.appId, structuredClone(record));
    this.#components.set(componentAppId, records);
  }

  async getMany(
    componentAppId: string,
    authorizerAppIds: readonly string[],
  ): Promise<(AuthorizerRecord | undefined)[]> {
    return Promise.all(authorizerAppIds.map((appId) => this.get(componentAppId, appId)));
  }

  async page(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerPage> {
    return pageOf(await this.list(componentAppId), request);
  }

  async pageIds(componentAppId: string, request: AuthorizerPageRequest): Promise<AuthorizerIdPage> {
    const { records, ...rest } = await this.page(componentAppId, request);
    return { appIds: records.map((record) => record.appId), ...rest };
  }

  async counts(componentAppId: string): Promise<Record<AuthorizerState, number>> {
    return countsOf(this.#components.get(componentAppId)?.values() ?? []);
  }

  async list(componentAppId: string): Promise<AuthorizerRecord[]> {
    return sortedRecords(this.#components.get(componentAppId)?.values() ?? []);
  }
}

/** The stores of a single process; every method is synchronous inside, so each change is atomic. */
export class MemoryStores implements Stores {
  readonly kind = 'memory' as const;
  readonly credentials: MemoryCredentials;
  readonly leases: MemoryLeases;
  readonly holds: MemoryHolds;
  readonly authorizers = new MemoryAuthorizers();

  constructor(options: MemoryStoresOptions = {}) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const fences = new Map<string, number>();
    const leases = new Map<string, Held>();
    this.credentials = new MemoryCredentials(clock, fences, leases, logger);
    this.leases = new MemoryLeases(clock, fences, leases);
    this.holds = new MemoryHolds(clock, logger);
  }

  async health(): Promise<StoreHealth> {
    return { ok: true, degraded: false };
  }

  /** One process's memory is always there: its health never changes, so nothing is ever announced. */
  onHealthChange(_listener: (health: StoreHealth) => void): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.credentials.clear();
    this.holds.clear();
  }
}
