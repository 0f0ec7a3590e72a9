import { Listeners } from '../../listeners.js';
import {
  type CredentialEvent,
  type CredentialKey,
  type CredentialStore,
  invalidatedEvent,
  NEVER_EXPIRES,
  type RefreshReason,
  type StoredCredential,
  updatedEvent,
} from '../ports.js';
import type { RedisStoresContext } from './context.js';
import { isAuthorizerCredentialId } from './keys.js';
import { parseCredential, serializeCredential } from './wire.js';

/** A credential past its expiry is as good as none. */
function usable(credential: StoredCredential | undefined, now: number): StoredCredential | undefined {
  return credential && credential.expiresAt > now ? credential : undefined;
}

/**
 * Credentials in Redis under `<prefix>{<appId>}:<kind>` (`:token` for tokens) until they expire; each
 * change is one script that also publishes the event on the app's sharded channel, which drops the
 * short local copy on every replica. While Redis is down, reads and writes are served from this
 * replica's memory; once it is back it is the truth again (what was written locally meanwhile is not
 * pushed back, so a replica re-reads or obtains it anew).
 */
export class RedisCredentials implements CredentialStore {
  readonly #context: RedisStoresContext;
  readonly #listeners: Listeners<CredentialEvent>;

  constructor(context: RedisStoresContext) {
    this.#context = context;
    this.#listeners = new Listeners(context.log, 'store');
  }

  async get(key: CredentialKey): Promise<StoredCredential | undefined> {
    const { keys, mirror, notifications, options } = this.#context;
    const id = keys.credential(key);
    const now = this.#context.now();
    const copy = mirror.fresh(id, now, notifications.copyTtlMs(key.appId, options));
    if (copy) return usable(copy.credential, now);
    return this.getLatest(key);
  }

  async getLatest(key: CredentialKey): Promise<StoredCredential | undefined> {
    const { keys, mirror, notifications } = this.#context;
    const id = keys.credential(key);
    notifications.follow(key.appId, isAuthorizerCredentialId(id));
    const generation = mirror.generation(id);
    const credential = await this.#context.run(
      'get',
      async () => {
        // With whatever else this turn reads (`values`): many apps starting at once read together.
        const [raw] = await this.#context.values.read([id]);
        const stored = this.#parse(key, raw ?? null);
        mirror.remember(id, stored, this.#context.now(), generation);
        return stored;
      },
      () => mirror.last(id),
    );
    return usable(credential, this.#context.now());
  }

  /**
   * Many credentials at once, for reports (token statuses): what no fresh local copy answers is read
   * with whatever else this turn reads (`values`: one MGET per slot), and the apps are not followed, so
   * a page of authorizers costs no SSUBSCRIBE; their copies are kept for `cacheTtlMs` only.
   */
  async getMany(keys: readonly CredentialKey[]): Promise<(StoredCredential | undefined)[]> {
    const { mirror, notifications, options } = this.#context;
    const now = this.#context.now();
    const asked = keys.map((key) => {
      const id = this.#context.keys.credential(key);
      return { key, id, copy: mirror.fresh(id, now, notifications.copyTtlMs(key.appId, options)) };
    });
    // Only what no fresh local copy answers goes to Redis, each remembered like a `get`.
    const missing = asked.filter(({ copy }) => copy === undefined);
    const read = new Map<string, StoredCredential | undefined>();
    if (missing.length > 0) {
      const generations = missing.map(({ id }) => mirror.generation(id));
      const values = await this.#context.run(
        'getMany',
        async () => {
          const raws = await this.#context.values.read(missing.map(({ id }) => id));
          const readAt = this.#context.now();
          return missing.map(({ key, id }, at) => {
            const stored = this.#parse(key, raws[at] ?? null);
            mirror.remember(id, stored, readAt, generations[at] ?? -1);
            return stored;
          });
        },
        () => missing.map(({ id }) => mirror.last(id)),
      );
      for (const [at, { id }] of missing.entries()) read.set(id, values[at]);
    }
    const at = this.#context.now();
    return asked.map(({ id, copy }) => usable(copy ? copy.credential : read.get(id), at));
  }

  async set(
    key: CredentialKey,
    credential: StoredCredential,
    reason: RefreshReason,
    leaseOwner?: string,
  ): Promise<boolean> {
    const { keys, mirror, notifications } = this.#context;
    const id = keys.credential(key);
    const event = updatedEvent(key, credential, reason);
    const now = this.#context.now();
    const stored = { ...credential };
    mirror.write(id, stored, now);
    notifications.follow(key.appId, isAuthorizerCredentialId(id));
    const written = await this.#context.run(
      'set',
      async () => {
        // Kept without a TTL only when it never expires by time; otherwise at least 1 ms (PX 0 is refused).
        const ttlMs =
          credential.expiresAt === NEVER_EXPIRES ? 0 : Math.max(1, Math.ceil(credential.expiresAt - now));
        // With whatever else this turn writes (`writes`): tokens obtained together, one script.
        const done = await this.#context.writes.call(
          [id, keys.fence(key), keys.lease(key)],
          [
            serializeCredential(key, credential),
            ttlMs,
            keys.channel(key.appId),
            notifications.credentialMessage(event),
            credential.fence ?? '',
            leaseOwner ?? '',
          ],
        );
        if (done === 1) return true;
        // Fenced: a newer lease holder's credential is (or will be) in Redis; read it next time.
        mirror.changed(id);
        return false;
      },
      // Redis down: kept here; a lease to release lapses by itself within its length.
      () => true,
    );
    if (written) this.#listeners.emit(event);
    return written;
  }

  async deleteIfSame(key: CredentialKey, value: string): Promise<boolean> {
    const { keys, mirror, notifications } = this.#context;
    const id = keys.credential(key);
    const event = invalidatedEvent(key, value);
    notifications.follow(key.appId, isAuthorizerCredentialId(id));
    const deleted = await this.#context.run(
      'deleteIfSame',
      async (redis) => {
        const message = notifications.credentialMessage(event);
        const gone = (await redis.wxgwStoreDeleteIfSame(id, value, keys.channel(key.appId), message)) === 1;
        // Whatever Redis held, this replica's copy of that value is no longer to be served.
        mirror.deleteIfSame(id, value, this.#context.now());
        if (!gone) mirror.changed(id);
        return gone;
      },
      () => mirror.deleteIfSame(id, value, this.#context.now()),
    );
    if (deleted) this.#listeners.emit(event);
    return deleted;
  }

  subscribe(listener: (event: CredentialEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Another replica's change (from the app's channel): drop the local copy and tell the listeners. */
  heard(event: CredentialEvent): void {
    let id: string;
    try {
      id = this.#context.keys.credential(event);
    } catch {
      this.#context.log.warn({ appId: event.appId }, 'Ignoring a store notification for an unusable key');
      return;
    }
    this.#context.mirror.changed(id, event.type === 'invalidated' ? event.fingerprint : undefined);
    this.#listeners.emit(event);
  }

  clear(): void {
    this.#listeners.clear();
  }

  #parse(key: CredentialKey, raw: string | null): StoredCredential | undefined {
    if (raw === null) return undefined;
    const credential = parseCredential(raw);
    if (credential === undefined) {
      this.#context.log.warn(
        { appId: key.appId, kind: key.kind },
        'Ignoring a malformed credential in Redis; it will be obtained anew',
      );
    }
    return credential;
  }
}
