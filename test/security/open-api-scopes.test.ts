import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiDomainIpsDocument,
  ApiQuotaDocument,
  ClearQuotaDocument,
  RequestLookupDocument,
} from '../graphql/support/operations.js';
import {
  FAST_PHASES,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * The scopes of the OpenAPI management fields, against the production gateway (API keys required):
 * reading WeChat data needs `wechat:read`; clearing quotas and looking up requests need `wechat:admin`.
 * KEYS.reader holds token:read + wechat:read, KEYS.wechat wechat:read, KEYS.statusOnly wechat:admin.
 *
 * `ask` sends every query a key was presented for twice: Yoga runs a document first, the compiled phase
 * (or the answer cache) from then on, and both answers are the same (`postTwice`). Yoga answers the
 * mutations; admission refuses the keyless call before any phase runs.
 */
describe('production gateway: scopes of the OpenAPI management fields', () => {
  let gw: ProductionGateway;
  const ran = new Set<string>();
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
  });
  afterAll(() => gw.close());

  async function ask<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    key?: string,
  ) {
    const query = print(document);
    if (!key) {
      const refused = await gw.post({ query, variables });
      expect(refused.phase).toBe('none');
      return refused;
    }
    if (getOperationAST(document)?.operation !== 'query') {
      const answer = await gw.post({ query, variables }, { key });
      expect(answer.phase).toBe('yoga');
      return answer;
    }
    const { first, repeated } = await gw.postTwice({ query, variables }, { key });
    expect(first.phase).toEqual(ran.has(query) ? expect.toBeOneOf([...FAST_PHASES]) : 'yoga');
    expect(repeated.phase).toBeOneOf([...FAST_PHASES]);
    ran.add(query);
    return first;
  }

  it('apiDomainIps and apiQuota need wechat:read: FORBIDDEN for a wechat:admin-only key', async () => {
    const answers = [
      await ask(ApiDomainIpsDocument, {}, KEYS.statusOnly),
      await ask(ApiQuotaDocument, { cgiPath: '/cgi-bin/stable_token' }, KEYS.statusOnly),
    ];
    for (const answer of answers) {
      expect(answer.json.data).toBeNull();
      expect(answer.json.errors).toEqual([
        expect.objectContaining({ extensions: { code: 'FORBIDDEN', retryable: false } }),
      ]);
      expect(answer.json.errors[0].message).toContain('wechat:read');
    }
    const counters = await gw.sandbox.counters();
    expect(counters['/cgi-bin/get_api_domain_ip']).toBe(0);
    expect(counters['/cgi-bin/openapi/quota/get']).toBe(0);
  });

  it('clearQuota and requestLookup need wechat:admin: FORBIDDEN for keys holding wechat:read', async () => {
    for (const key of [KEYS.reader, KEYS.wechat]) {
      const clear = await ask(ClearQuotaDocument, {}, key);
      expect(clear.json.data).toBeNull();
      expect(clear.json.errors).toEqual([
        expect.objectContaining({
          path: ['clearQuota'],
          extensions: { code: 'FORBIDDEN', retryable: false },
        }),
      ]);
      expect(clear.json.errors[0].message).toContain('wechat:admin');
      const lookup = await ask(RequestLookupDocument, { rid: '6554f9b5-1c9a1ea4-3d7a56aa' }, key);
      expect(lookup.json.errors).toEqual([
        expect.objectContaining({
          path: ['requestLookup'],
          extensions: { code: 'FORBIDDEN', retryable: false },
        }),
      ]);
    }
    const counters = await gw.sandbox.counters();
    expect(counters['/cgi-bin/clear_quota']).toBe(0);
    expect(counters['/cgi-bin/openapi/rid/get']).toBe(0);
  });

  it('without a key clearQuota is refused as a whole (401), and WeChat is not called', async () => {
    const answer = await ask(ClearQuotaDocument, {});
    expect(answer.status).toBe(401);
    expect(answer.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await gw.sandbox.counters())['/cgi-bin/clear_quota']).toBe(0);
  });

  it('each key with the right scope is served', async () => {
    const quota = await ask(ApiQuotaDocument, { cgiPath: '/cgi-bin/stable_token' }, KEYS.wechat);
    expect(quota.json.errors).toBeUndefined();
    expect(quota.json.data.apiQuota).toMatchObject({ cgiPath: '/cgi-bin/stable_token', dailyLimit: 500_000 });
    const cleared = await ask(ClearQuotaDocument, {}, KEYS.statusOnly);
    expect(cleared.json.errors).toBeUndefined();
    expect(cleared.json.data.clearQuota.appId).toBe(gw.sandbox.app.appId);
    expect((await gw.sandbox.counters())['/cgi-bin/clear_quota']).toBe(1);
  });
});
