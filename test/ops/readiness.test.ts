import { describe, expect, it } from 'vitest';
import type { TokenStatus } from '../../src/credentials/types.js';
import {
  type AppReadiness,
  CONFIG_ERROR_CODES,
  decideReadiness,
  summarizeApps,
} from '../../src/lifecycle/readiness.js';

const store = { kind: 'redis', ok: true, degraded: false };
const status = (appId: string, patch: Partial<TokenStatus>): TokenStatus => ({
  appId,
  name: appId,
  state: 'FRESH',
  degraded: false,
  ...patch,
});
const error = (code: string) => ({ code, message: 'x', at: new Date() });

describe('decideReadiness', () => {
  it('is ready when the store is up and every app has a usable token', () => {
    const result = decideReadiness(store, [status('a', {}), status('b', { state: 'EXPIRING' })]);
    expect(result.ready).toBe(true);
    expect(result.apps.map((app) => app.reason)).toEqual(['token', 'token']);
  });

  it('is not ready while the store is degraded or down, whatever the apps, and says which in one word', () => {
    const degraded = decideReadiness({ ...store, degraded: true, detail: 'Redis is connecting' }, [
      status('a', {}),
    ]);
    expect(degraded.ready).toBe(false);
    expect(degraded.store).toEqual({ kind: 'redis', status: 'degraded', detail: 'Redis is connecting' });
    const down = decideReadiness({ ...store, ok: false, degraded: true }, [status('a', {})]);
    expect(down.ready).toBe(false);
    expect(down.store).toEqual({ kind: 'redis', status: 'down' });
    expect(decideReadiness(store, [status('a', {})]).store).toEqual({ kind: 'redis', status: 'ok' });
  });

  it('is not ready without apps', () => {
    expect(decideReadiness(store, []).ready).toBe(false);
  });

  it('waits for an app with no token yet or a transient failure, and names it', () => {
    const result = decideReadiness(store, [
      status('a', {}),
      status('b', { state: 'MISSING' }),
      status('c', { state: 'EXPIRED', lastError: error('UPSTREAM_UNAVAILABLE') }),
    ]);
    expect(result.ready).toBe(false);
    expect(result.apps.filter((app) => !app.ready)).toEqual([
      { appId: 'b', name: 'b', state: 'MISSING', ready: false, reason: 'no_token' },
      {
        appId: 'c',
        name: 'c',
        state: 'EXPIRED',
        ready: false,
        reason: 'no_token',
        error: 'UPSTREAM_UNAVAILABLE',
      },
    ]);
  });

  it('does not hold readiness back for an app with a configuration error, but reports it', () => {
    const result = decideReadiness(store, [
      status('a', {}),
      status('b', { state: 'MISSING', lastError: error('WECHAT_INVALID_SECRET') }),
    ]);
    expect(result.ready).toBe(true);
    expect(result.apps[1]).toMatchObject({
      ready: true,
      reason: 'config_error',
      error: 'WECHAT_INVALID_SECRET',
    });
  });

  it('counts exactly the non-retryable catalog codes as configuration errors', () => {
    for (const code of [
      'WECHAT_INVALID_APPID',
      'WECHAT_INVALID_SECRET',
      'WECHAT_IP_NOT_WHITELISTED',
      'WECHAT_SECRET_FROZEN',
      'WECHAT_INVALID_CREDENTIAL',
    ]) {
      expect(CONFIG_ERROR_CODES).toContain(code);
    }
    for (const code of [
      'WECHAT_BUSY',
      'WECHAT_QUOTA_EXCEEDED',
      'UPSTREAM_UNAVAILABLE',
      'STORE_UNAVAILABLE',
    ]) {
      expect(CONFIG_ERROR_CODES).not.toContain(code);
    }
  });
});

describe('summarizeApps (/ready’s apps)', () => {
  const app = (
    appId: string,
    reason: AppReadiness['reason'],
    state: AppReadiness['state'],
  ): AppReadiness => ({
    appId,
    name: appId,
    state,
    ready: reason !== 'no_token',
    reason,
    ...(reason === 'config_error' && { error: 'WECHAT_INVALID_SECRET' }),
  });
  const cases: {
    name: string;
    apps: AppReadiness[];
    listed: number;
    expect: { ready: number; attention: string[]; notListed: number };
  }[] = [
    { name: 'none', apps: [], listed: 2, expect: { ready: 0, attention: [], notListed: 0 } },
    {
      name: 'every app with a token: none named',
      apps: [app('a', 'token', 'FRESH'), app('b', 'token', 'EXPIRING')],
      listed: 2,
      expect: { ready: 2, attention: [], notListed: 0 },
    },
    {
      name: 'waiting and misconfigured apps named in order, up to the bound',
      apps: [
        app('a', 'no_token', 'MISSING'),
        app('b', 'token', 'FRESH'),
        app('c', 'config_error', 'MISSING'),
        app('d', 'no_token', 'EXPIRED'),
      ],
      listed: 2,
      expect: { ready: 2, attention: ['a', 'c'], notListed: 1 },
    },
  ];
  it.each(cases)('$name', ({ apps, listed, expect: expected }) => {
    const summary = summarizeApps(apps, (appId) => (appId === 'b' ? 'wecom' : 'officialAccount'), listed);
    expect(summary.total).toBe(apps.length);
    expect(summary.ready).toBe(expected.ready);
    expect(summary.attention.map((a) => a.appId)).toEqual(expected.attention);
    expect(summary.attentionNotListed).toBe(expected.notListed);
    expect(Object.values(summary.byState).reduce((x, y) => x + y, 0)).toBe(apps.length);
    expect(Object.values(summary.byReason).reduce((x, y) => x + y, 0)).toBe(apps.length);
    expect(Object.values(summary.byKind).reduce((x, y) => x + y, 0)).toBe(apps.length);
  });

  it('counts by state, reason and kind', () => {
    const summary = summarizeApps(
      [app('a', 'token', 'FRESH'), app('b', 'token', 'EXPIRING'), app('c', 'no_token', 'MISSING')],
      (appId) => (appId === 'b' ? 'wecom' : 'officialAccount'),
    );
    expect(summary.byState).toEqual({ FRESH: 1, EXPIRING: 1, EXPIRED: 0, MISSING: 1 });
    expect(summary.byReason).toEqual({ token: 2, config_error: 0, no_token: 1 });
    expect(summary.byKind).toEqual({ officialAccount: 2, wecom: 1 });
  });
});
