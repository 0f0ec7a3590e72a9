import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorText, tokenFingerprint } from '../redact.js';
import { LocalMirror } from './redis-local-mirror.js';
import {
  describeEndpoint,
  type RedisKeys,
  type RedisStoreOptions,
  type ResolvedRedisStoreOptions,
  reconnectDelayMs,
  redisKeys,
  resolveRedisStoreOptions,
} from './redis-options.js';
import { REDIS_SCRIPTS, type RedisScriptCommands } from './redis-scripts.js';
import type {
  ClaimResult,
  HoldEvent,
  RefreshReason,
  StoredToken,
  StoreEvent,
  StoreHealth,
  TokenStore,
} from './store.js';

export type { RedisStoreOptions } from './redis-options.js';

const storedTokenSchema = z.object({
  accessToken: z.string().min(1),
  expiresAt: z.number(),
  obtainedAt: z.number(),
});

const reasonSchema = z.enum(['cold', 'margin', 'invalidated', 'forced']);

/** What travels on the channel: the event plus the sending store, so a store skips its own echo. */
const envelopeSchema = z.object({
  origin: z.string(),
  event: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('updated'),
      appId: z.string(),
      fingerprint: z.string(),
      expiresAt: z.number(),
      reason: reasonSchema,
    }),
    z.object({ type: z.literal('invalidated'), appId: z.string(), fingerprint: z.string() }),
  ]),
});

/** A hold another replica set: circuits kept in process follow it without reading Redis. */
const holdEnvelopeSchema = z.object({
  origin: z.string(),
  key: z.string().max(300),
  ttlMs: z.number().int().min(0),
});

type ScriptedRedis = Redis & RedisScriptCommands;

/**
 * The token store shared by every replica (DESIGN.md; docs/scaling.md). Tokens live in Redis under
 * `<prefix>token:<appId>` until they expire; each change is one Lua script that also publishes a
 * notification, which drops the short local copy on every replica. When Redis is unreachable, reads,
 * writes and holds are served from this process's memory (`health()` says `degraded`), and only
 * `acquireLock` refuses, with `StoreUnavailableError`. Once Redis is back it is the truth again:
 * tokens written locally meanwhile are not pushed back, so a replica re-reads (or re-fetches) them.
 */
export class RedisStore implements TokenStore {
  readonly kind = 'redis' as const;
  private readonly options: ResolvedRedisStoreOptions;
  private readonly keys: RedisKeys;
  private readonly endpoint: string;
  private readonly log: Logger;
  private readonly client: ScriptedRedis;
  private readonly subscriber: Redis;
  private readonly subscribed: Promise<unknown>;
  private readonly mirror = new LocalMirror();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly holdWatchers = new Set<(event: HoldEvent) => void>();
  private readonly origin = randomUUID();
  /** Connections that have failed since they were last ready, so an outage is logged once. */
  private readonly down = new Set<string>();

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
    this.endpoint = describeEndpoint(this.options.url);
    this.log = this.options.logger.child({ component: 'redis-store', redis: this.endpoint });

    const common: RedisOptions = {
      connectTimeout: this.options.connectTimeoutMs,
      retryStrategy: (attempt) => reconnectDelayMs(attempt, this.options.maxReconnectDelayMs),
    };
    this.client = new Redis(this.options.url, {
      ...common,
      // Fail fast while disconnected instead of queueing: callers fall back to local memory at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.options.commandTimeoutMs,
      scripts: REDIS_SCRIPTS,
    }) as ScriptedRedis;
    // The subscriber only ever sends SUBSCRIBE; ioredis queues it until connected and resubscribes
    // after every reconnect.
    this.subscriber = new Redis(this.options.url, {
      ...common,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    });

