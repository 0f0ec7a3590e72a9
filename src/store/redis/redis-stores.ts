import type { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { HEALTH_CACHE_MS } from '../health-cache.js';
import { HealthWatch } from '../health-watch.js';
import type { StoreHealth, Stores } from '../ports.js';
import { RedisConnection } from './connection.js';
import type { RedisStoresContext, ScriptedRedis } from './context.js';
import { isAuthorizerCredentialId, type RedisKeys, redisKeys } from './keys.js';
import { LocalMirror } from './local-mirror.js';
import { StoreNotifications } from './notifications.js';
import {
  type RedisStoresOptions,
  type ResolvedRedisStoresOptions,
  resolveRedisStoresOptions,
} from './options.js';
import { RedisAuthorizers } from './redis-authorizers.js';
import { RedisCredentials } from './redis-credentials.js';
import { RedisHolds } from './redis-holds.js';
import { RedisLeases } from './redis-leases.js';
import { STORE_SCRIPTS } from './scripts.js';
import { TurnBatch, TurnCalls } from './turn-batch.js';

export type { RedisStoresOptions } from './options.js';

/**
 * The stores shared by every replica (docs/scaling.md): credentials, leases and holds over one command
 * connection and one subscriber connection. When Redis is unreachable, credentials and holds are served
 * from this process's memory (`health()` says `degraded`) and only `leases.acquire` refuses, with
 * `StoreUnavailableError`: a lease cannot be promised without the shared store.
 */
export class RedisStores implements Stores {
  readonly kind = 'redis' as const;
  readonly credentials: RedisCredentials;
  readonly leases: RedisLeases;
  readonly holds: RedisHolds;
  readonly authorizers: RedisAuthorizers;
  readonly #options: ResolvedRedisStoresOptions;
  readonly #log: Logger;
  readonly #commands: RedisConnection;
  readonly #notifications: StoreNotifications;
  /** Announces each change of `health()`'s answer, asked again on every connection event and command failure. */
  readonly #health: HealthWatch;
  /**
   * When a command last answered (the stores' clock), none failing since: a PING within
   * `HEALTH_CACHE_MS` of it would prove nothing more (a page's health costs no extra command).
   */
  #answeredAt = Number.NEGATIVE_INFINITY;

  /** Creates the stores and waits until Redis answers and notifications flow. */
  static async connect(options: RedisStoresOptions): Promise<RedisStores> {
    const stores = new RedisStores(options);
    try {
      await stores.ready();
      return stores;
    } catch (error) {
      await stores.close();
      throw error;
    }
  }

  /** Starts connecting in the background; until Redis answers, the stores serve locally. */
  constructor(options: RedisStoresOptions) {
    this.#options = resolveRedisStoresOptions(options);
    const keys: RedisKeys = redisKeys(this.#options.keyPrefix);
    const log = this.#options.logger.child({ component: 'redis-store' });
    this.#log = log;
    const mirror = new LocalMirror({
      bounded: isAuthorizerCredentialId,
      capacity: this.#options.localAuthorizerCacheSize,
    });
    const common = {
      connectTimeoutMs: this.#options.connectTimeoutMs,
      maxReconnectDelayMs: this.#options.maxReconnectDelayMs,
      logger: log,
      // Changes may have gone unannounced while a connection was down: re-read Redis for every credential.
      onReady: () => mirror.staleAll(),
    };
    this.#commands = new RedisConnection(this.#options.endpoint, {
      ...common,
      name: 'commands',
      role: 'commands',
      commandTimeoutMs: this.#options.commandTimeoutMs,
      scripts: STORE_SCRIPTS,
    });
    this.#notifications = new StoreNotifications(this.#options.endpoint, keys, {
      ...common,
      capacity: this.#options.localAuthorizerCacheSize,
      onEvent: (event) => this.credentials.heard(event),
      ...(this.#options.endpoint.kind === 'cluster' && { peers: [this.#commands.client as Cluster] }),
    });
    const commands = this.#commands;
    const clock = this.#options.clock;
    const health = new HealthWatch(() => this.health(), log);
    this.#health = health;
    const client = () => commands.client as ScriptedRedis;
    /** A script over any number of calls: the number of keys, every call's keys, every call's arguments. */
    const calls =
      (script: (numberOfKeys: number, ...keysThenArgs: (string | number)[]) => Promise<number[]>) =>
      (batch: readonly { keys: readonly string[]; args: readonly (string | number)[] }[]) => {
        const keys = batch.flatMap((call) => call.keys);
        return script(keys.length, ...keys, ...batch.flatMap((call) => call.args));
      };
    /** Whether the last command failed. */
    let failing = false;
    /**
     * A command's outcome: an answer proves Redis answers (no PING for `HEALTH_CACHE_MS`), a failure
     * proves nothing; the first failure and the next success are health events (a Redis that stops
     * answering keeps its connection, so no connection event would tell).
     */
    const noted = (ok: boolean) => {
      this.#answeredAt = ok ? clock.now() : Number.NEGATIVE_INFINITY;
      if (failing === ok) {
        failing = !ok;
        health.check();
      }
    };
    const context: RedisStoresContext = {
      options: this.#options,
      keys,
      mirror,
      notifications: this.#notifications,
      log,
      values: new TurnBatch(this.#options.endpoint, (ids) => client().mget(ids), null),
      ttls: new TurnBatch(
        this.#options.endpoint,
        (ids) => client().wxgwStoreHeldForMany(ids.length, ...ids),
        -2,
      ),
      acquires: new TurnCalls(
        this.#options.endpoint,
        calls((...args) => client().wxgwStoreAcquireLeases(...args)),
      ),
      writes: new TurnCalls(
        this.#options.endpoint,
        calls((...args) => client().wxgwStoreSetMany(...args)),
      ),
      up: () => commands.up,
      now: () => clock.now(),
      async run(operation, command, local) {
        if (!commands.up) return local();
        try {
          const answer = await command(client());
          noted(true);
          return answer;
        } catch (error) {
          noted(false);
          log.warn(
            { operation, err: commands.describe(error) },
            'Redis command failed; serving from local memory',
          );
          return local(error);
        }
      },
    };
    this.credentials = new RedisCredentials(context);
    this.leases = new RedisLeases(context);
    this.holds = new RedisHolds(context);
    this.authorizers = new RedisAuthorizers(context);
    for (const appId of this.#options.appIds) this.#notifications.follow(appId, false);
    const check = () => health.check();
    this.#commands.onStatusEvent(check);
    this.#notifications.connection.onStatusEvent(check);
  }

  /** Where Redis is, for log lines (host and port, never a password). */
  get where(): string {
    return this.#commands.endpoint;
  }

  /**
   * Resolves once both connections are up, every app followed so far subscribed, the components'
   * previous layout moved (`componentAppIds`), and the health change of coming up announced (a
   * listener added after it hears only later changes); rejects after `connectTimeoutMs`.
   */
  async ready(): Promise<void> {
    const timeoutMs = this.#options.connectTimeoutMs;
    try {
      await Promise.all([this.#commands.ready(timeoutMs), this.#notifications.ready(timeoutMs)]);
      await this.authorizers.prepare(this.#options.componentAppIds);
      await this.#health.settled();
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      // Not as `cause`: a refused AUTH's error carries the credentials in its command.args.
      throw new StoreUnavailableError(
        `Redis at ${this.#commands.endpoint} refused: ${this.#notifications.connection.describe(error)}`,
      );
    }
  }

  /**
   * `ok` stays true while Redis is down: everything but `leases.acquire` is still answered from local
   * memory, and every replica shares the same Redis, so taking this one out of rotation would not help.
   * The detail is shown to anyone (`/ready`, `/status`): it names Redis by kind, never its address,
   * which the connection's own log lines carry (`Redis connection failed; reconnecting`).
   */
  async health(): Promise<StoreHealth> {
    const which = this.#commands.publicName;
    const local = 'serving credentials and holds from this replica’s memory; fetch leases are unavailable';
    if (!this.#commands.up) {
      return { ok: true, degraded: true, detail: `${which} is ${this.#commands.status}; ${local}.` };
    }
    try {
      // A command that answered within the health cache's period proves as much as a PING.
      if (this.#options.clock.now() - this.#answeredAt >= HEALTH_CACHE_MS) await this.#commands.client.ping();
    } catch (error) {
      this.#log.debug(
        { redis: this.#commands.endpoint, err: this.#commands.describe(error) },
        'Redis did not answer PING',
      );
      return { ok: true, degraded: true, detail: `${which} did not answer PING; ${local}.` };
    }
    if (!this.#notifications.connection.up) {
      return {
        ok: true,
        degraded: true,
        detail: `The notification connection to ${which} is ${this.#notifications.connection.status}; other replicas’ changes show after at most ${this.#options.cacheTtlMs} ms.`,
      };
    }
    return { ok: true, degraded: false };
  }

  onHealthChange(listener: (health: StoreHealth) => void): () => void {
    return this.#health.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#health.stop();
    this.credentials.clear();
    const timeoutMs = this.#options.commandTimeoutMs;
    await Promise.all([this.#commands.quit(timeoutMs), this.#notifications.close(timeoutMs)]);
  }
}
