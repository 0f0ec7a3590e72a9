import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { Logger } from '../../logger.js';
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
   * Subscribes `channels` again and resolves once their node has answered the `SSUBSCRIBE`: ioredis
   * announces `subscribersReady` when it has sent its own, before any reply.
   */
  confirm(channels: string[]): Promise<void>;
  /** The dropped channels are subscribed again on their new node: notifications may have been missed. */
  onResubscribed(): void;
}

/**
 * Keeps the sharded subscriptions of a Cluster subscriber through slot moves. ioredis resubscribes a
 * slot's channels on its new node only when its slot map changes (`subscribersReady` after the
 * refresh), and a subscriber connection sends no keyed command that a `MOVED` would correct: left
 * alone, a channel dropped by a slot move stays dropped until the subscriber reconnects, and its app's
 * changes on other replicas go unannounced. So a drop (`droppedChannels`) asks ioredis to refresh its
 * slot map at once, and again with the reconnect backoff while the nodes still tell the old owner
 * (the move is set node by node). Once ioredis has resubscribed with a slot map that puts every dropped
 * channel on another node, the channels are subscribed once more and, when their node has confirmed
 * it (`confirm`), `onResubscribed` makes readers read Redis again: a change announced after that is
 * heard. Returns the function that stops following.
 */
export function followSlotMoves(cluster: Cluster, options: SlotMoveOptions): () => void {
  let stopped = false;
  /** Each dropped channel not yet followed, and the node that dropped it. */
  let dropped = new Map<string, string>();
  const cancels = new Set<() => void>();
  const refresh = () => new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));

  const follow = async (channels: string[], nodeKey: string) => {
    for (let attempt = 1; attempt <= SLOT_MOVE_ATTEMPTS && !stopped; attempt++) {
      await refresh();
      if (stopped || movedAway(cluster.slots, channels, nodeKey)) return;
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
        'A Cluster slot move dropped store notifications and the nodes still name the old owner; following it at the next slot refresh',
      );
  };

  const onNodeError = (error: unknown, nodeKey: string) => {
    const message = error instanceof Error ? error.message : String(error);
    const channels = droppedChannels(message, options.channels());
    if (channels.length === 0 || stopped) return;
    // A move may be reported more than once; each report refreshes (ioredis runs one refresh at a time).
    if (dropped.size === 0)
      options.logger.info(
        { node: nodeKey, channels: channels.length },
        'A Cluster slot move dropped store notifications; subscribing again on the new owner',
      );
    for (const channel of channels) dropped.set(channel, nodeKey);
    void follow(channels, nodeKey);
  };
  const onSubscribersReady = () => {
    if (dropped.size === 0 || stopped) return;
    // Resubscribed with a map that still names a node that dropped a channel: not followed yet.
    for (const [channel, nodeKey] of dropped) if (!movedAway(cluster.slots, [channel], nodeKey)) return;
    const channels = [...dropped.keys()];
    dropped = new Map();
    void options
      .confirm(channels)
      .catch((error: unknown) =>
        options.logger.warn(
          { channels: channels.length, err: error instanceof Error ? error.message : String(error) },
          'A Cluster slot move: subscribing again on the new owner failed; following it at the next slot refresh',
        ),
      )
      .finally(() => {
        if (!stopped) options.onResubscribed();
      });
  };
  cluster.on('nodeError', onNodeError);
  cluster.on('subscribersReady', onSubscribersReady);
  return () => {
    stopped = true;
    for (const cancel of [...cancels]) cancel();
    cluster.off('nodeError', onNodeError);
    cluster.off('subscribersReady', onSubscribersReady);
  };
}
