import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/store/redis/turn-batch.js';

describe('TurnBatch', () => {
  const single = { kind: 'url' } as const;

  it('sends what one turn asks in one command, each key once, and answers each caller in its order', async () => {
    const sent: string[][] = [];
    const batch = new TurnBatch(
      single,
      async (keys) => {
        sent.push(keys);
        return keys.map((key) => (key === 'missing' ? null : `v:${key}`));
      },
      null,
    );
    const [a, b, none] = await Promise.all([
      batch.read(['k1', 'k2']),
      batch.read(['k2', 'k3', 'missing']),
      batch.read([]),
    ]);
    expect(sent).toEqual([['k1', 'k2', 'k3', 'missing']]);
    expect(a).toEqual(['v:k1', 'v:k2']);
    expect(b).toEqual(['v:k2', 'v:k3', null]);
    expect(none).toEqual([]);
    // A later turn is a command of its own.
    expect(await batch.read(['k4'])).toEqual(['v:k4']);
    expect(sent).toHaveLength(2);
  });

  it('groups by slot in a Cluster: one command per slot', async () => {
    const sent: string[][] = [];
    const batch = new TurnBatch(
      { kind: 'cluster' },
      async (keys) => {
        sent.push(keys);
        return keys.map(() => 1);
      },
      0,
    );
    await Promise.all([batch.read(['{a}:x', '{b}:x']), batch.read(['{a}:y'])]);
    expect(sent.map((keys) => keys.sort()).sort()).toEqual([['{a}:x', '{a}:y'], ['{b}:x']]);
  });

  it('fails every caller of the turn when its command fails, and the next turn tries again', async () => {
    let fail = true;
    const batch = new TurnBatch(
      single,
      async (keys) => {
        if (fail) throw new Error('down');
        return keys.map(() => 'ok');
      },
      null,
    );
    const results = await Promise.allSettled([batch.read(['a']), batch.read(['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batch.read(['a'])).toEqual(['ok']);
  });
});
