import { describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/redact.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import type { StoreEvent } from '../../src/token/store.js';
import { FakeClock } from './fake-clock.js';

const APP = 'wx0000000000000001';

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const events: StoreEvent[] = [];
  store.subscribe((event) => events.push(event));
  const token = (accessToken: string, lifetimeMs = 7_200_000) => ({
    accessToken,
    obtainedAt: clock.now(),
    expiresAt: clock.now() + lifetimeMs,
  });
  return { clock, store, events, token };
}

describe('MemoryStore', () => {
  it('returns a stored token until its expiry, then nothing', async () => {
    const { clock, store, token } = setup();
    const stored = token('tok-1', 10_000);
    await store.set(APP, stored, 'cold');
    expect(await store.get(APP)).toEqual(stored);
    clock.advance(9_999);
    expect(await store.get(APP)).toEqual(stored);
    clock.advance(1);
    expect(await store.get(APP)).toBeUndefined();
  });

  it('notifies subscribers of updates with a fingerprint, never the token', async () => {
    const { store, events, token } = setup();
    const stored = token('tok-secret-value');
    await store.set(APP, stored, 'forced');
    expect(events).toEqual([
      {
        type: 'updated',
        appId: APP,
        fingerprint: tokenFingerprint('tok-secret-value'),
        expiresAt: stored.expiresAt,
        reason: 'forced',
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('tok-secret-value');
  });

  it('deletes only the token that failed (deleteIfSame) and says whether it did', async () => {
    const { store, events, token } = setup();
    await store.set(APP, token('tok-new'), 'cold');
    expect(await store.deleteIfSame(APP, 'tok-old')).toBe(false);
    expect((await store.get(APP))?.accessToken).toBe('tok-new');
    expect(await store.deleteIfSame(APP, 'tok-new')).toBe(true);
    expect(await store.get(APP)).toBeUndefined();
    expect(events.at(-1)).toEqual({
      type: 'invalidated',
      appId: APP,
      fingerprint: tokenFingerprint('tok-new'),
    });
  });

  it('gives the lock to one owner until it is released or its ttl passes', async () => {
    const { clock, store } = setup();
    const owner = await store.acquireLock(APP, 5_000);
    expect(owner?.owner).toBeTypeOf('string');
    expect(await store.acquireLock(APP, 5_000)).toBeUndefined();
    await store.releaseLock(APP, 'someone-else');
    expect(await store.acquireLock(APP, 5_000)).toBeUndefined();
    await store.releaseLock(APP, owner?.owner ?? '');
    const second = await store.acquireLock(APP, 5_000);
    expect(second?.owner).toBeTypeOf('string');
    expect(second?.owner).not.toBe(owner?.owner);
    clock.advance(5_000);
    const third = await store.acquireLock(APP, 5_000);
    expect(third?.owner).toBeTypeOf('string');
    // The expired owner can no longer release the new holder's lock.
    await store.releaseLock(APP, second?.owner ?? '');
    expect(await store.acquireLock(APP, 5_000)).toBeUndefined();
  });

  it('renews a lease only for its holder, and fences the writes of a holder that lost it', async () => {
    const { clock, store, token } = setup();
    const first = await store.acquireLock(APP, 3_000);
    if (!first) throw new Error('no lease');
    clock.advance(2_000);
    expect(await store.renewLock(APP, first.owner, 3_000)).toBe(true);
    clock.advance(2_000);
    expect(await store.acquireLock(APP, 3_000)).toBeUndefined(); // renewed: still held at 4 s
    clock.advance(1_000); // past the renewed lease: the holder paused and lost it
    const second = await store.acquireLock(APP, 3_000);
    if (!second) throw new Error('no second lease');
    expect(second.fence).toBeGreaterThan(first.fence);
    expect(await store.renewLock(APP, first.owner, 3_000)).toBe(false);
    const stale = token('tok-stale', 60_000);
    const newer = token('tok-newer', 60_000);
    // The late holder writes before and after the new one: refused both times.
    expect(await store.set(APP, { ...stale, fence: first.fence }, 'margin')).toBe(false);
    expect(await store.set(APP, { ...newer, fence: second.fence }, 'margin')).toBe(true);
    expect(await store.set(APP, { ...stale, fence: first.fence }, 'margin')).toBe(false);
    expect((await store.get(APP))?.accessToken).toBe('tok-newer');
  });

  it('keeps locks of different apps apart', async () => {
    const { store } = setup();
    expect((await store.acquireLock(APP, 5_000))?.owner).toBeTypeOf('string');
    expect((await store.acquireLock('wx0000000000000002', 5_000))?.owner).toBeTypeOf('string');
  });

  it('claims a key once per ttl and reports the time left', async () => {
    const { clock, store } = setup();
    expect(await store.claim('cooldown:x', 60_000)).toEqual({ ok: true });
    clock.advance(15_000);
    expect(await store.claim('cooldown:x', 60_000)).toEqual({ ok: false, remainingMs: 45_000 });
    clock.advance(45_000);
    expect(await store.claim('cooldown:x', 60_000)).toEqual({ ok: true });
  });

  it('holds a key whatever its state and reports how long it stays held', async () => {
    const { clock, store } = setup();
    expect(await store.heldForMs('circuit')).toBe(0);
    await store.hold('circuit', 10_000);
    clock.advance(4_000);
    expect(await store.heldForMs('circuit')).toBe(6_000);
    await store.hold('circuit', 1_000);
    expect(await store.heldForMs('circuit')).toBe(1_000);
    clock.advance(1_000);
    expect(await store.heldForMs('circuit')).toBe(0);
  });

  it('stops notifying after unsubscribe, and a throwing listener does not stop the others', async () => {
    const { store, events, token } = setup();
    const seen: StoreEvent[] = [];
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = store.subscribe((event) => seen.push(event));
    await store.set(APP, token('a'), 'cold');
    unsubscribe();
    await store.set(APP, token('b'), 'margin');
    expect(seen).toHaveLength(1);
    expect(events).toHaveLength(2);
  });

  it('reports itself healthy and never degraded', async () => {
    const { store } = setup();
    expect(store.kind).toBe('memory');
    expect(await store.health()).toEqual({ ok: true, degraded: false });
  });
});
