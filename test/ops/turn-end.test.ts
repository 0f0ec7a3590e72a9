import { afterEach, describe, expect, it, vi } from 'vitest';
import { atTurnEnd, finishTurn } from '../../src/turn-end.js';

describe('work deferred to the end of the turn', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs at the end of the turn, in order, with work deferred meanwhile', async () => {
    const done: string[] = [];
    atTurnEnd(() => {
      done.push('first');
      atTurnEnd(() => done.push('deferred by the first'));
    });
    atTurnEnd(() => done.push('second'));
    expect(done).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual(['first', 'second', 'deferred by the first']);
  });

  it('runs now when asked (a flush, a read of the metrics), and not again at the end of the turn', async () => {
    const done: string[] = [];
    atTurnEnd(() => done.push('line'));
    finishTurn();
    expect(done).toEqual(['line']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual(['line']);
  });

  it('reports a piece that throws as a process warning and still runs the rest', () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const done: string[] = [];
    atTurnEnd(() => {
      throw new Error('a broken destination');
    });
    atTurnEnd(() => done.push('after'));
    finishTurn();
    expect(done).toEqual(['after']);
    expect(warnings).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'a broken destination' }),
      'TurnEndWarning',
    );
  });
});
