import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { RedisConnection } from '../redis/connection.js';
import type { RedisEndpoint } from '../redis/endpoint.js';
import type { RedisKeys } from './redis-options.js';
import { type Envelope, envelopeSchema, holdEnvelopeSchema } from './redis-wire.js';
import type { StoreEvent } from './store.js';

export interface StoreNotificationsOptions {
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
  /** Called on every (re)connection: notifications may have been missed meanwhile. */
  onReady: () => void;
  /** Another store's change of a followed app. */
  onEvent: (event: StoreEvent) => void;
  /** Another store's hold (a quota circuit) of a followed app. */
  onHold: (key: string, ttlMs: number) => void;
}

/**
 * `RedisStore`'s notification side: one subscriber connection, one sharded channel per app
 * (`SSUBSCRIBE <prefix>{<appId>}:events`, in the app's Cluster slot), each message checked and this
 * store's own echoes skipped. ioredis resubscribes every channel after a reconnect or a failover.
 */
export class StoreNotifications {
  readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly options: StoreNotificationsOptions;
  /** appId → its SSUBSCRIBE, made once per app. */
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private readonly origin = randomUUID();

  constructor(endpoint: RedisEndpoint, keys: RedisKeys, options: StoreNotificationsOptions) {
    this.keys = keys;
    this.options = options;
    this.connection = new RedisConnection(endpoint, {
      name: 'notifications',
      role: 'subscriber',
      connectTimeoutMs: options.connectTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      logger: options.logger,
      onReady: options.onReady,
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

  /** The message announcing a hold on the app's channel (circuit boards follow it, scaling.md). */
  holdEnvelope(key: string, ttlMs: number): string {
    return JSON.stringify({ origin: this.origin, hold: { key, ttlMs } });
  }

  private onMessage(channel: string, message: string): void {
    const appId = this.keys.appOfChannel(channel);
    if (appId === undefined || !this.subscriptions.has(appId)) return;
    let parsed: Envelope;
    try {
      const json: unknown = JSON.parse(message);
      const hold = holdEnvelopeSchema.safeParse(json);
      if (hold.success) {
        if (hold.data.origin !== this.origin) this.options.onHold(hold.data.hold.key, hold.data.hold.ttlMs);
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
