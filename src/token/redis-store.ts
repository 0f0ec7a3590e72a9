import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../errors.js';
import { Listeners } from '../listeners.js';
import type { Logger } from '../logger.js';
import { tokenFingerprint } from '../redact.js';
import { type RedisClient, RedisConnection } from '../store/redis/connection.js';
import { RedisEntries } from './redis-entries.js';
import { LocalMirror } from './redis-local-mirror.js';
import { StoreNotifications } from './redis-notifications.js';
import {
  assertTtl,
  holdMs,
  type RedisKeys,
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  redisKeys,
  resolveRedisStoreOptions,
} from './redis-options.js';
import { REDIS_SCRIPTS, type RedisScriptCommands } from './redis-scripts.js';
import { storedTokenSchema } from './redis-wire.js';
import type {
  ClaimResult,
  LockLease,
  RefreshReason,
  StoredEntry,
  StoredToken,
  StoreEvent,
  StoreHealth,
  TokenStore,
} from './store.js';

export type { RedisStoreOptions } from './redis-options.js';

type ScriptedRedis = RedisClient & RedisScriptCommands;

/**
 * The fencing counter outlives any token fetched under it (a token lives at most a few hours, and
 * each fetch touches the counter), so it never restarts below a stored token's fence.
 */
const FENCE_TTL_MS = 7 * 24 * 3_600_000;

/**
 * The token store shared by every replica (docs/scaling.md). Tokens live in Redis under
 * `<prefix>{<appId>}:token` until they expire; each change is one Lua script that also publishes a
 * notification on the app's sharded channel, which drops the short local copy on every replica. When
 * Redis is unreachable, reads, writes and holds are served from this process's memory (`health()` says `degraded`), and only
 * `acquireLock` refuses, with `StoreUnavailableError`. Once Redis is back it is the truth again:
 * tokens written locally meanwhile are not pushed back, so a replica re-reads (or re-fetches) them.
 */
export class RedisStore implements TokenStore {
  readonly kind = 'redis' as const;
  private readonly options: ResolvedRedisStoreOptions;
  private readonly keys: RedisKeys;
  private readonly log: Logger;
  private readonly commands: RedisConnection;
  private readonly notifications: StoreNotifications;
  private readonly mirror = new LocalMirror();
  private readonly listeners: Listeners<StoreEvent>;
  private readonly entries: RedisEntries;
  readonly watchHolds: TokenStore['watchHolds'] = (listener) => this.notifications.holds.add(listener);

  /** Creates the store and waits until Redis answers and notifications flow. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.ready();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Starts connecting in the background; until Redis answers, the store serves locally. */
  constructor(options: RedisStoreOptions) {
    this.options = resolveRedisStoreOptions(options);
    this.keys = redisKeys(this.options.keyPrefix);
    this.log = this.options.logger.child({ component: 'redis-store' });
    this.listeners = new Listeners(this.log, 'store');
    const common = {
      connectTimeoutMs: this.options.connectTimeoutMs,
      maxReconnectDelayMs: this.options.maxReconnectDelayMs,
      logger: this.log,
      // Changes may have gone unannounced while a connection was down: re-read Redis for every app.
      onReady: () => this.mirror.staleAll(),
    };
    this.commands = new RedisConnection(this.options.endpoint, {
      ...common,
      name: 'commands',
      role: 'commands',
      commandTimeoutMs: this.options.commandTimeoutMs,
      scripts: REDIS_SCRIPTS,
    });
    this.notifications = new StoreNotifications(this.options.endpoint, this.keys, {
      ...common,
      onEvent: (event) => {
        this.mirror.changed(event.appId, event.type === 'invalidated' ? event.fingerprint : undefined);
        this.emit(event);
      },
    });
    this.entries = new RedisEntries({
      redis: (operation, command, local) => this.viaRedis(operation, command, local),
      up: () => this.commands.up,
      keys: this.keys,
      now: () => this.now(),
      log: this.log,
    });
    for (const appId of this.options.appIds) this.notifications.follow(appId);
  }

  private get client(): ScriptedRedis {
    return this.commands.client as ScriptedRedis;
  }

