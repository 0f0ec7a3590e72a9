import { describe, expect, it } from 'vitest';
import { OPEN_CALLER } from '../../src/auth/resolve-caller.js';
import type { AppSummary } from '../../src/credentials/types.js';
import { AuthorizerUnauthorizedError, type GatewayError } from '../../src/errors.js';
import { resolveAppId } from '../../src/graphql/app-id.js';

const A = 'wx0123456789abcdef';
const B = 'wxfedcba9876543210';

const COMPONENT = 'wxc0c0c0c0c0c0c0c0';
const OTHER_COMPONENT = 'wxc1c1c1c1c1c1c1c1';
const MERCHANT = 'wxa1a1a1a1a1a1a1a1';
const REVOKED = 'wxa2a2a2a2a2a2a2a2';

/** Configured apps `ids`; MERCHANT an authorizer of COMPONENT, REVOKED one that revoked it. */
function apps(...ids: string[]) {
  const list: AppSummary[] = ids.map((appId) => ({ appId, name: appId, tokenMode: 'stable' }));
  return {
    listApps: () => list,
    hasApp: (appId: string) => ids.includes(appId),
    findApp: async (appId: string): Promise<AppSummary | undefined> => {
      if (ids.includes(appId)) return list.find((app) => app.appId === appId);
      if (appId === REVOKED) throw new AuthorizerUnauthorizedError(appId);
      return appId === MERCHANT
        ? { appId, name: appId, tokenMode: 'classic', componentAppId: COMPONENT }
        : undefined;
    },
    defaultAppId: () => (ids.length === 1 ? ids[0] : undefined),
  };
}

async function rejection(run: () => unknown): Promise<GatewayError> {
  try {
    await run();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a failure');
}

function failure(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('resolveAppId', () => {
  it('defaults to the only configured app', () => {
    expect(resolveAppId(undefined, apps(A), OPEN_CALLER)).toBe(A);
    expect(resolveAppId(null, apps(A), OPEN_CALLER)).toBe(A);
  });

  it('requires appId when several apps are configured', () => {
    const error = failure(() => resolveAppId(undefined, apps(A, B), OPEN_CALLER));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('2 apps');
  });

  it('defaults to the configured default app when several are configured', () => {
    expect(resolveAppId(undefined, { ...apps(A, B), defaultAppId: () => B }, OPEN_CALLER)).toBe(B);
  });

  it('answers UNKNOWN_APP for a well-formed appId that is neither configured nor an authorizer', async () => {
    expect((await rejection(() => resolveAppId('wx0000000000000000', apps(A), OPEN_CALLER))).code).toBe(
      'UNKNOWN_APP',
    );
  });

  it('resolves an Open Platform authorizer, and names a revoked one', async () => {
    expect(await resolveAppId(MERCHANT, apps(A), OPEN_CALLER)).toBe(MERCHANT);
    expect((await rejection(() => resolveAppId(REVOKED, apps(A), OPEN_CALLER))).code).toBe(
      'AUTHORIZER_UNAUTHORIZED',
    );
  });

  it('answers a configured app at once, without reading the authorizers', () => {
    expect(
      resolveAppId(A, { ...apps(A), findApp: () => Promise.reject(new Error('read')) }, OPEN_CALLER),
    ).toBe(A);
  });

  it.each([
    ['its component', { componentAppIds: new Set([COMPONENT]) }, MERCHANT, 'ok'],
    ['another component', { componentAppIds: new Set([OTHER_COMPONENT]) }, MERCHANT, 'FORBIDDEN'],
    ['a configured app only', { appIds: new Set([A]) }, MERCHANT, 'FORBIDDEN'],
    ['the authorizer by appId', { appIds: new Set([MERCHANT]) }, MERCHANT, 'ok'],
    ['a component, asking a configured app', { componentAppIds: new Set([COMPONENT]) }, A, 'FORBIDDEN'],
  ] as const)('a key limited to %s', async (_label, limits, appId, expected) => {
    const caller = { scopes: OPEN_CALLER.scopes, ...limits };
    if (expected === 'ok') expect(await resolveAppId(appId, apps(A), caller)).toBe(appId);
    else expect((await rejection(() => resolveAppId(appId, apps(A), caller))).code).toBe(expected);
  });

  it.each([
    ['too long', `wx${'a'.repeat(100_000)}`],
    ['upper case', 'WX0123456789ABCDEF'],
    ['wrong prefix', 'ab0123456789abcdef'],
    ['empty', ''],
    ['injection', 'wx0123456789abcde"'],
  ])('refuses a malformed appId (%s) as BAD_USER_INPUT without echoing a long one', (_label, appId) => {
    const error = failure(() => resolveAppId(appId, apps(A), OPEN_CALLER));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message.length).toBeLessThan(200);
  });

  it('refuses an app outside the caller’s allowed apps', () => {
    const caller = { scopes: OPEN_CALLER.scopes, appIds: new Set([B]) };
    expect(failure(() => resolveAppId(A, apps(A, B), caller)).code).toBe('FORBIDDEN');
    expect(resolveAppId(B, apps(A, B), caller)).toBe(B);
  });

  it('does not depend on scopes: an anonymous caller still resolves apps', () => {
    expect(resolveAppId(A, apps(A), { scopes: new Set() })).toBe(A);
  });
});
