import { describe, expect, it } from 'vitest';
import { TurnBatch, TurnCalls } from '../../src/store/redis/turn-batch.js';

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

describe('TurnCalls', () => {
  const single = { kind: 'url' } as const;
  type Sent = { keys: readonly string[]; args: readonly number[] }[];

  it('runs the calls of one turn in one command, in order, and answers each its own value', async () => {
    const sent: Sent[] = [];
    const calls = new TurnCalls<readonly number[], number>(single, async (batch) => {
      sent.push(batch.map(({ keys, args }) => ({ keys, args })));
      return batch.map(({ args }) => (args[0] ?? 0) * 10);
    });
    const answers = await Promise.all([calls.call(['{a}:x', '{a}:y'], [1]), calls.call(['{b}:x'], [2])]);
    expect(answers).toEqual([10, 20]);
    expect(sent).toEqual([
      [
        { keys: ['{a}:x', '{a}:y'], args: [1] },
        { keys: ['{b}:x'], args: [2] },
      ],
    ]);
    // A later turn is a command of its own.
    expect(await calls.call(['{c}:x'], [3])).toBe(30);
    expect(sent).toHaveLength(2);
  });

  it('groups by the slot of each call in a Cluster, and carries at most 128 calls a command', async () => {
    const sent: string[][] = [];
    const calls = new TurnCalls<readonly number[], number>({ kind: 'cluster' }, async (batch) => {
      sent.push(batch.map(({ keys }) => keys[0] ?? ''));
      return batch.map(() => 1);
    });
    await Promise.all([
      calls.call(['{a}:x', '{a}:y'], []),
      calls.call(['{b}:x'], []),
      calls.call(['{a}:z'], []),
    ]);
    expect(sent.map((keys) => keys.sort()).sort()).toEqual([['{a}:x', '{a}:z'], ['{b}:x']]);

    sent.length = 0;
    const many = new TurnCalls<readonly number[], number>(single, async (batch) => {
      sent.push(batch.map(({ keys }) => keys[0] ?? ''));
      return batch.map(() => 1);
    });
    await Promise.all(Array.from({ length: 300 }, (_, i) => many.call([`{app${i}}:lock`], [])));
    expect(sent.map((keys) => keys.length)).toEqual([128, 128, 44]);
  });

  it('fails every call its command carried when it fails (or throws), and the next turn tries again', async () => {
    let fail: 'reject' | 'throw' | undefined = 'reject';
    const calls = new TurnCalls<readonly number[], string>(single, (batch) => {
      if (fail === 'throw') throw new Error('no client');
      if (fail === 'reject') return Promise.reject(new Error('down'));
      return Promise.resolve(batch.map(() => 'ok'));
    });
    const failed = await Promise.allSettled([calls.call(['a'], []), calls.call(['b'], [])]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = 'throw';
    await expect(calls.call(['a'], [])).rejects.toThrow('no client');
    fail = undefined;
    expect(await calls.call(['a'], [])).toBe('ok');
  });
});
