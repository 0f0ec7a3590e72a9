import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TokenEvent, TokenService, TokenStatus } from '../../src/credentials/types.js';
import { SwappableTokenService } from '../../src/lifecycle/swappable-token-service.js';
import { Listeners } from '../../src/listeners.js';
import type { StoredCredential } from '../../src/store/ports.js';

/** A stand-in manager for one app list: the service under test only routes to it. */
function fakeManager(appIds: string[]) {
  const listeners = new Set<(event: TokenEvent) => void>();
  const token: StoredCredential = { value: `token-of-${appIds.join('+')}`, expiresAt: 1, obtainedAt: 0 };
  const manager: TokenService & { emit(event: TokenEvent): void; listenerCount(): number } = {
    tickets: {
      get: async () => ({ value: 'ticket', expiresAt: 1, obtainedAt: 0 }),
      statuses: async () => [],
    },
    listApps: () => appIds.map((appId) => ({ appId, name: appId, tokenMode: 'stable' })),
    hasApp: (appId) => appIds.includes(appId),
    findApp: async (appId) =>
      appIds.includes(appId) ? { appId, name: appId, tokenMode: 'stable' } : undefined,
    defaultAppId: () => appIds[0],
    app: (appId) => (appIds.includes(appId) ? { appId, name: appId, tokenMode: 'stable' } : undefined),
    getToken: async () => token,
    status: async (appId) => ({ appId, name: appId, state: 'FRESH', degraded: false }) satisfies TokenStatus,
    statuses: async (ids) =>
      ids.map((appId) => ({ appId, name: appId, state: 'FRESH', degraded: false }) satisfies TokenStatus),
    refresh: async () => token,
    invalidateIfSame: async () => true,
    reportRejected: async () => token,
    call: async (_appId, _endpoint, fn) => fn(token.value),
    clearQuotaCircuits: async () => [],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event) => {
      for (const listener of listeners) listener(event);
    },
    listenerCount: () => listeners.size,
  };
  return manager;
}

describe('SwappableTokenService', () => {
  it('routes every call to the current manager, and to the new one after a swap', async () => {
    const first = fakeManager(['wxa']);
    const second = fakeManager(['wxb', 'wxc']);
    const service = new SwappableTokenService(first);
    expect(service.hasApp('wxa')).toBe(true);
    expect((await service.getToken('wxa')).value).toBe('token-of-wxa');

    expect(service.swap(second)).toBe(first);
    expect(service.current).toBe(second);
    expect(service.listApps().map((app) => app.appId)).toEqual(['wxb', 'wxc']);
    expect(service.hasApp('wxa')).toBe(false);
    expect(await service.call('wxb', '/x', async (token) => token)).toBe('token-of-wxb+wxc');
    expect((await service.refresh('wxb', { force: false })).value).toBe('token-of-wxb+wxc');
  });

  it('keeps subscribers across swaps and stops listening to the replaced manager', () => {
    const first = fakeManager(['wxa']);
    const second = fakeManager(['wxb']);
    const service = new SwappableTokenService(first);
    const seen: string[] = [];
    const unsubscribe = service.subscribe((event) => seen.push(event.appId));
    first.emit({ type: 'invalidated', kind: 'token', appId: 'wxa', fingerprint: 'f' });
    service.swap(second);
    first.emit({ type: 'invalidated', kind: 'token', appId: 'stale', fingerprint: 'f' });
    second.emit({ type: 'invalidated', kind: 'token', appId: 'wxb', fingerprint: 'f' });
    expect(seen).toEqual(['wxa', 'wxb']);
    expect(first.listenerCount()).toBe(0);
    unsubscribe();
    second.emit({ type: 'invalidated', kind: 'token', appId: 'wxb', fingerprint: 'f' });
    expect(seen).toEqual(['wxa', 'wxb']);
  });
});

describe('a subscriber that throws', () => {
  it('does not keep the event from the subscribers after it, and is logged without the event', () => {
    const manager = fakeManager(['wxa']);
    const lines: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const service = new SwappableTokenService(manager, logger);
    const seen: string[] = [];
    service.subscribe(() => {
      throw new Error('metrics exporter broke');
    });
    service.subscribe((event) => seen.push(event.appId));
    manager.emit({ type: 'invalidated', kind: 'token', appId: 'wxa', fingerprint: 'f' });
    manager.emit({ type: 'invalidated', kind: 'token', appId: 'wxa', fingerprint: 'g' });
    expect(seen).toEqual(['wxa', 'wxa']);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, err: 'metrics exporter broke' });
  });
});

describe('Listeners', () => {
  it('calls every listener in order, isolates one that throws, and forgets an unsubscribed one', () => {
    const lines: Array<{ err: string; msg: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const listeners = new Listeners<number>(logger, 'number');
    const seen: string[] = [];
    const offA = listeners.add((n) => seen.push(`a${n}`));
    listeners.add(() => {
      throw new Error('b broke');
    });
    listeners.add((n) => seen.push(`c${n}`));
    listeners.emit(1);
    offA();
    listeners.emit(2);
    expect(seen).toEqual(['a1', 'c1', 'c2']);
    expect(lines.map((line) => [line.msg, line.err])).toEqual([
      ['a number listener threw', 'b broke'],
      ['a number listener threw', 'b broke'],
    ]);
    expect(listeners.size).toBe(2);
  });
});