  /** Resolves once both connections are up and subscribed; rejects after `connectTimeoutMs`. */
  async ready(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs;
    try {
      await Promise.all([this.commands.ready(timeoutMs), this.notifications.ready(timeoutMs)]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      // Not as `cause`: a refused AUTH's error carries the credentials in its command.args.
      throw new StoreUnavailableError(
        `Redis at ${this.commands.endpoint} refused: ${this.notifications.connection.describe(error)}`,
      );
    }
  }

  async get(appId: string): Promise<StoredToken | undefined> {
    const now = this.now();
    const cached = this.mirror.fresh(appId, now, this.notifications.copyTtlMs(this.options));
    if (cached) return usable(cached.token, now);
    return this.getLatest(appId);
  }

  async getLatest(appId: string): Promise<StoredToken | undefined> {
    const key = this.keys.token(appId);
    this.notifications.follow(appId);
    const generation = this.mirror.generation(appId);
    const token = await this.viaRedis(
      'get',
      async (redis) => {
        const stored = this.parseToken(appId, await redis.get(key));
        this.mirror.remember(appId, stored, this.now(), generation);
        return stored;
      },
      () => this.mirror.last(appId),
    );
    return usable(token, this.now());
  }

  async set(appId: string, token: StoredToken, reason: RefreshReason): Promise<boolean> {
    const key = this.keys.token(appId);
    const event: StoreEvent = {
      type: 'updated',
      appId,
      fingerprint: tokenFingerprint(token.accessToken),
      expiresAt: token.expiresAt,
      reason,
    };
    const now = this.now();
    this.mirror.write(appId, token, now);
    this.notifications.follow(appId);
    const stored = await this.viaRedis(
      'set',
      async (redis) => {
        const ttlMs = Math.max(1, Math.ceil(token.expiresAt - now));
        const value = JSON.stringify(token);
        const channel = this.keys.channel(appId);
        const message = this.notifications.envelope(event);
        const fenceKey = this.keys.fence(appId);
        const written =
          token.fence === undefined
            ? await redis.wxgwSetAndPublish(key, value, ttlMs, channel, message)
            : await redis.wxgwSetIfNewer(key, fenceKey, value, ttlMs, channel, message, token.fence);
        if (written === 1) return true;
        // Fenced: a newer lease holder's token is (or will be) in Redis; read it next time.
        this.mirror.changed(appId);
        return false;
      },
      () => true,
    );
    if (stored) this.emit(event);
    return stored;
  }

  async deleteIfSame(appId: string, accessToken: string): Promise<boolean> {
    const key = this.keys.token(appId);
    const event: StoreEvent = { type: 'invalidated', appId, fingerprint: tokenFingerprint(accessToken) };
    this.notifications.follow(appId);
    const deleted = await this.viaRedis(
      'deleteIfSame',
      async (redis) => {
        const message = this.notifications.envelope(event);
        const gone =
          (await redis.wxgwDeleteIfSame(key, accessToken, this.keys.channel(appId), message)) === 1;
        // Whatever Redis held, this replica's copy of that token is no longer to be served.
        this.mirror.deleteIfSame(appId, accessToken, this.now());
        if (!gone) this.mirror.changed(appId);
        return gone;
      },
      () => this.mirror.deleteIfSame(appId, accessToken, this.now()),
    );
    if (deleted) this.emit(event);
    return deleted;
  }

  async acquireLock(appId: string, ttlMs: number): Promise<LockLease | undefined> {
    const key = this.keys.lock(appId);
    assertTtl(ttlMs);
    this.notifications.follow(appId);
    const owner = randomUUID();
    return this.viaRedis(
      'acquireLock',
      async (redis) => {
        const fence = await redis.wxgwAcquireLease(key, this.keys.fence(appId), owner, ttlMs, FENCE_TTL_MS);
        return fence > 0 ? { owner, fence } : undefined;
      },
      (cause) => {
        // Clients see this message: it names no Redis address (the store's own log lines do).
        throw new StoreUnavailableError(
          `The shared token store is unreachable, so the fetch lock for ${appId} cannot be taken; retry once it answers.`,
          cause === undefined ? undefined : { cause },
        );
      },
    );
  }

  async renewLock(appId: string, owner: string, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs);
    const key = this.keys.lock(appId);
    // Unreachable: the lease cannot be extended, so the holder stops (it has lost the lock).
    return this.viaRedis(
      'renewLock',
      async (redis) => (await redis.wxgwRenewLease(key, owner, ttlMs)) === 1,
      () => false,
    );
  }

  async releaseLock(appId: string, owner: string): Promise<void> {
    const key = this.keys.lock(appId);
    // Unreachable: the lock expires at its ttl; nothing else can be done now.
    await this.viaRedis(
      'releaseLock',
      (redis) => redis.wxgwReleaseLock(key, owner),
      () => 0,
    );
  }

  async claim(key: string, ttlMs: number): Promise<ClaimResult> {
    const redisKey = this.keys.hold(key);
    ttlMs = holdMs(ttlMs);
    // A zero cooldown (FORCE_REFRESH_COOLDOWN_SECONDS=0) holds nothing, but a running hold still refuses.
    if (ttlMs === 0) {
      const remainingMs = await this.heldForMs(key);
      return remainingMs > 0 ? { ok: false, remainingMs } : { ok: true };
    }
    return this.viaRedis<ClaimResult>(
      'claim',
      async (redis) => {
        const remainingMs = await redis.wxgwClaim(redisKey, ttlMs);
        // Mirrored so the claim still holds on this replica if Redis goes away.
        this.mirror.hold(key, remainingMs === 0 ? ttlMs : remainingMs, this.now());
        return remainingMs === 0 ? { ok: true } : { ok: false, remainingMs };
      },
      () => this.mirror.claim(key, ttlMs, this.now()),
    );
  }

