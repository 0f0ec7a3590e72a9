import { describe, expect, it } from 'vitest';
import { CircuitBoard } from '../../src/token/circuit-board.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import { FakeClock } from './fake-clock.js';

/** The board answers from process memory, and makes no key list for an app that holds nothing. */
describe('CircuitBoard', () => {
  it('reports each app’s own holds until they end or are released, and skips the keys of an app holding none', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock });
    const board = new CircuitBoard({ store, clock });
    const keysOf = (appId: string) => [
      `circuit:${appId}:quota:/cgi-bin/a`,
      `circuit:${appId}:quota:/cgi-bin/b`,
    ];
    const made: string[] = [];
    const keys = (appId: string) => () => {
      made.push(appId);
      return keysOf(appId);
    };

    await store.hold('circuit:wxA:quota:/cgi-bin/b', 5_000);
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(5_000);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);
    made.length = 0;
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);
    expect(made).toEqual([]); // known, nothing held: no key list made

    board.record('circuit:wxB:quota:/cgi-bin/a', 2_000);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(2_000);
    board.record('circuit:wxB:quota:/cgi-bin/a', 0);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);

    clock.advance(4_000);
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(1_000);
    clock.advance(1_000);
    made.length = 0;
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(0);
    expect(made).toEqual([]);
    board.close();
  });
});