    this.watch(this.client, 'commands');
    this.watch(this.subscriber, 'notifications');
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.subscribed = this.subscriber.subscribe(this.keys.channel, this.keys.holdsChannel);
    this.subscribed.catch((error: unknown) =>
      this.log.warn({ err: errorText(error) }, 'Subscribing to store notifications failed'),
    );
  }

  /** Resolves once both connections are up and subscribed; rejects after `connectTimeoutMs`. */
  async ready(): Promise<void> {
    const clientReady =
      this.client.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `Redis at ${this.endpoint} did not answer within ${this.options.connectTimeoutMs} ms; check REDIS_URL and that Redis is running.`,
            ),
          ),
        this.options.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([clientReady, this.subscribed]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(appId: string): Promise<StoredToken | undefined> {
    const key = this.keys.token(appId);
    const now = this.now();
    // While notifications flow, every change a gateway makes drops the copy: it can be kept longer.
    const ttlMs =
      this.subscriber.status === 'ready' ? this.options.notifiedCacheTtlMs : this.options.cacheTtlMs;
    const cached = this.mirror.fresh(appId, now, ttlMs);
    if (cached) return usable(cached.token, now);
    if (this.isUp()) {
      const generation = this.mirror.generation(appId);
      try {
        const token = this.parseToken(appId, await this.client.get(key));
        this.mirror.remember(appId, token, this.now(), generation);
        return usable(token, this.now());
      } catch (error) {
        this.commandFailed('get', error);
      }
    }
    return usable(this.mirror.last(appId), this.now());
  }

  async set(appId: string, token: StoredToken, reason: RefreshReason): Promise<void> {
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
    if (this.isUp()) {
      try {
        const ttlMs = Math.max(1, Math.ceil(token.expiresAt - now));
        await this.client.wxgwSetAndPublish(
          key,
          JSON.stringify(token),
          ttlMs,
          this.keys.channel,
          this.envelope(event),
        );
      } catch (error) {
        this.commandFailed('set', error);
      }
    }
    this.emit(event);
  }

  async deleteIfSame(appId: string, accessToken: string): Promise<boolean> {
    const key = this.keys.token(appId);
    const event: StoreEvent = { type: 'invalidated', appId, fingerprint: tokenFingerprint(accessToken) };
    let deleted: boolean | undefined;
    if (this.isUp()) {
      try {
        deleted =
          (await this.client.wxgwDeleteIfSame(key, accessToken, this.keys.channel, this.envelope(event))) ===
          1;
        // Whatever Redis held, this replica's copy of that token is no longer to be served.
        this.mirror.deleteIfSame(appId, accessToken, this.now());
        if (!deleted) this.mirror.changed(appId);
      } catch (error) {
        this.commandFailed('deleteIfSame', error);
      }
    }
    deleted ??= this.mirror.deleteIfSame(appId, accessToken, this.now());
    if (deleted) this.emit(event);
    return deleted;
  }

  async acquireLock(appId: string, ttlMs: number): Promise<string | undefined> {
    const key = this.keys.lock(appId);
    assertTtl(ttlMs);
    // Clients see this message: it names no Redis address (the store's own log lines do).
    const refusal = `The shared token store is unreachable, so the fetch lock for ${appId} cannot be taken; retry once it answers.`;
    if (!this.isUp()) throw new StoreUnavailableError(refusal);
    const owner = randomUUID();
    try {
      return (await this.client.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK' ? owner : undefined;
    } catch (error) {
      this.commandFailed('acquireLock', error);
      throw new StoreUnavailableError(refusal, { cause: error });
    }
  }

  async releaseLock(appId: string, owner: string): Promise<void> {
    const key = this.keys.lock(appId);
    if (!this.isUp()) return; // The lock expires at its ttl; nothing else can be done now.
    try {
      await this.client.wxgwReleaseLock(key, owner);
    } catch (error) {
      this.commandFailed('releaseLock', error);
    }
  }

  async claim(key: string, ttlMs: number): Promise<ClaimResult> {
    const redisKey = this.keys.hold(key);
    ttlMs = holdMs(ttlMs);
    // A zero cooldown (FORCE_REFRESH_COOLDOWN_SECONDS=0) holds nothing, but a running hold still refuses.
    if (ttlMs === 0) {
      const remainingMs = await this.heldForMs(key);
      return remainingMs > 0 ? { ok: false, remainingMs } : { ok: true };
    }
    if (this.isUp()) {
      try {
        const remainingMs = await this.client.wxgwClaim(redisKey, ttlMs);
        // Mirrored so the claim still holds on this replica if Redis goes away.
        this.mirror.hold(key, remainingMs === 0 ? ttlMs : remainingMs, this.now());
        return remainingMs === 0 ? { ok: true } : { ok: false, remainingMs };
      } catch (error) {
        this.commandFailed('claim', error);
      }
    }
    return this.mirror.claim(key, ttlMs, this.now());
  }

  async hold(key: string, ttlMs: number): Promise<void> {
    const redisKey = this.keys.hold(key);
    ttlMs = holdMs(ttlMs);
    this.mirror.hold(key, ttlMs, this.now());
    this.emitHold({ type: 'held', key, ttlMs });
    if (!this.isUp()) return;
    try {
      // Held for no time is not held, as in MemoryStore (Redis refuses PX 0).
      await (ttlMs === 0 ? this.client.del(redisKey) : this.client.set(redisKey, '1', 'PX', ttlMs));
      await this.client.publish(this.keys.holdsChannel, JSON.stringify({ origin: this.origin, key, ttlMs }));
    } catch (error) {
      this.commandFailed('hold', error);
    }
  }

  watchHolds(listener: (event: HoldEvent) => void): () => void {
    this.holdWatchers.add(listener);
    return () => {
      this.holdWatchers.delete(listener);
    };
  }

  async heldForMs(key: string): Promise<number> {
    const redisKey = this.keys.hold(key);
    if (this.isUp()) {
      try {
        return Math.max(0, await this.client.pttl(redisKey));
      } catch (error) {
        this.commandFailed('heldForMs', error);
      }
    }
    return this.mirror.heldForMs(key, this.now());
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * `ok` stays true while Redis is down: every call but `acquireLock` is still answered from local memory,
   * and every replica shares the same Redis, so taking this one out of rotation would not help.
   */
  async health(): Promise<StoreHealth> {
    const local = 'serving tokens from this replica’s memory; fetch locks are unavailable';
    if (!this.isUp()) {
      return {
        ok: true,
        degraded: true,
        detail: `Redis at ${this.endpoint} is ${this.client.status}; ${local}.`,
      };
    }
    try {
      await this.client.ping();
    } catch (error) {
      return {
        ok: true,
        degraded: true,
        detail: `Redis at ${this.endpoint} did not answer PING (${errorText(error)}); ${local}.`,
      };
    }
    if (this.subscriber.status !== 'ready') {
      return {
        ok: true,
        degraded: true,
        detail: `The notification connection to ${this.endpoint} is ${this.subscriber.status}; other replicas’ changes show after at most ${this.options.cacheTtlMs} ms.`,
      };
    }
    return { ok: true, degraded: false };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.holdWatchers.clear();
    const timeoutMs = this.options.commandTimeoutMs;
    await Promise.all([quit(this.client, timeoutMs), quit(this.subscriber, timeoutMs)]);
  }

  private now(): number {
    return this.options.clock.now();
  }

  private isUp(): boolean {
    return this.client.status === 'ready';
  }

  private envelope(event: StoreEvent): string {
    return JSON.stringify({ origin: this.origin, event });
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: errorText(error), event: event.type }, 'A store listener threw');
      }
    }
  }

  private emitHold(event: HoldEvent): void {
    for (const watcher of this.holdWatchers) {
      try {
        watcher(event);
      } catch (error) {
        this.log.error({ err: errorText(error) }, 'A hold watcher threw');
      }
    }
  }

  private onHoldMessage(message: string): void {
    let parsed: z.infer<typeof holdEnvelopeSchema>;
    try {
      parsed = holdEnvelopeSchema.parse(JSON.parse(message));
    } catch {
      this.log.warn({ channel: this.keys.holdsChannel }, 'Ignoring a malformed hold notification');
      return;
    }
    if (parsed.origin === this.origin) return;
    this.mirror.hold(parsed.key, parsed.ttlMs, this.now());
    this.emitHold({ type: 'held', key: parsed.key, ttlMs: parsed.ttlMs });
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.keys.holdsChannel) {
      this.onHoldMessage(message);
      return;
    }
    if (channel !== this.keys.channel) return;
    let parsed: z.infer<typeof envelopeSchema>;
    try {
      parsed = envelopeSchema.parse(JSON.parse(message));
    } catch {
      this.log.warn({ channel }, 'Ignoring a malformed store notification');
      return;
    }
    if (parsed.origin === this.origin) return; // Already applied and emitted when this store made it.
    const { event } = parsed;
    this.mirror.changed(event.appId, event.type === 'invalidated' ? event.fingerprint : undefined);
    this.emit(event);
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

  private commandFailed(operation: string, error: unknown): void {
    this.log.warn({ operation, err: errorText(error) }, 'Redis command failed; serving from local memory');
  }

  private watch(connection: Redis, name: string): void {
    connection.on('error', (error: unknown) => {
      if (this.down.has(name)) return;
      this.down.add(name);
      this.log.warn({ connection: name, err: errorText(error) }, 'Redis connection failed; reconnecting');
    });
    connection.on('ready', () => {
      // Changes may have gone unannounced while a connection was down: re-read Redis for every app.
      this.mirror.staleAll();
      if (name === 'notifications') this.emitHold({ type: 'resync' });
      if (this.down.delete(name)) this.log.info({ connection: name }, 'Redis connection restored');
    });
  }
}

/** A token past its expiry is as good as none. */
function usable(token: StoredToken | undefined, now: number): StoredToken | undefined {
  return token && token.expiresAt > now ? token : undefined;
}

/** Hold durations come from settings and quota windows: 0 means none, fractions round up to whole ms. */
function holdMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new TypeError(`A store hold must last a finite number of milliseconds ≥ 0 (got ${ttlMs}).`);
  }
  return Math.ceil(ttlMs);
}

function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new TypeError(`A fetch lock ttl must be a whole number of milliseconds above 0 (got ${ttlMs}).`);
  }
}

/** QUIT when connected (pending replies arrive first), bounded in time; otherwise stop reconnecting at once. */
async function quit(connection: Redis, timeoutMs: number): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([connection.quit(), timedOut]);
    if (outcome === 'timeout') connection.disconnect();
  } catch {
    connection.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
