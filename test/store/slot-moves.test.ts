import { EventEmitter } from 'node:events';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { droppedChannels, followSlotMoves, movedAway } from '../../src/store/redis/slot-moves.js';

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

describe('followSlotMoves', () => {
  const OLD = '127.0.0.1:7000';
  const NEW = '127.0.0.1:7001';
  /** What followSlotMoves uses of an ioredis Cluster: its events, its slot map and a refresh. */
  function fakeCluster() {
    const cluster = Object.assign(new EventEmitter(), {
      slots: [] as string[][],
      refreshSlotsCache(done: () => void) {
        done();
      },
    });
    cluster.slots[calculateSlot(A)] = [OLD];
    return cluster;
  }

  it('announces the resubscription only once the new owner confirmed it, never on a map naming the old one', async () => {
    const cluster = fakeCluster();
    const events: string[] = [];
    let confirmed!: () => void;
    const stop = followSlotMoves(cluster as unknown as Cluster, {
      channels: () => [A, B],
      maxReconnectDelayMs: 1,
      logger: silentLogger,
      confirm: (channels) => {
        events.push(`confirm ${channels.join(',')}`);
        return new Promise<void>((resolve) => {
          confirmed = resolve;
        });
      },
      onResubscribed: () => events.push('resubscribed'),
    });
    try {
      cluster.emit('nodeError', new Error(unasked(A)), OLD);
      // ioredis resubscribed, but with a map that still puts the channel on the node that dropped it.
      cluster.emit('subscribersReady');
      expect(events).toEqual([]);
      cluster.slots[calculateSlot(A)] = [NEW];
      cluster.emit('subscribersReady');
      expect(events).toEqual([`confirm ${A}`]);
      confirmed();
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual([`confirm ${A}`, 'resubscribed']);
      // Nothing dropped since: a later resubscription is not news.
      cluster.emit('subscribersReady');
      expect(events).toEqual([`confirm ${A}`, 'resubscribed']);
    } finally {
      stop();
    }
  });
});
