import { getOperationAST, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CallbackIpCheckDocument,
  CardSignatureDocument,
  JsSdkConfigDocument,
  NetworkCheckDocument,
} from '../graphql/support/page-operations.js';
import {
  FAST_PHASES,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * Scopes of the page-facing fields on the production gateway: signing needs `jssdk:sign` and a
 * signing key reads no token; the callback checks need `wechat:read`.
 * KEYS.signer holds jssdk:sign only, KEYS.reader token:read + wechat:read, KEYS.statusOnly wechat:admin.
 *
 * `ask` sends every query twice: Yoga runs a document first, the compiled phase (or the answer cache)
 * from then on, and both answers are the same (`postTwice`). Yoga answers the mutation.
 */
describe('production gateway: scopes of jsSdkConfig, cardSignature, networkCheck, callbackIpCheck', () => {
  let gw: ProductionGateway;
  const ran = new Set<string>();
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
  });
  afterAll(() => gw.close());

  /** `once`: a query that calls WeChat each time it is allowed, sent once (the test counts the calls). */
  const ask = async (query: string, variables: Record<string, unknown>, key: string, once = false) => {
    if (once || getOperationAST(parse(query))?.operation !== 'query') {
      const answer = await gw.post({ query, variables }, { key });
      expect(answer.phase).toBe(ran.has(query) ? 'compiled' : 'yoga');
      return answer;
    }
    // Each signature has its own nonce and timestamp.
    const { first, repeated } = await gw.postTwice({ query, variables }, { key, freshData: true });
    expect(first.phase).toEqual(ran.has(query) ? expect.toBeOneOf([...FAST_PHASES]) : 'yoga');
    expect(repeated.phase).toBeOneOf([...FAST_PHASES]);
    ran.add(query);
    return first;
  };
  const page = { url: 'https://shop.example.com/' };

  it('a key without jssdk:sign gets FORBIDDEN naming the scope, and no ticket is fetched', async () => {
    for (const [document, variables] of [
      [JsSdkConfigDocument, page],
      [CardSignatureDocument, {}],
    ] as const) {
      const answer = await ask(print(document), variables, KEYS.reader);
      expect(answer.json.data).toBeNull();
      expect(answer.json.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'FORBIDDEN', retryable: false } }),
      ]);
      expect(answer.json.errors[0].message).toContain('jssdk:sign');
    }
    expect((await gw.sandbox.counters())['/cgi-bin/ticket/getticket']).toBe(0);
  });

  it('a jssdk:sign key signs, but cannot read the token nor call WeChat', async () => {
    const signed = await ask(print(JsSdkConfigDocument), page, KEYS.signer);
    expect(signed.json.errors).toBeUndefined();
    expect(signed.json.data.jsSdkConfig.signature).toMatch(/^[0-9a-f]{40}$/);

    const token = await ask('{ tokenStatus { state accessToken } }', {}, KEYS.signer);
    expect(token.json.data.tokenStatus).toEqual({ state: 'FRESH', accessToken: null });
    expect(token.json.errors[0]).toMatchObject({
      path: ['tokenStatus', 'accessToken'],
      extensions: { code: 'FORBIDDEN' },
    });

    for (const [document, variables] of [
      [NetworkCheckDocument, { action: 'ALL', operator: 'DEFAULT' }],
      [CallbackIpCheckDocument, { ip: '101.226.62.77' }],
    ] as const) {
      const answer = await ask(print(document), variables, KEYS.signer);
      expect(answer.json.data).toBeNull();
      expect(answer.json.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(answer.json.errors[0].message).toContain('wechat:read');
    }
    const refresh = await ask('mutation { refreshToken { state } }', {}, KEYS.signer);
    expect(refresh.json.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('networkCheck and callbackIpCheck need wechat:read: FORBIDDEN for wechat:admin alone', async () => {
    for (const [document, variables] of [
      [NetworkCheckDocument, { action: 'DNS', operator: 'UNICOM' }],
      [CallbackIpCheckDocument, { ip: '101.226.62.77' }],
    ] as const) {
      const denied = await ask(print(document), variables, KEYS.statusOnly);
      expect(denied.json.errors[0].extensions.code).toBe('FORBIDDEN');
      const allowed = await ask(print(document), variables, KEYS.reader, true);
      expect(allowed.json.errors).toBeUndefined();
    }
    const counters = await gw.sandbox.counters();
    expect(counters['/cgi-bin/callback/check']).toBe(1);
  });
});
