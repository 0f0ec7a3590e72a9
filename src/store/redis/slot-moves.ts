import type { EventEmitter } from 'node:events';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { Logger } from '../../logger.js';
import { errorText } from '../../redact.js';
import { reconnectDelayMs } from './connection.js';

/**
 * The followed channels a node's unsolicited `sunsubscribe` names. A node that loses a slot (a slot
 * move, `CLUSTER SETSLOT … NODE`) unsubscribes its clients from that slot's sharded channels at once;
 * ioredis takes the reply nobody asked for as a "Command queue state error" whose text carries it
 * (`Last reply: sunsubscribe,<channel>,<count>`) and says nothing else. Empty for any other error.
 */
export function droppedChannels(errorMessage: string, followed: Iterable<string>): string[] {
  const at = errorMessage.indexOf('sunsubscribe,');
  if (at < 0) return [];
  const reply = errorMessage.slice(at + 'sunsubscribe,'.length);
  return [...followed].filter((channel) => reply.startsWith(`${channel},`));
}

/** Whether `slots` (ioredis's slot → node keys map) no longer puts any of `channels` on `nodeKey`. */
export function movedAway(
  slots: readonly (readonly string[] | undefined)[],
  channels: readonly string[],
  nodeKey: string,
): boolean {
  return channels.every((channel) => {
    const owner = slots[calculateSlot(channel)]?.[0];
    return owner !== undefined && owner !== nodeKey;
  });
}

/** How many slot-map refreshes a dropped subscription is followed for before leaving it to the next one. */
export const SLOT_MOVE_ATTEMPTS = 8;

export interface SlotMoveOptions {
  /** The sharded channels subscribed now. */
  channels(): Iterable<string>;
  maxReconnectDelayMs: number;
  logger: Logger;
  /**
   * Subscribes `channels` again, on the node the slot map now names, and resolves once that node has
   * answered the `SSUBSCRIBE`.
   */
  confirm(channels: string[]): Promise<void>;
  /** The dropped channels are subscribed again on their new node: notifications may have been missed. */
  onResubscribed(): void;
  /**
   * The store's other Cluster clients (its command connection): a command's `MOVED` refreshes their
   * slot map, which may be the first sign of a move when no drop was reported.
   * @default []
   */
  peers?: readonly SlotMap[];
}

/** What `followSlotMoves` reads of a Cluster client: its slot map and the event saying it was refreshed. */
export type SlotMap = Pick<Cluster, 'slots'> & Pick<EventEmitter, 'on' | 'off'>;

export interface SlotMoves {
  /** `channels` (all in one slot) were subscribed, on the node the slot map names for their slot now. */
  subscribed(channels: readonly string[]): void;
  /** Stops following. */
  stop(): void;
}

/**
 * The slots whose owner in `slots` is another node than the one a subscription there was confirmed on
 * (`owners`: slot → node key). A slot the map names no owner for is not counted as moved.
 */
export function movedSlots(
  owners: ReadonlyMap<number, string>,
  slots: readonly (readonly string[] | undefined)[],
): Map<number, string> {
  const moved = new Map<number, string>();
  for (const [slot, owner] of owners) {
    const now = slots[slot]?.[0];
    if (now !== undefined && now !== owner) moved.set(slot, owner);
  }
  return moved;
}

/**
 * Keeps the sharded subscriptions of a Cluster subscriber through slot moves. ioredis resubscribes a
 * slot's channels on its new node only when its slot map changes, and announces it
 * (`subscribersReady`) when it has sent the `SSUBSCRIBE`, not when the node has answered; a subscriber
 * connection sends no keyed command that a `MOVED` would correct; the map may have changed already (a
 * command's `MOVED`) before the old node's `sunsubscribe` arrives; and that `sunsubscribe` raises no
 * error at all when a command is pending on the connection (ioredis matches the reply to it). So a move
 * is followed from either sign of it:
 * - a drop (`droppedChannels`) reported by the old node;
 * - a refreshed slot map, this client's or a peer's (`peers`), naming another owner for a slot than the
 *   node its subscriptions were confirmed on (`subscribed`, `movedSlots`).
 * Following asks ioredis to refresh the subscriber's slot map, again with the reconnect backoff while
 * the nodes still tell the old owner (the move is set node by node); once the map puts every moved
 * channel on another node, they are subscribed there (`confirm`, whatever ioredis did meanwhile) and,
 * the node having answered, `onResubscribed` makes readers read Redis again: a change announced after
 * that is heard.
 */
