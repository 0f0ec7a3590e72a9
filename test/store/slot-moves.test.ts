import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { droppedChannels, movedAway } from '../../src/store/redis/slot-moves.js';

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
