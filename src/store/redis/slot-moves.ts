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
}

/**
 * Keeps the sharded subscriptions of a Cluster subscriber through slot moves. ioredis resubscribes a
 * slot's channels on its new node only when its slot map changes, and announces it
 * (`subscribersReady`) when it has sent the `SSUBSCRIBE`, not when the node has answered; a subscriber
 * connection sends no keyed command that a `MOVED` would correct; and the map may have changed
 * already (a command's `MOVED`) before the old node's `sunsubscribe` arrives. So a drop
 * (`droppedChannels`) asks ioredis to refresh its slot map, again with the reconnect backoff while the
 * nodes still tell the old owner (the move is set node by node); once the map puts every dropped
 * channel on another node, they are subscribed there (`confirm`, whatever ioredis did meanwhile) and,
 * the node having answered, `onResubscribed` makes readers read Redis again: a change announced after
 * that is heard. Returns the function that stops following.
 */
export function followSlotMoves(cluster: Cluster, options: SlotMoveOptions): () => void {
  let stopped = false;
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

  const onNodeError = (error: unknown, nodeKey: string) => {
    const message = error instanceof Error ? error.message : String(error);
    const channels = droppedChannels(message, options.channels()).filter(
      (channel) => !following.has(channel),
    );
    if (channels.length === 0 || stopped) return;
    if (following.size === 0)
      options.logger.info(
        { node: nodeKey, channels: channels.length },
        'A Cluster slot move dropped store notifications; subscribing again on the new owner',
      );
    for (const channel of channels) following.add(channel);
    void follow(channels, nodeKey);
  };
  cluster.on('nodeError', onNodeError);
  return () => {
    stopped = true;
    for (const cancel of [...cancels]) cancel();
    cluster.off('nodeError', onNodeError);
  };
}