export function followSlotMoves(cluster: Cluster, options: SlotMoveOptions): SlotMoves {
  let stopped = false;
  /** Slot → the node its channels' last SSUBSCRIBE was confirmed on. */
  const owners = new Map<number, string>();
  /** The dropped channels being followed (a move may be reported more than once). */
  const following = new Set<string>();
  const cancels = new Set<() => void>();
  const refresh = () => new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));

  const resubscribe = async (channels: string[]) => {
    try {
      await options.confirm(channels);
    } catch (error) {
      options.logger.warn(
        { channels: channels.length, err: errorText(error) },
        'A Cluster slot move: subscribing again on the new owner failed; its changes show as copies lapse',
      );
    }
    if (!stopped) options.onResubscribed();
  };

  /** Follows `channels` until they are subscribed again or the attempts run out; then no longer. */
  const follow = async (channels: string[], nodeKey: string) => {
    try {
      await followUntilMoved(channels, nodeKey);
    } finally {
      for (const channel of channels) following.delete(channel);
    }
  };

  const followUntilMoved = async (channels: string[], nodeKey: string) => {
    for (let attempt = 1; attempt <= SLOT_MOVE_ATTEMPTS && !stopped; attempt++) {
      await refresh();
      if (stopped) return;
      if (movedAway(cluster.slots, channels, nodeKey)) return resubscribe(channels);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, reconnectDelayMs(attempt, options.maxReconnectDelayMs));
        timer.unref?.();
        function done() {
          cancels.delete(cancel);
          resolve();
        }
        function cancel() {
          clearTimeout(timer);
          done();
        }
        cancels.add(cancel);
      });
    }
    if (!stopped)
      options.logger.warn(
        { node: nodeKey, channels: channels.length },
        'A Cluster slot move dropped store notifications and the nodes still name the old owner; its changes show as copies lapse until the subscriber reconnects',
      );
  };

  /** Follows those of `moved` (channels that left `nodeKey`) not followed already. */
  const start = (moved: readonly string[], nodeKey: string) => {
    const channels = moved.filter((channel) => !following.has(channel));
    if (channels.length === 0 || stopped) return;
    if (following.size === 0)
      options.logger.info(
        { node: nodeKey, channels: channels.length },
        'A Cluster slot move took store notifications to another node; subscribing again on the new owner',
      );
    for (const channel of channels) following.add(channel);
    void follow(channels, nodeKey);
  };

  const onNodeError = (error: unknown, nodeKey: string) => {
    const message = error instanceof Error ? error.message : String(error);
    start(droppedChannels(message, options.channels()), nodeKey);
  };

  const onRefreshed = (map: SlotMap) => {
    if (stopped || owners.size === 0) return;
    const moved = movedSlots(owners, map.slots);
    if (moved.size === 0) return;
    const byOwner = new Map<string, string[]>();
    for (const channel of options.channels()) {
      const owner = moved.get(calculateSlot(channel));
      if (owner === undefined) continue;
      const channels = byOwner.get(owner);
      if (channels) channels.push(channel);
      else byOwner.set(owner, [channel]);
    }
    for (const [owner, channels] of byOwner) start(channels, owner);
  };

  const listeners = [cluster, ...(options.peers ?? [])].map((map) => ({
    map,
    refreshed: () => onRefreshed(map),
  }));
  cluster.on('nodeError', onNodeError);
  for (const { map, refreshed } of listeners) map.on('refresh', refreshed);
  return {
    subscribed(channels) {
      const first = channels[0];
      if (first === undefined) return;
      const slot = calculateSlot(first);
      const owner = cluster.slots[slot]?.[0];
      if (owner !== undefined) owners.set(slot, owner);
    },
    stop() {
      stopped = true;
      for (const cancel of [...cancels]) cancel();
      cluster.off('nodeError', onNodeError);
      for (const { map, refreshed } of listeners) map.off('refresh', refreshed);
    },
  };
}
