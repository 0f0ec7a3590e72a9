import { randomUUID } from 'node:crypto';
import { Listeners } from '../listeners.js';
import type { Logger } from '../logger.js';
import { type RedisClient, RedisConnection } from '../store/redis/connection.js';
import type { RedisEndpoint } from '../store/redis/endpoint.js';
import type { RedisKeys } from './redis-options.js';
import { type Envelope, envelopeSchema, holdEnvelopeSchema } from './redis-wire.js';
import { appOfHoldKey, type HoldEvent, type StoreEvent } from './store.js';

export interface StoreNotificationsOptions {
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
  /** Called on every (re)connection: notifications may have been missed meanwhile. */
  onReady: () => void;
  /** Another store's change of a followed app. */
  onEvent: (event: StoreEvent) => void;
}

/**
 * `RedisStore`'s notification side: one subscriber connection, one sharded channel per app
 * (`SSUBSCRIBE <prefix>{<appId>}:events`, in the app's Cluster slot), each message checked and this
 * store's own echoes skipped. ioredis resubscribes every channel after a reconnect or a failover.
 */
export class StoreNotifications {
  readonly connection: RedisConnection;
  /** Holds (quota circuits) set by this or another store, for the circuit boards (scaling.md). */
  readonly holds: Listeners<HoldEvent>;
  private readonly keys: RedisKeys;
  private readonly options: StoreNotificationsOptions;
  /** appId → its SSUBSCRIBE, made once per app. */
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private readonly origin = randomUUID();

  constructor(endpoint: RedisEndpoint, keys: RedisKeys, options: StoreNotificationsOptions) {
    this.keys = keys;
    this.options = options;
    this.holds = new Listeners(options.logger, 'hold');
    this.connection = new RedisConnection(endpoint, {
      name: 'notifications',
      role: 'subscriber',
      connectTimeoutMs: options.connectTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      logger: options.logger,
      onReady: () => {
        options.onReady();
        // Holds may have gone unannounced too: circuit boards read them again.
        this.holds.emit({ type: 'resync' });
      },
    });
    this.connection.client.on('smessage', (channel: string, message: string) =>
      this.onMessage(channel, message),
    );
  }

  /** Connected, and every app followed so far subscribed. */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all([this.connection.ready(timeoutMs), ...this.subscriptions.values()]);
  }

  /** Subscribes to the app's channel the first time the app is named. */
  follow(appId: string): void {
    if (this.subscriptions.has(appId)) return;
    const subscribed = this.connection.client.ssubscribe(this.keys.channel(appId));
    subscribed.catch((error: unknown) =>
      this.options.logger.warn(
        { appId, err: this.connection.describe(error) },
        'Subscribing to store notifications failed',
      ),
    );
    this.subscriptions.set(appId, subscribed);
  }

  /** The message announcing `event`, as the store's scripts publish it. */
  envelope(event: StoreEvent): string {
    return JSON.stringify({ origin: this.origin, event });
  }

  /** Announces a hold on its app's channel (hold keys are `<purpose>:<appId>[:…]`). */
  announceHold(redis: RedisClient, key: string, ttlMs: number): Promise<unknown> {
    return redis.spublish(
      this.keys.channel(appOfHoldKey(key)),
      JSON.stringify({ origin: this.origin, hold: { key, ttlMs } }),
    );
  }

  /**
   * How long a token read is served from memory: longer while notifications flow (every change drops
   * it), except in a Cluster, where a slot move silently ends a sharded subscription for a while.
   */
  copyTtlMs(options: { cacheTtlMs: number; notifiedCacheTtlMs: number; endpoint: RedisEndpoint }): number {
    const notified = this.connection.up && options.endpoint.kind !== 'cluster';
    return notified ? options.notifiedCacheTtlMs : options.cacheTtlMs;
  }

  private onMessage(channel: string, message: string): void {
    const appId = this.keys.appOfChannel(channel);
    if (appId === undefined || !this.subscriptions.has(appId)) return;
    let parsed: Envelope;
    try {
      const json: unknown = JSON.parse(message);
      const hold = holdEnvelopeSchema.safeParse(json);
      if (hold.success) {
        const { key, ttlMs } = hold.data.hold;
        if (hold.data.origin !== this.origin) this.holds.emit({ type: 'held', key, ttlMs });
        return;
      }
      parsed = envelopeSchema.parse(json);
    } catch {
      this.options.logger.warn({ channel }, 'Ignoring a malformed store notification');
      return;
    }
    // This store's own change was applied and emitted when it made it.
    if (parsed.origin === this.origin || parsed.event.appId !== appId) return;
    this.options.onEvent(parsed.event);
  }
}
