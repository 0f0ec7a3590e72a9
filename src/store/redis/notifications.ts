import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { setNewest } from '../../bounded-map.js';
import { Listeners } from '../../listeners.js';
import type { Logger } from '../../logger.js';
import type { CredentialEvent, HoldEvent } from '../ports.js';
import { RedisConnection } from './connection.js';
import type { RedisEndpoint } from './endpoint.js';
import type { RedisKeys } from './keys.js';
import { followSlotMoves, type SlotMap, type SlotMoves } from './slot-moves.js';
import { perSlot } from './slots.js';
import { credentialEnvelope, envelopePrefix, holdEnvelope, parseEnvelope } from './wire.js';

export interface StoreNotificationsOptions {
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
  /** Apps followed through authorizers' credentials and holds at once; the least recently used is left. */
  capacity: number;
  /** Called on every (re)connection: notifications may have been missed meanwhile. */
  onReady: () => void;
  /** Another store's change of a credential of a followed app. */
  onEvent: (event: CredentialEvent) => void;
  /**
   * In a Cluster, the store's other clients, whose slot map a command's `MOVED` refreshes: a sign of a
   * slot move (`followSlotMoves`). @default []
   */
  peers?: readonly SlotMap[];
}

/**
 * The notification side of `RedisStores`: one subscriber connection, one sharded channel per app
 * (`SSUBSCRIBE <prefix>{<appId>}:events`, in the app's Cluster slot) carrying credential events and
 * hold announcements, each message checked and this store's own echoes skipped (it told its own
 * listeners when it made the change). ioredis resubscribes every channel after a reconnect or failover;
 * in a Cluster, a channel a slot move drops is subscribed again on the slot's new node
 * (`followSlotMoves`), after which every copy is read again as after a reconnect.
 * Configured apps (and any app followed with `bounded: false`) stay followed; other apps (an Open
 * Platform component's authorizers, which may be 100,000) are followed while they are among the
 * `capacity` most recently used, as the local copies are (`LocalMirror`): the least recently used is
 * left (SUNSUBSCRIBE), and hold watchers are told to read its holds again (`resync` of its appId).
 */
