import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cardSignature, jsSdkSignature } from '../../src/jssdk/signature.js';
import { codes, execute } from './support/execute.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { AppTicketsDocument, CardSignatureDocument, JsSdkConfigDocument } from './support/page-operations.js';

/**
 * jsSdkConfig and cardSignature over HTTP against the sandbox: tickets are fetched once per app and
 * type, held on their own clock, and the signatures verify against the ticket the sandbox issued.
 */
describe('JS-SDK signing', () => {
  let stack: TestGateway;
  const PAGE = 'https://shop.example.com/p/1?x=1';

  beforeAll(async () => {
    stack = await startTestGateway({ sandbox: { appCount: 1 } });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    // Each test starts cold: a new sandbox (no tokens, no tickets) and a new gateway store.
    await stack.close();
    stack = await startTestGateway({ sandbox: { appCount: 1 } });
  });

  const transport = () => stack.http;

  describe('jsSdkConfig', () => {
    it('100 concurrent cold requests cost one ticket call and one token call, and every signature verifies', async () => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          execute(transport(), JsSdkConfigDocument, { url: `${PAGE}&n=${i}#top` }),
        ),
      );
      const counters = await stack.sandbox.counters();
      expect(counters['/cgi-bin/ticket/getticket']).toBe(1);
      expect(counters['/cgi-bin/stable_token']).toBe(1);
      const [ticket] = (await stack.sandbox.tickets()).jsapi;
      expect(ticket).toBeDefined();
      const nonces = new Set<string>();
      for (const [i, answer] of answers.entries()) {
        expect(answer.body.errors).toBeUndefined();
        const config = answer.body.data?.jsSdkConfig;
        if (!config) throw new Error('no jsSdkConfig');
        expect(config.url).toBe(`${PAGE}&n=${i}`);
        expect(config.appId).toBe(stack.sandbox.app.appId);
        expect(Math.abs(config.timestamp - Date.now() / 1000)).toBeLessThan(60);
        nonces.add(config.nonceStr);
        expect(config.signature).toBe(
          jsSdkSignature({
            jsapiTicket: ticket as string,
            nonceStr: config.nonceStr,
            timestamp: config.timestamp,
            url: config.url,
          }),
        );
        expect(JSON.stringify(answer.body)).not.toContain(ticket as string);
      }
      expect(nonces.size).toBe(100);
    });

    it('keeps the ticket through a token rotation: a new token, no new ticket', async () => {
      await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      await stack.sandbox.rotateToken();
      await stack.manager.refresh(stack.sandbox.app.appId, { force: true });
      const answer = await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      expect(answer.body.errors).toBeUndefined();
      const counters = await stack.sandbox.counters();
      expect(counters['/cgi-bin/stable_token']).toBe(2);
      expect(counters['/cgi-bin/ticket/getticket']).toBe(1);
    });

    it('renews a rejected token once and retries getticket once (40001)', async () => {
      await stack.manager.getToken(stack.sandbox.app.appId);
      await stack.sandbox.rotateToken();
      const answer = await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      expect(answer.body.errors).toBeUndefined();
      const counters = await stack.sandbox.counters();
      expect(counters['/cgi-bin/ticket/getticket']).toBe(2);
      expect(counters['/cgi-bin/stable_token']).toBe(2);
    });

    it('renews an expired token once and retries (42001)', async () => {
      await stack.manager.getToken(stack.sandbox.app.appId);
      await stack.sandbox.expireToken();
      const answer = await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      expect(answer.body.errors).toBeUndefined();
      expect((await stack.sandbox.counters())['/cgi-bin/ticket/getticket']).toBe(2);
    });

    it('answers getticket errcodes as GraphQL errors without the ticket or the token', async () => {
      await stack.sandbox.setFault({ kind: 'daily-quota', endpoint: '/cgi-bin/ticket/getticket', times: 1 });
      const quota = await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      expect(codes(quota)).toEqual(['WECHAT_QUOTA_EXCEEDED']);
      expect(quota.body.errors?.[0]?.extensions).toMatchObject({ errcode: 45009, retryable: true });
      await stack.close();
      stack = await startTestGateway({ sandbox: { appCount: 1 } });
      await stack.sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/ticket/getticket' });
      const busy = await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      expect(codes(busy)).toEqual(['WECHAT_BUSY']);
    });

    it.each([
      ['/relative', /absolute http/],
      ['ftp://shop.example.com/', /absolute http/],
      [`https://shop.example.com/${'a'.repeat(2048)}`, /2048 characters/],
      ['https://evil.example@shop.example.com/', /userinfo/],
      ['https://shop.example.com\\@evil.example/', /backslash/],
    ])('refuses url %j with BAD_USER_INPUT before fetching a ticket', async (url, message) => {
      const answer = await execute(transport(), JsSdkConfigDocument, { url });
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.body.errors?.[0]?.message).toMatch(message);
      expect((await stack.sandbox.counters())['/cgi-bin/ticket/getticket']).toBe(0);
    });

    it('signs only pages on the app’s jsSdkDomains when it has some, naming them otherwise', async () => {
      await stack.close();
      stack = await startTestGateway({
        apps: (sandbox) => [
          { ...sandbox.app, name: 'Shop', tokenMode: 'stable', jsSdkDomains: ['shop.example.com'] },
        ],
      });
      const inside = await execute(transport(), JsSdkConfigDocument, { url: 'https://m.shop.example.com/a' });
      expect(inside.body.errors).toBeUndefined();
      const outside = await execute(transport(), JsSdkConfigDocument, { url: 'https://evil.example.net/a' });
      expect(codes(outside)).toEqual(['BAD_USER_INPUT']);
      expect(outside.body.errors?.[0]?.message).toContain('JS-SDK domains (shop.example.com)');
    });

    it('signs a page on a port only where jsSdkDomains names it (WeChat signs the port with the URL)', async () => {
      await stack.close();
      stack = await startTestGateway({
        apps: (sandbox) => [
          {
            ...sandbox.app,
            name: 'Shop',
            tokenMode: 'stable',
            jsSdkDomains: ['shop.example.com', 'preview.example.com:8443'],
          },
        ],
      });
      const onPort = await execute(transport(), JsSdkConfigDocument, {
        url: 'https://preview.example.com:8443/a',
      });
      expect(onPort.body.errors).toBeUndefined();
      expect(onPort.body.data?.jsSdkConfig?.url).toBe('https://preview.example.com:8443/a');
      const otherPort = await execute(transport(), JsSdkConfigDocument, {
        url: 'https://shop.example.com:8080/a',
      });
      expect(codes(otherPort)).toEqual(['BAD_USER_INPUT']);
      expect(otherPort.body.errors?.[0]?.message).toContain('Add "shop.example.com:8080" to jsSdkDomains');
      const defaultPort = await execute(transport(), JsSdkConfigDocument, {
        url: 'https://preview.example.com/a',
      });
      expect(codes(defaultPort)).toEqual(['BAD_USER_INPUT']);
    });

    it('signs only https pages for an app with jsSdkHttpsOnly', async () => {
      await stack.close();
      stack = await startTestGateway({
        apps: (sandbox) => [{ ...sandbox.app, name: 'Shop', tokenMode: 'stable', jsSdkHttpsOnly: true }],
      });
      const plain = await execute(transport(), JsSdkConfigDocument, { url: 'http://shop.example.com/a' });
      expect(codes(plain)).toEqual(['BAD_USER_INPUT']);
      expect(plain.body.errors?.[0]?.message).toContain('jsSdkHttpsOnly');
      const secure = await execute(transport(), JsSdkConfigDocument, { url: 'https://shop.example.com/a' });
      expect(secure.body.errors).toBeUndefined();
    });
  });

  describe('cardSignature and ticket state', () => {
    it('signs with the wx_card ticket, apart from the jsapi one', async () => {
      const answer = await execute(transport(), CardSignatureDocument, {
        cardId: 'pFS7Fjg8kV1IdDz01r4SQwMkuCKc',
        openId: 'oAbc-123',
      });
      expect(answer.body.errors).toBeUndefined();
      const card = answer.body.data?.cardSignature;
      if (!card) throw new Error('no cardSignature');
      const [ticket] = (await stack.sandbox.tickets()).wx_card;
      expect(card.signature).toBe(
        cardSignature([ticket, card.timestamp, card.nonceStr, 'pFS7Fjg8kV1IdDz01r4SQwMkuCKc', 'oAbc-123']),
      );
      expect((await stack.sandbox.tickets()).jsapi).toEqual([]);
      const bad = await execute(transport(), CardSignatureDocument, { code: 'has space' });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    });

    it('app { tickets } shows state and expiry, never a value', async () => {
      const appId = stack.sandbox.app.appId;
      const before = await execute(transport(), AppTicketsDocument, { appId });
      expect(before.body.data?.app?.tickets).toEqual([
        { type: 'JSAPI', state: 'MISSING', expiresAt: null },
        { type: 'WX_CARD', state: 'MISSING', expiresAt: null },
      ]);
      await execute(transport(), JsSdkConfigDocument, { url: PAGE });
      const after = await execute(transport(), AppTicketsDocument, { appId });
      const [jsapi] = after.body.data?.app?.tickets ?? [];
      expect(jsapi).toMatchObject({ type: 'JSAPI', state: 'FRESH' });
      expect(Date.parse(jsapi?.expiresAt ?? '') - Date.now()).toBeGreaterThan(7000_000);
    });
  });
});
