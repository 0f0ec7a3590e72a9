import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMilliseconds, parsePercent } from '../../src/services/network-check.js';
import { codes, execute } from './support/execute.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import {
  CallbackIpCheckDocument,
  IpRangesDocument,
  NetworkCheckDocument,
} from './support/page-operations.js';

/**
 * networkCheck, callbackIpCheck and the ranges of the address lists, over HTTP against the sandbox.
 * Documents repeat across tests, so Yoga runs each first and the compiled phase the repeats.
 */
describe('callback checks and address ranges', () => {
  let stack: TestGateway;
  const transport = () => stack.http;

  beforeAll(async () => {
    stack = await startTestGateway({ env: { CALLBACK_IPS_TTL_SECONDS: '0' } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.sandbox.reset());

  describe('networkCheck', () => {
    it('answers WeChat’s dns and ping results with parsed numbers', async () => {
      const answer = await execute(transport(), NetworkCheckDocument, { action: 'ALL', operator: 'DEFAULT' });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.networkCheck).toEqual({
        dns: [
          { ip: '111.161.64.40', realOperator: 'UNICOM' },
          { ip: '111.161.64.48', realOperator: 'CHINANET' },
        ],
        ping: [
          {
            ip: '111.161.64.40',
            fromOperator: 'UNICOM',
            packageLoss: '0%',
            time: '23.079ms',
            packageLossPercent: 0,
            timeMs: 23.079,
          },
          {
            ip: '111.161.64.48',
            fromOperator: 'CHINANET',
            packageLoss: '0%',
            time: '21.434ms',
            packageLossPercent: 0,
            timeMs: 21.434,
          },
        ],
      });
    });

    it('passes the action and operator through', async () => {
      const answer = await execute(transport(), NetworkCheckDocument, { action: 'PING', operator: 'CAP' });
      expect(answer.body.data?.networkCheck.dns).toEqual([]);
      expect(answer.body.data?.networkCheck.ping.map((p) => p.fromOperator)).toEqual(['CAP', 'CAP']);
    });

    it('is WECHAT_CALLBACK_URL_INVALID (40201) without a callback URL, with the fix in the message', async () => {
      await stack.sandbox.setCallbackUrl(null);
      const answer = await execute(transport(), NetworkCheckDocument, { action: 'DNS', operator: 'DEFAULT' });
      expect(codes(answer)).toEqual(['WECHAT_CALLBACK_URL_INVALID']);
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ errcode: 40201, retryable: false });
      expect(answer.body.errors?.[0]?.message).toMatch(/Server configuration/);
    });

    it.each([
      [40202, 'invalid action'],
      [40203, 'invalid check operator'],
    ])('maps errcode %i to WECHAT_INVALID_REQUEST', async (errcode, errmsg) => {
      await stack.sandbox.setFault({
        kind: 'errcode',
        errcode,
        errmsg,
        endpoint: '/cgi-bin/callback/check',
        times: 1,
      });
      const answer = await execute(transport(), NetworkCheckDocument, { action: 'ALL', operator: 'DEFAULT' });
      expect(codes(answer)).toEqual(['WECHAT_INVALID_REQUEST']);
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ errcode });
    });

    it('refuses an action outside the enum before calling WeChat', async () => {
      const response = await transport().fetch(transport().endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ networkCheck(action: TRACE, operator: DEFAULT) { dns { ip } } }' }),
      });
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await stack.sandbox.counters())['/cgi-bin/callback/check']).toBe(0);
    });
  });

  describe('callbackIpCheck', () => {
    beforeEach(async () => {
      await stack.sandbox.setCallbackIps(['101.226.62.77', '101.226.103.0/25', '240e:e1:a800:120::/64']);
    });

    it.each([
      ['101.226.62.77', '101.226.62.77', true, '101.226.62.77/32'],
      ['101.226.62.78', '101.226.62.78', false, null],
      ['101.226.103.5', '101.226.103.5', true, '101.226.103.0/25'],
      ['101.226.103.127', '101.226.103.127', true, '101.226.103.0/25'],
      ['101.226.103.128', '101.226.103.128', false, null],
      ['::ffff:101.226.103.9', '101.226.103.9', true, '101.226.103.0/25'],
      ['240e:e1:a800:120::1', '240e:e1:a800:120::1', true, '240e:e1:a800:120::/64'],
    ])('%s → ip %s allowed %s in %s', async (ip, normalised, allowed, matchedRange) => {
      const answer = await execute(transport(), CallbackIpCheckDocument, { ip });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.callbackIpCheck).toEqual({ ip: normalised, allowed, matchedRange });
    });

    it.each(['not-an-ip', '101.226.103.0/25', '999.1.1.1', '', 'x'.repeat(5000)])(
      'refuses %j with BAD_USER_INPUT, without calling WeChat',
      async (ip) => {
        const answer = await execute(transport(), CallbackIpCheckDocument, { ip });
        expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
        expect(answer.body.errors?.[0]?.message).toMatch(/one IPv4 or IPv6 address/);
        expect(JSON.stringify(answer.body)).not.toContain('x'.repeat(100));
        expect((await stack.sandbox.counters())['/cgi-bin/getcallbackip']).toBe(0);
      },
    );

    it('passes WeChat’s errors on getcallbackip through', async () => {
      await stack.sandbox.setFault({
        kind: 'ip-not-whitelisted',
        endpoint: '/cgi-bin/getcallbackip',
        times: 1,
      });
      const answer = await execute(transport(), CallbackIpCheckDocument, { ip: '101.226.62.77' });
      expect(codes(answer)).toEqual(['WECHAT_IP_NOT_WHITELISTED']);
    });
  });

  describe('ranges', () => {
    it('callbackIps and apiDomainIps list their entries as ranges', async () => {
      await stack.sandbox.setCallbackIps(['101.226.62.77', '101.226.103.0/25', '2001:db8::/32']);
      const answer = await execute(transport(), IpRangesDocument, {});
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.callbackIps.ranges).toEqual([
        { cidr: '101.226.62.77/32', address: '101.226.62.77', prefixLength: 32, version: 4 },
        { cidr: '101.226.103.0/25', address: '101.226.103.0', prefixLength: 25, version: 4 },
        { cidr: '2001:db8::/32', address: '2001:db8::', prefixLength: 32, version: 6 },
      ]);
      expect(answer.body.data?.apiDomainIps.ranges.map((r) => r.cidr)).toEqual([
        '101.89.47.18/32',
        '101.91.34.103/32',
        '203.205.239.82/32',
      ]);
    });
  });
});

/** The parsers of WeChat's numbers: no gateway, one path. */
describe('networkCheck number parsing', () => {
  it.each([
    ['0%', 0],
    ['100%', 100],
    ['12.5 %', 12.5],
    ['lost', null],
  ])('parsePercent(%j) is %j', (text, value) => {
    expect(parsePercent(text)).toBe(value);
  });

  it.each([
    ['23.079ms', 23.079],
    ['5 ms', 5],
    ['', null],
    ['1s', null],
  ])('parseMilliseconds(%j) is %j', (text, value) => {
    expect(parseMilliseconds(text)).toBe(value);
  });
});