export class StoreNotifications {
  readonly connection: RedisConnection;
  /** Holds set by this or another store; `resync` after every (re)connection. */
  readonly holds: Listeners<HoldEvent>;
  readonly #keys: RedisKeys;
  readonly #options: StoreNotificationsOptions;
  /** appId → its SSUBSCRIBE, made once while the app is followed. */
  readonly #subscriptions = new Map<string, Promise<unknown>>();
  /** The apps whose SSUBSCRIBE Redis confirmed (and that are still followed). */
  readonly #subscribed = new Set<string>();
  /** Apps followed for as long as the process runs. */
  readonly #permanent = new Set<string>();
  /** The other apps followed, least recently used first, at most `capacity`. */
  readonly #recent = new Map<string, true>();
  /** Apps named this turn, subscribed together at its end. */
  readonly #pending = new Map<string, { resolve: () => void; reject: (error: unknown) => void }>();
  /** Apps left this turn, unsubscribed together at its end. */
  readonly #leaving = new Set<string>();
  readonly #endpoint: RedisEndpoint;
  readonly #origin = randomUUID();
  /** How this store's own envelopes begin (`envelopePrefix`). */
  readonly #echo = envelopePrefix(this.#origin);
  /** In a Cluster, follows the slot moves of the subscribed channels. */
  readonly #slotMoves: SlotMoves | undefined;

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
    this.#slotMoves =
      endpoint.kind === 'cluster'
        ? followSlotMoves(this.connection.client as Cluster, {
            channels: () => [...this.#subscriptions.keys()].map((appId) => keys.channel(appId)),
            maxReconnectDelayMs: options.maxReconnectDelayMs,
            logger: options.logger,
            confirm: async (channels) => {
              let failure: unknown;
              await this.#ssubscribe(channels, (_group, failed) => {
                failure ??= failed;
              });
              if (failure !== undefined) throw failure;
            },
            onResubscribed: missed,
            peers: options.peers ?? [],
          })
        : undefined;
    this.connection.client.on('smessage', (channel: string, message: string) =>
      this.#onMessage(channel, message),
    );
  }

  /** Connected, and every app followed so far subscribed. */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all([this.connection.ready(timeoutMs), ...this.#subscriptions.values()]);
  }

  /** How many apps are followed now (subscribed or being subscribed). */
  get followed(): number {
    return this.#subscriptions.size;
  }

  /**
   * Subscribes to the app's channel unless it is followed already. The apps named in one turn of the
   * event loop are subscribed together (one SSUBSCRIBE, one per slot in a Cluster). `bounded`: the
   * app is among those of which at most `capacity` are followed (authorizers); otherwise it is followed
   * for good.
   */
  follow(appId: string, bounded = true): void {
    if (!bounded) {
      this.#permanent.add(appId);
      this.#recent.delete(appId);
    } else if (!this.#permanent.has(appId)) {
      setNewest(this.#recent, appId, true, this.#options.capacity, (left) => this.#leave(left));
    }
    if (this.#subscriptions.has(appId)) return;
    if (this.#leaving.delete(appId)) {
      // Left earlier this turn and not unsubscribed yet: still subscribed.
      this.#subscriptions.set(appId, Promise.resolve());
      this.#subscribed.add(appId);
      return;
    }
    this.#schedule();
    const subscribed = new Promise<void>((resolve, reject) => this.#pending.set(appId, { resolve, reject }));
    subscribed.then(
      () => {
        if (this.#subscriptions.get(appId) === subscribed) this.#subscribed.add(appId);
      },
      (error: unknown) =>
        this.#options.logger.warn(
          { appId, err: this.connection.describe(error) },
          'Subscribing to store notifications failed',
        ),
    );
    this.#subscriptions.set(appId, subscribed);
  }

  #leave(appId: string): void {
    this.#subscriptions.delete(appId);
    this.#subscribed.delete(appId);
    const waiter = this.#pending.get(appId);
    if (waiter) {
      // Never sent: nothing to unsubscribe.
      this.#pending.delete(appId);
      waiter.resolve();
    } else {
      this.#schedule();
      this.#leaving.add(appId);
    }
  }

  #schedule(): void {
    if (this.#pending.size === 0 && this.#leaving.size === 0) queueMicrotask(() => this.#sendPending());
  }

  #sendPending(): void {
    const waiters = new Map(
      [...this.#pending].map(([appId, waiter]) => [this.#keys.channel(appId), waiter] as const),
    );
    const leaving = [...this.#leaving];
    this.#pending.clear();
    this.#leaving.clear();
    const client = this.connection.client;
    // Left first: on the one connection, Redis has done both once the SSUBSCRIBE answers.
    if (leaving.length > 0) {
      void perSlot(
        this.#endpoint,
        leaving.map((appId) => this.#keys.channel(appId)),
        async (group) => {
          await client
            .sunsubscribe(...group)
            .catch((error: unknown) =>
              this.#options.logger.warn(
                { err: this.connection.describe(error) },
                'Unsubscribing from store notifications failed',
              ),
            );
          return group.map(() => undefined);
        },
        undefined,
      );
      // Their holds are no longer announced here: watchers read them again on next use.
      this.holds.emit({ type: 'resync', appIds: leaving });
    }
    if (waiters.size > 0) {
      void this.#ssubscribe([...waiters.keys()], (group, failure) => {
        for (const channel of group) {
          const waiter = waiters.get(channel);
          if (failure === undefined) waiter?.resolve();
          else waiter?.reject(failure);
        }
      });
    }
  }

  /**
   * SSUBSCRIBEs `channels`, one command per slot in a Cluster; `settled` hears each group once its
   * node has answered, with the failure if it refused. Resolves when every group has settled.
   */
  async #ssubscribe(
    channels: string[],
    settled: (group: string[], failure?: unknown) => void,
  ): Promise<void> {
    const client = this.connection.client;
    await perSlot(
      this.#endpoint,
      channels,
      async (group) => {
        try {
          await client.ssubscribe(...group);
          this.#slotMoves?.subscribed(group);
          settled(group);
        } catch (error) {
          settled(group, error ?? new Error('SSUBSCRIBE failed'));
        }
        return group.map(() => undefined);
      },
      undefined,
    );
  }

  /** Whether the app's changes and holds are announced to this store now (its SSUBSCRIBE confirmed). */
  follows(appId: string): boolean {
    return this.#subscribed.has(appId);
  }

  /** Stops following slot moves and closes the subscriber connection, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.#slotMoves?.stop();
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
   * How long a credential read is served from memory: longer while the app's notifications flow (every
   * change drops it), except in a Cluster, where a slot move drops a sharded subscription until it is
   * followed to the slot's new node (`followSlotMoves`): changes made meanwhile are not announced.
   */
  copyTtlMs(
    appId: string,
    options: { cacheTtlMs: number; notifiedCacheTtlMs: number; endpoint: RedisEndpoint },
  ): number {
    const notified = this.connection.up && options.endpoint.kind !== 'cluster' && this.follows(appId);
    return notified ? options.notifiedCacheTtlMs : options.cacheTtlMs;
  }

  #onMessage(channel: string, message: string): void {
    const appId = this.#keys.appOfChannel(channel);
    if (appId === undefined || !this.#subscriptions.has(appId)) return;
    // This store's own change was applied and announced to its listeners when it made it: its echo
    // (one per token this replica obtains) is known by its first characters, never parsed.
    if (message.startsWith(this.#echo)) return;
    const envelope = parseEnvelope(message);
    if (envelope === undefined) {
      this.#options.logger.warn({ channel }, 'Ignoring a malformed store notification');
      return;
    }
    if ('hold' in envelope) {
      const { key, ttlMs } = envelope.hold;
      this.holds.emit({ type: 'held', key, ttlMs });
      return;
    }
    if (envelope.event.appId === appId) this.#options.onEvent(envelope.event);
  }
}
