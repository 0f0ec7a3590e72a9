import { EventEmitter } from 'node:events';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import {
  droppedChannels,
  followSlotMoves,
  movedAway,
  movedSlots,
  type SlotMap,
} from '../../src/store/redis/slot-moves.js';

const A = 'gw:{wxaaaaaaaaaaaaaaaa}:events';
const B = 'gw:{wxbbbbbbbbbbbbbbbb}:events';
/** What ioredis 5 reports when a node unsubscribes a channel nobody asked it to (a slot move). */
const unasked = (channel: string) =>
  `Command queue state error. If you can reproduce this, please report it. Last reply: sunsubscribe,${channel},0`;

describe('droppedChannels', () => {
  it.each([
    ['a followed channel dropped', unasked(A), [A, B], [A]],
    ['another store’s channel', unasked('other:{wx}:events'), [A, B], []],
    ['a channel whose name a followed one begins', unasked(`${A}x`), [A], []],
    ['a queue error of another reply', 'Command queue state error. Last reply: OK', [A], []],
    ['a connection error', 'connect ECONNREFUSED 127.0.0.1:7000', [A], []],
  ] as const)('%s', (_name, message, followed, dropped) => {
    expect(droppedChannels(message, followed)).toEqual(dropped);
  });
});

describe('movedAway', () => {
  const slots: string[][] = [];
  slots[calculateSlot(A)] = ['127.0.0.1:7001'];
  slots[calculateSlot(B)] = ['127.0.0.1:7000'];
  it.each([
    ['the slot has a new owner', [A], '127.0.0.1:7000', true],
    ['the slot map still names the node that dropped it', [B], '127.0.0.1:7000', false],
    ['one of two still there', [A, B], '127.0.0.1:7000', false],
    ['no owner known for the slot', ['gw:{wxunknownunknown00}:events'], '127.0.0.1:7000', false],
  ] as const)('%s', (_name, channels, node, moved) => {
    expect(movedAway(slots, channels, node)).toBe(moved);
  });
});

describe('movedSlots', () => {
  const slots: string[][] = [];
  slots[1] = ['127.0.0.1:7001'];
  slots[2] = ['127.0.0.1:7000'];
  it.each([
    ['a slot now owned by another node', [[1, '127.0.0.1:7000']], [[1, '127.0.0.1:7000']]],
    ['a slot still on its node', [[2, '127.0.0.1:7000']], []],
    ['a slot the map names no owner for', [[3, '127.0.0.1:7000']], []],
  ] as const)('%s', (_name, owners, moved) => {
    expect([...movedSlots(new Map(owners), slots)]).toEqual(moved);
  });
});

describe('followSlotMoves', () => {
  const OLD = '127.0.0.1:7000';
  const NEW = '127.0.0.1:7001';
  /** What followSlotMoves uses of an ioredis Cluster: its events, its slot map, a refresh of it. */
  function fakeCluster(refreshes: string[]) {
    const cluster = Object.assign(new EventEmitter(), {
      slots: [] as string[][],
      refreshSlotsCache(done: () => void) {
        // Each refresh hears the next node's answer: the move is set node by node.
        cluster.slots[calculateSlot(A)] = [refreshes.shift() ?? NEW];
        done();
      },
    });
    cluster.slots[calculateSlot(A)] = [OLD];
    return cluster;
  }

  function follow(cluster: ReturnType<typeof fakeCluster>, peers: SlotMap[] = []) {
    const events: string[] = [];
    let confirmed!: () => void;
    const moves = followSlotMoves(cluster as unknown as Cluster, {
      peers,
      channels: () => [A, B],
      maxReconnectDelayMs: 100,
      logger: silentLogger,
      confirm: (channels) => {
        events.push(`confirm ${channels.join(',')}`);
        return new Promise<void>((resolve) => {
          confirmed = resolve;
        });
      },
      onResubscribed: () => events.push('resubscribed'),
    });
    /** A was subscribed again: once its node answers, the resubscription is announced (once). */
    const answered = async () => {
      expect(events).toEqual([`confirm ${A}`]);
      confirmed();
      await vi.advanceTimersByTimeAsync(0);
      expect(events).toEqual([`confirm ${A}`, 'resubscribed']);
    };
    return { events, stop: () => moves.stop(), subscribed: moves.subscribed, answered };
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes the dropped channels on the new owner once the map names it, and announces it once confirmed', async () => {
    const cluster = fakeCluster([OLD, NEW]);
    const { events, stop, answered } = follow(cluster);
    try {
      cluster.emit('nodeError', new Error(unasked(A)), OLD);
      // A second report of the same move is the same move.
      cluster.emit('nodeError', new Error(unasked(A)), OLD);
      await vi.advanceTimersByTimeAsync(0);
      // The first refresh still names the node that dropped it: nothing is subscribed there.
      expect(events).toEqual([]);
      await vi.advanceTimersByTimeAsync(100);
      await answered();
    } finally {
      stop();
    }
  });

  it('follows a drop heard after the map already moved (a command’s MOVED refreshed it first)', async () => {
    const cluster = fakeCluster([]);
    cluster.slots[calculateSlot(A)] = [NEW];
    const { stop, answered } = follow(cluster);
    try {
      cluster.emit('nodeError', new Error(unasked(A)), OLD);
      await vi.advanceTimersByTimeAsync(0);
      await answered();
    } finally {
      stop();
    }
  });

  it('follows a move no drop reported: a peer’s refreshed map names another owner for a subscribed slot', async () => {
    // The old node's sunsubscribe can be taken as the reply to a pending command: no error at all.
    const cluster = fakeCluster([NEW]);
    const peer = Object.assign(new EventEmitter(), { slots: [] as string[][] });
    const { events, stop, subscribed, answered } = follow(cluster, [peer as unknown as SlotMap]);
    try {
      subscribed([A]);
      // A refresh naming the owner it was confirmed on is no move.
      peer.slots[calculateSlot(A)] = [OLD];
      peer.emit('refresh');
      await vi.advanceTimersByTimeAsync(0);
      expect(events).toEqual([]);
      peer.slots[calculateSlot(A)] = [NEW];
      peer.emit('refresh');
      // The subscriber's own map, refreshed, is followed too: the same move is followed once.
      cluster.emit('refresh');
      await vi.advanceTimersByTimeAsync(0);
      await answered();
      // Confirmed on the new node: a later refresh naming it is no move.
      subscribed([A]);
      peer.emit('refresh');
      cluster.emit('refresh');
      await vi.advanceTimersByTimeAsync(1000);
      expect(events).toEqual([`confirm ${A}`, 'resubscribed']);
    } finally {
      stop();
    }
  });

  it('stops hearing refreshes once stopped', async () => {
    const cluster = fakeCluster([NEW]);
    const peer = Object.assign(new EventEmitter(), { slots: [] as string[][] });
    const { events, stop, subscribed } = follow(cluster, [peer as unknown as SlotMap]);
    subscribed([A]);
    stop();
    peer.slots[calculateSlot(A)] = [NEW];
    peer.emit('refresh');
    await vi.advanceTimersByTimeAsync(1000);
    expect(events).toEqual([]);
    expect(peer.listenerCount('refresh')).toBe(0);
  });
});
