import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { CredentialEngine } from '../../src/credentials/engine.js';
import {
  type CredentialKind,
  type CredentialLifetime,
  catalogVerdict,
  earlyWindowMsOf,
  obtainableWithoutLease,
  ROTATION_OVERLAP_MS,
  UNTIL_ITS_EXPIRY,
} from '../../src/credentials/kind.js';
import { accessTokenKind } from '../../src/credentials/kinds/access-token.js';
import { authorizerKind } from '../../src/credentials/kinds/authorizer-token.js';
import { componentTokenKind } from '../../src/credentials/kinds/component-token.js';
import { jsSdkTicketKind } from '../../src/credentials/kinds/js-sdk-ticket.js';
import { wecomTicketKind, wecomTokenKind } from '../../src/credentials/kinds/wecom.js';
import { engineSettings, resolveTokenManagerOptions } from '../../src/credentials/options.js';
import { silentLogger } from '../../src/logger.js';
import { Redactor } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { NEVER_EXPIRES } from '../../src/store/ports.js';
import type { Platform } from '../../src/wechat/errcode-catalog.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { FakeClock } from './fake-clock.js';

const WINDOW_MS = 300_000;
const app = (tokenMode: 'stable' | 'classic'): AppConfig => ({
  appId: 'wx0123456789abcdef',
  appSecret: '0123456789abcdef0123456789abcdef',
  name: 'App',
  tokenMode,
});
const unused = () => {
  throw new Error('not called');
};
const token = (tokenMode: 'stable' | 'classic') =>
  accessTokenKind({ app: () => app(tokenMode), api: { fetchToken: unused }, stableEarlyWindowMs: WINDOW_MS });
const wecom = { app: () => app('classic'), api: {} };

/** Every kind the gateway runs, by what its lifetime descriptor says. */
const KINDS: [string, CredentialKind, CredentialLifetime][] = [
  [
    'a stable access token',
    token('stable'),
    { expires: { earlyWindowMs: WINDOW_MS, previousValidForMs: UNTIL_ITS_EXPIRY } },
  ],
  [
    'a classic access token',
    token('classic'),
    { expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } },
  ],
  [
    'a JS-SDK ticket',
    jsSdkTicketKind('jsapi', { getTicket: unused }),
    { expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } },
  ],
  [
    'a component token',
    componentTokenKind({
      secretOf: unused,
      tickets: { latest: unused },
      api: { componentToken: unused },
      restartPush: unused,
    }),
    { expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } },
  ],
  [
    'an authorizer token',
    authorizerKind('wxcomponent000001', { obtainToken: unused }),
    { expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } },
  ],
  [
    'a WeCom token',
    wecomTokenKind(wecom),
    { expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } },
  ],
  [
    'a WeCom agent ticket',
    wecomTicketKind('agent_config', wecom),
    { expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } },
  ],
];

describe('a credential kind’s lifetime, as its descriptor states it', () => {
  it.each(KINDS)('%s', (_, kind, lifetime) => {
    expect(kind.lifetime('wx0123456789abcdef')).toEqual(lifetime);
  });

  // What the engine reads from a lifetime: the early window its schedule honours, and whether a value
  // may be obtained without the lease while the shared store is down.
  it.each([
    [{ expires: { earlyWindowMs: WINDOW_MS, previousValidForMs: UNTIL_ITS_EXPIRY } }, WINDOW_MS, true],
    [{ expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } }, undefined, true],
    [{ expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } }, undefined, false],
    [{ expires: { earlyWindowMs: 0, previousValidForMs: 0 } }, undefined, false],
    [{ none: true }, undefined, true],
  ] as [CredentialLifetime, number | undefined, boolean][])(
    '%j: early window %s, obtainable without the lease %s',
    (lifetime, window, withoutLease) => {
      expect(earlyWindowMsOf(lifetime)).toBe(window);
      expect(obtainableWithoutLease(lifetime)).toBe(withoutLease);
    },
  );
});

describe('a kind’s verdict on an error, from the errcode catalog of the platform that answered', () => {
  const error = (errcode: number, kind: 'token' | 'api', platform: Platform) =>
    new WeChatError({ errcode, errmsg: 'x', endpoint: '/cgi-bin/x', kind, platform });
  it.each([
    // The same 40001: a stale token on an Official Account's API, a wrong secret on its token endpoint and on WeCom.
    [40001, 'api', 'officialAccount', 'rejected', 'neither'],
    [40001, 'token', 'officialAccount', 'configuration-wrong', 'configuration-wrong'],
    [40001, 'api', 'wecom', 'configuration-wrong', 'configuration-wrong'],
    [42001, 'api', 'officialAccount', 'rejected', 'neither'],
    [42001, 'api', 'wecom', 'rejected', 'neither'],
    [40164, 'token', 'officialAccount', 'configuration-wrong', 'configuration-wrong'],
    [45009, 'api', 'officialAccount', 'neither', 'neither'],
    [-1, 'api', 'officialAccount', 'neither', 'neither'],
  ] as const)(
    'errcode %i on a %s endpoint of %s: %s for a token, %s for a ticket',
    (errcode, endpointKind, platform, forToken, forTicket) => {
      const failure = error(errcode, endpointKind, platform);
      expect(catalogVerdict(failure, true)).toBe(forToken);
      expect(catalogVerdict(failure, false)).toBe(forTicket);
      expect(token('stable').verdict(failure)).toBe(forToken);
      expect(jsSdkTicketKind('jsapi', { getTicket: unused }).verdict(failure)).toBe(forTicket);
    },
  );
});

describe('a kind that never expires, on the engine', () => {
  it('is stored without an expiry and served from the store, never renewed, however long it is kept', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const forever: CredentialKind = {
      name: 'refresh-token',
      noun: 'refresh token',
      secret: true,
      forceable: false,
      renewal: 'eager',
      endpoints: () => ['/cgi-bin/refresh'],
      async obtain() {
        calls++;
        return { value: `refresh-${calls}`, expiresInSeconds: 60 };
      },
      lifetime: () => ({ none: true }),
      verdict: (failure) => catalogVerdict(failure, true),
    };
    const stores = new MemoryStores({ clock });
    const engine = new CredentialEngine({
      stores,
      kinds: [forever],
      settings: engineSettings(
        resolveTokenManagerOptions({ apps: [], stores, api: { fetchToken: unused, getTicket: unused } }),
      ),
      clock,
      random: () => 0.5,
      logger: silentLogger,
      redactor: new Redactor(),
    });
    const key = { appId: 'wxcomponent000001', kind: 'refresh-token' };
    const first = await engine.get(key);
    expect(first.expiresAt).toBe(NEVER_EXPIRES);
    await clock.advance(365 * 24 * 3_600_000);
    expect(await engine.get(key)).toEqual(first);
    expect(calls).toBe(1);
    await stores.close();
  });
});
