import { describe, expect, it } from 'vitest';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { CircuitBoard } from '../../src/upstream/circuit-board.js';
import { FakeClock } from '../credentials/fake-clock.js';

/** The board answers from process memory, and makes no key list for an app that holds nothing. */
describe('CircuitBoard', () => {
  it('reports each app’s own holds until they end or are released, and skips the keys of an app holding none', async () => {
    const clock = new FakeClock();
    const { holds } = new MemoryStores({ clock });
    const board = new CircuitBoard({ holds, clock });
    const keysOf = (appId: string) => [
      `circuit:${appId}:quota:/cgi-bin/a`,
      `circuit:${appId}:quota:/cgi-bin/b`,
    ];
    const made: string[] = [];
    const keys = (appId: string) => () => {
      made.push(appId);
      return keysOf(appId);
    };

    await holds.hold('circuit:wxA:quota:/cgi-bin/b', 5_000);
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(5_000);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);
    made.length = 0;
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);
    expect(made).toEqual([]); // known, nothing held: no key list made

    board.record('circuit:wxB:quota:/cgi-bin/a', 2_000);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(2_000);
    board.record('circuit:wxB:quota:/cgi-bin/a', 0);
    expect(await board.heldForMs('wxB', keys('wxB'))).toBe(0);

    await clock.advance(4_000);
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(1_000);
    await clock.advance(1_000);
    made.length = 0;
    expect(await board.heldForMs('wxA', keys('wxA'))).toBe(0);
    expect(made).toEqual([]);
    board.close();
  });

  it('reads the holds of at most maxConcurrentReads apps at once, and answers every app', async () => {
    const clock = new FakeClock();
    const { holds } = new MemoryStores({ clock });
    await holds.hold('circuit:wx7:quota:/cgi-bin/a', 5_000);
    let reading = 0;
    let most = 0;
    const counted = {
      watch: holds.watch.bind(holds),
      follows: () => true,
      heldForMsMany: async (keys: readonly string[]) => {
        reading += 1;
        most = Math.max(most, reading);
        // A store answer takes a turn of the event loop, as Redis's does.
        await new Promise((resolve) => setImmediate(resolve));
        reading -= 1;
        return holds.heldForMsMany(keys);
      },
    };
    const board = new CircuitBoard({ holds: counted, clock, maxConcurrentReads: 3 });
    const apps = Array.from({ length: 10 }, (_, i) => `wx${i}`);
    const held = await Promise.all(
      apps.map((appId) => board.heldForMs(appId, () => [`circuit:${appId}:quota:/cgi-bin/a`])),
    );
    expect(most).toBe(3);
    expect(held).toEqual(apps.map((appId) => (appId === 'wx7' ? 5_000 : 0)));
    board.close();
  });

  it('reads the holds of every app asked together in one store read, and each app once', async () => {
    const clock = new FakeClock();
    const { holds } = new MemoryStores({ clock });
    await holds.hold('circuit:wx3:quota:/cgi-bin/a', 5_000);
    const reads: (readonly string[])[] = [];
    const counted = {
      watch: holds.watch.bind(holds),
      follows: () => true,
      heldForMsMany: (keys: readonly string[]) => {
        reads.push(keys);
        return holds.heldForMsMany(keys);
      },
    };
    const board = new CircuitBoard({ holds: counted, clock });
    const question = (appId: string) => ({ appId, keys: () => [`circuit:${appId}:quota:/cgi-bin/a`] });
    const apps = Array.from({ length: 100 }, (_, i) => `wx${i}`);
    const [first, again] = await Promise.all([
      board.heldForMsMany(apps.map(question)),
      board.heldForMsMany(apps.slice(0, 10).map(question)),
    ]);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toHaveLength(100);
    expect(first).toEqual(apps.map((appId) => (appId === 'wx3' ? 5_000 : 0)));
    expect(again).toEqual(first?.slice(0, 10));
    expect(await board.heldForMsMany(apps.map(question))).toEqual(first);
    expect(reads).toHaveLength(1);
    board.close();
  });
});
