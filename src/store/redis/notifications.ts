import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { Listeners } from '../../listeners.js';
import type { Logger } from '../../logger.js';
import type { CredentialEvent, HoldEvent } from '../ports.js';
import { RedisConnection } from './connection.js';
import type { RedisEndpoint } from './endpoint.js';
import type { RedisKeys } from './keys.js';
import { followSlotMoves } from './slot-moves.js';
import { perSlot } from './slots.js';
import { credentialEnvelope, holdEnvelope, parseEnvelope } from './wire.js';

export interface StoreNotificationsOptions {
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
  /** Called on every (re)connection: notifications may have been missed meanwhile. */
  onReady: () => void;
  /** Another store's change of a credential of a followed app. */
  onEvent: (event: CredentialEvent) => void;
}

/**
 * The notification side of `RedisStores`: one subscriber connection, one sharded channel per app
 * (`SSUBSCRIBE <prefix>{<appId>}:events`, in the app's Cluster slot) carrying credential events and
 * hold announcements, each message checked and this store's own echoes skipped (it told its own
 * listeners when it made the change). ioredis resubscribes every channel after a reconnect or failover;
 * in a Cluster, a channel a slot move drops is subscribed again on the slot's new node
 * (`followSlotMoves`), after which every copy is read again as after a reconnect.
 */
export class StoreNotifications {
  readonly connection: RedisConnection;
  /** Holds set by this or another store; `resync` after every (re)connection. */
  readonly holds: Listeners<HoldEvent>;
  readonly #keys: RedisKeys;
  readonly #options: StoreNotificationsOptions;
  /** appId → its SSUBSCRIBE, made once per app. */
  readonly #subscriptions = new Map<string, Promise<unknown>>();
  /** Apps named this turn, subscribed together at its end. */
  readonly #pending = new Map<string, { resolve: () => void; reject: (error: unknown) => void }>();
  readonly #endpoint: RedisEndpoint;
  readonly #origin = randomUUID();
  readonly #stopFollowing: () => void;

  constructor(endpoint: RedisEndpoint, keys: RedisKeys, options: StoreNotificationsOptions) {
    this.#keys = keys;
    this.#options = options;
    this.#endpoint = endpoint;
    this.holds = new Listeners(options.logger, 'hold');
    const missed = () => {
      options.onReady();
      // Holds may have gone unannounced too: watchers read them again.
      this.holds.emit({ type: 'resync' });
    };
    this.connection = new RedisConnection(endpoint, {
      name: 'notifications',
      role: 'subscriber',
      connectTimeoutMs: options.connectTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      logger: options.logger,
      onReady: missed,
    });
    this.#stopFollowing =
      endpoint.kind === 'cluster'
        ? followSlotMoves(this.connection.client as Cluster, {
            channels: () => [...this.#subscriptions.keys()].map((appId) => keys.channel(appId)),
            maxReconnectDelayMs: options.maxReconnectDelayMs,
            logger: options.logger,
            onResubscribed: missed,
          })
        : () => {};
    this.connection.client.on('smessage', (channel: string, message: string) =>
      this.#onMessage(channel, message),
    );
  }

  /** Connected, and every app followed so far subscribed. */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all([this.connection.ready(timeoutMs), ...this.#subscriptions.values()]);
  }

  /**
   * Subscribes to the app's channel the first time the app is named. The apps named in one turn of the
   * event loop are subscribed together (one SSUBSCRIBE, one per slot in a Cluster): a page of apps read
   * at once costs one command, not one per app.
   */
  follow(appId: string): void {
    if (this.#subscriptions.has(appId)) return;
    if (this.#pending.size === 0) queueMicrotask(() => this.#subscribePending());
    const subscribed = new Promise<void>((resolve, reject) => this.#pending.set(appId, { resolve, reject }));
    subscribed.catch((error: unknown) =>
      this.#options.logger.warn(
        { appId, err: this.connection.describe(error) },
        'Subscribing to store notifications failed',
      ),
    );
    this.#subscriptions.set(appId, subscribed);
  }

  #subscribePending(): void {
    const waiters = new Map(
      [...this.#pending].map(([appId, waiter]) => [this.#keys.channel(appId), waiter] as const),
    );
    this.#pending.clear();
    const client = this.connection.client;
    void perSlot(
      this.#endpoint,
      [...waiters.keys()],
      async (group) => {
        let failure: unknown;
        try {
          await client.ssubscribe(...group);
        } catch (error) {
          failure = error ?? new Error('SSUBSCRIBE failed');
        }
        for (const channel of group) {
          const waiter = waiters.get(channel);
          if (failure === undefined) waiter?.resolve();
          else waiter?.reject(failure);
        }
        return group.map(() => undefined);
      },
      undefined,
    );
  }

  /** Stops following slot moves and closes the subscriber connection, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.#stopFollowing();
    this.holds.clear();
    await this.connection.quit(timeoutMs);
  }

  /** The message announcing `event`, as the store's scripts publish it. */
  credentialMessage(event: CredentialEvent): string {
    return credentialEnvelope(this.#origin, event);
  }

  /** The message announcing a hold (of `key`'s app: hold keys are `<purpose>:<appId>[:…]`). */
  holdMessage(key: string, ttlMs: number): string {
    return holdEnvelope(this.#origin, key, ttlMs);
  }

  /**
   * How long a credential read is served from memory: longer while notifications flow (every change
   * drops it), except in a Cluster, where a slot move drops a sharded subscription until it is followed
   * to the slot's new node (`followSlotMoves`): changes made meanwhile are not announced.
   */
  copyTtlMs(options: { cacheTtlMs: number; notifiedCacheTtlMs: number; endpoint: RedisEndpoint }): number {
    const notified = this.connection.up && options.endpoint.kind !== 'cluster';
    return notified ? options.notifiedCacheTtlMs : options.cacheTtlMs;
  }

  #onMessage(channel: string, message: string): void {
    const appId = this.#keys.appOfChannel(channel);
    if (appId === undefined || !this.#subscriptions.has(appId)) return;
    const envelope = parseEnvelope(message);
    if (envelope === undefined) {
      this.#options.logger.warn({ channel }, 'Ignoring a malformed store notification');
      return;
    }
    // This store's own change was applied and announced to its listeners when it made it.
    if (envelope.origin === this.#origin) return;
    if ('hold' in envelope) {
      const { key, ttlMs } = envelope.hold;
      this.holds.emit({ type: 'held', key, ttlMs });
      return;
    }
    if (envelope.event.appId === appId) this.#options.onEvent(envelope.event);
  }
}
