import { describe, expect, it } from 'vitest';
import { SwappableTokenService } from '../../src/lifecycle/swappable-token-service.js';
import type { StoredToken } from '../../src/token/store.js';
import type { TokenEvent, TokenService, TokenStatus } from '../../src/token/types.js';

/** A stand-in manager for one app list: the service under test only routes to it. */
function fakeManager(appIds: string[]) {
  const listeners = new Set<(event: TokenEvent) => void>();
  const token: StoredToken = { accessToken: `token-of-${appIds.join('+')}`, expiresAt: 1, obtainedAt: 0 };
  const manager: TokenService & { emit(event: TokenEvent): void; listenerCount(): number } = {
    listApps: () => appIds.map((appId) => ({ appId, name: appId, tokenMode: 'stable' })),
    hasApp: (appId) => appIds.includes(appId),
    getToken: async () => token,
    status: async (appId) => ({ appId, name: appId, state: 'FRESH', degraded: false }) satisfies TokenStatus,
    refresh: async () => token,
    invalidateIfSame: async () => true,
    call: async (_appId, _endpoint, fn) => fn(token.accessToken),
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
    expect((await service.getToken('wxa')).accessToken).toBe('token-of-wxa');

    expect(service.swap(second)).toBe(first);
    expect(service.current).toBe(second);
    expect(service.listApps().map((app) => app.appId)).toEqual(['wxb', 'wxc']);
    expect(service.hasApp('wxa')).toBe(false);
    expect(await service.call('wxb', '/x', async (token) => token)).toBe('token-of-wxb+wxc');
    expect((await service.refresh('wxb', { force: false })).accessToken).toBe('token-of-wxb+wxc');
  });

  it('keeps subscribers across swaps and stops listening to the replaced manager', () => {
    const first = fakeManager(['wxa']);
    const second = fakeManager(['wxb']);
    const service = new SwappableTokenService(first);
    const seen: string[] = [];
    const unsubscribe = service.subscribe((event) => seen.push(event.appId));
    first.emit({ type: 'invalidated', appId: 'wxa', fingerprint: 'f' });
    service.swap(second);
    first.emit({ type: 'invalidated', appId: 'stale', fingerprint: 'f' });
    second.emit({ type: 'invalidated', appId: 'wxb', fingerprint: 'f' });
    expect(seen).toEqual(['wxa', 'wxb']);
    expect(first.listenerCount()).toBe(0);
    unsubscribe();
    second.emit({ type: 'invalidated', appId: 'wxb', fingerprint: 'f' });
    expect(seen).toEqual(['wxa', 'wxb']);
  });
});