  async hold(key: string, ttlMs: number): Promise<void> {
    const redisKey = this.keys.hold(key);
    ttlMs = holdMs(ttlMs);
    this.mirror.hold(key, ttlMs, this.now());
    this.notifications.holds.emit({ type: 'held', key, ttlMs });
    await this.viaRedis(
      'hold',
      // Held for no time is not held, as in MemoryStore (Redis refuses PX 0).
      async (redis) => {
        await (ttlMs === 0 ? redis.del(redisKey) : redis.set(redisKey, '1', 'PX', ttlMs));
        await this.notifications.announceHold(redis, key, ttlMs);
      },
      () => undefined,
    );
  }

  async heldForMs(key: string): Promise<number> {
    const redisKey = this.keys.hold(key);
    return this.viaRedis(
      'heldForMs',
      async (redis) => Math.max(0, await redis.pttl(redisKey)),
      () => this.mirror.heldForMs(key, this.now()),
    );
  }

  getEntry(appId: string, name: string): Promise<StoredEntry | undefined> {
    return this.entries.get(appId, name);
  }

  setEntry(appId: string, name: string, entry: StoredEntry): Promise<void> {
    return this.entries.set(appId, name, entry);
  }

  acquireEntryLock(appId: string, name: string, ttlMs: number): Promise<string | undefined> {
    assertTtl(ttlMs);
    return this.entries.acquireLock(appId, name, ttlMs);
  }

  releaseEntryLock(appId: string, name: string, owner: string): Promise<void> {
    return this.entries.releaseLock(appId, name, owner);
  }

  /** 0 while Redis is down: there is no lock then (scaling.md). */
  async lockHeldForMs(appId: string): Promise<number> {
    const key = this.keys.lock(appId);
    return this.viaRedis(
      'lockHeldForMs',
      async (redis) => Math.max(0, await redis.pttl(key)),
      () => 0,
    );
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * `ok` stays true while Redis is down: every call but `acquireLock` is still answered from local memory,
   * and every replica shares the same Redis, so taking this one out of rotation would not help.
   */
  async health(): Promise<StoreHealth> {
    const where = this.commands.endpoint;
    const local = 'serving tokens from this replica’s memory; fetch locks are unavailable';
    if (!this.commands.up) {
      return { ok: true, degraded: true, detail: `Redis at ${where} is ${this.commands.status}; ${local}.` };
    }
    try {
      await this.client.ping();
    } catch (error) {
      return {
        ok: true,
        degraded: true,
        detail: `Redis at ${where} did not answer PING (${this.commands.describe(error)}); ${local}.`,
      };
    }
    if (!this.notifications.connection.up) {
      return {
        ok: true,
        degraded: true,
        detail: `The notification connection to ${where} is ${this.notifications.connection.status}; other replicas’ changes show after at most ${this.options.cacheTtlMs} ms.`,
      };
    }
    return { ok: true, degraded: false };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const timeoutMs = this.options.commandTimeoutMs;
    await Promise.all([this.commands.quit(timeoutMs), this.notifications.connection.quit(timeoutMs)]);
  }

  /**
   * The one degraded-mode rule: while Redis is up, run `command` on it; when it is down or the command
   * fails (logged), answer from this replica's memory with `local` (given the failure, if any).
   */
  private async viaRedis<T>(
    operation: string,
    command: (redis: ScriptedRedis) => Promise<T>,
    local: (cause?: unknown) => T,
  ): Promise<T> {
    if (!this.commands.up) return local();
    try {
      return await command(this.client);
    } catch (error) {
      this.log.warn(
        { operation, err: this.commands.describe(error) },
        'Redis command failed; serving from local memory',
      );
      return local(error);
    }
  }

  private now(): number {
    return this.options.clock.now();
  }

  private emit(event: StoreEvent): void {
    this.listeners.emit(event);
  }

  private parseToken(appId: string, raw: string | null): StoredToken | undefined {
    if (raw === null) return undefined;
    try {
      return storedTokenSchema.parse(JSON.parse(raw));
    } catch {
      this.log.warn({ appId }, 'Ignoring a malformed token entry in Redis; it will be fetched anew');
      return undefined;
    }
  }
}

/** A token past its expiry is as good as none. */
function usable(token: StoredToken | undefined, now: number): StoredToken | undefined {
  return token && token.expiresAt > now ? token : undefined;
}
