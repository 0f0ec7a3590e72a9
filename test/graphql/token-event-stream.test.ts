import { describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/credentials/types.js';
import { tokenEventStream } from '../../src/graphql/token-event-stream.js';

/** A TokenService stand-in that only does subscribe: the stream is what is under test. */
function eventSource() {
  const listeners = new Set<(event: TokenEvent) => void>();
  return {
    subscribe(listener: (event: TokenEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event: TokenEvent) => {
      for (const listener of listeners) listener(event);
    },
    listeners: () => listeners.size,
  };
}

const AT = new Date('2026-01-31T08:00:00.000Z');
const refreshed = (appId: string, fingerprint: string): TokenEvent => ({
  type: 'updated',
  kind: 'token',
  appId,
  fingerprint,
  expiresAt: AT.getTime() + 7_200_000,
  reason: 'forced',
});

describe('tokenEventStream', () => {
  it('yields the app’s events only, as views without any token, and unsubscribes on return()', async () => {
    const source = eventSource();
    const iterator = tokenEventStream(source, 'wxaaaaaaaaaaaaaaaa', { clock: { now: () => AT.getTime() } })[
      Symbol.asyncIterator
    ]();
    const first = iterator.next(); // Starts the stream, which subscribes.
    expect(source.listeners()).toBe(1);
    source.emit(refreshed('wxbbbbbbbbbbbbbbbb', 'other'));
    source.emit(refreshed('wxaaaaaaaaaaaaaaaa', 'f1'));
    source.emit({ type: 'invalidated', kind: 'token', appId: 'wxaaaaaaaaaaaaaaaa', fingerprint: 'f1' });
    source.emit({
      type: 'error',
      kind: 'token',
      appId: 'wxaaaaaaaaaaaaaaaa',
      code: 'WECHAT_BUSY',
      message: 'busy',
      background: true,
    });

    expect((await first).value).toEqual({
      appId: 'wxaaaaaaaaaaaaaaaa',
      type: 'REFRESHED',
      reason: 'forced',
      fingerprint: 'f1',
      expiresAt: new Date(AT.getTime() + 7_200_000),
      at: AT,
    });
    expect((await iterator.next()).value).toEqual({
      appId: 'wxaaaaaaaaaaaaaaaa',
      type: 'INVALIDATED',
      fingerprint: 'f1',
      at: AT,
    });
    expect((await iterator.next()).value).toEqual({
      appId: 'wxaaaaaaaaaaaaaaaa',
      type: 'ERROR',
      code: 'WECHAT_BUSY',
      message: 'busy',
      background: true,
      at: AT,
    });

    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(source.listeners()).toBe(0);
  });

  it('keeps the newest events for a slow reader, dropping the oldest beyond bufferSize', async () => {
    const source = eventSource();
    const iterator = tokenEventStream(source, 'wxaaaaaaaaaaaaaaaa', { bufferSize: 2 })[
      Symbol.asyncIterator
    ]();
    const first = iterator.next();
    for (const fingerprint of ['f1', 'f2', 'f3', 'f4'])
      source.emit(refreshed('wxaaaaaaaaaaaaaaaa', fingerprint));
    // f1 went straight to the waiting reader; of f2-f4 the buffer kept the last two.
    expect((await first).value?.fingerprint).toBe('f1');
    expect((await iterator.next()).value?.fingerprint).toBe('f3');
    expect((await iterator.next()).value?.fingerprint).toBe('f4');
    await iterator.return?.();
    expect(source.listeners()).toBe(0);
  });
});
