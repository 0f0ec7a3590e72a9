import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { UpstreamGuard } from '../../src/upstream/guard.js';
import { describeErrcode, parseCallerIp, parseRid, WeChatError } from '../../src/wechat/errors.js';

// One row per line of the WeChat table in docs/error-codes.md: errcode, endpoint kind, code, reaction, retryable.
const rows = [
  [-1, 'api', 'WECHAT_BUSY', 'backoff', true],
  [-1000, 'api', 'WECHAT_BUSY', 'backoff', true],
  [40001, 'token', 'WECHAT_INVALID_CREDENTIAL', 'config', false],
  [40001, 'api', 'WECHAT_INVALID_CREDENTIAL', 'renew-token', true],
  [40002, 'token', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [40013, 'token', 'WECHAT_INVALID_APPID', 'config', false],
  [40014, 'api', 'WECHAT_TOKEN_INVALID', 'renew-token', true],
  [40125, 'token', 'WECHAT_INVALID_SECRET', 'config', false],
  [40164, 'token', 'WECHAT_IP_NOT_WHITELISTED', 'config', false],
  [61004, 'api', 'WECHAT_IP_NOT_WHITELISTED', 'config', false],
  [40243, 'token', 'WECHAT_SECRET_FROZEN', 'config', false],
  [41001, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [41002, 'token', 'WECHAT_INVALID_REQUEST', 'config', false],
  [41004, 'token', 'WECHAT_INVALID_REQUEST', 'config', false],
  [42001, 'api', 'WECHAT_TOKEN_EXPIRED', 'renew-token', true],
  [45009, 'api', 'WECHAT_QUOTA_EXCEEDED', 'daily-quota', true],
  [45011, 'api', 'WECHAT_RATE_LIMITED', 'minute-quota', true],
  [40097, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [40201, 'api', 'WECHAT_CALLBACK_URL_INVALID', 'fatal', false],
  [40202, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [40203, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [48001, 'api', 'WECHAT_API_UNAUTHORIZED', 'fatal', false],
  [48006, 'api', 'WECHAT_CLEAR_QUOTA_LIMIT', 'fatal', false],
  [50001, 'api', 'WECHAT_API_UNAUTHORIZED', 'fatal', false],
  [50002, 'api', 'WECHAT_API_UNAUTHORIZED', 'fatal', false],
  [89501, 'api', 'WECHAT_IP_NEEDS_CONFIRMATION', 'fatal', false],
  [89503, 'api', 'WECHAT_IP_NEEDS_CONFIRMATION', 'fatal', false],
  [89506, 'api', 'WECHAT_IP_NEEDS_CONFIRMATION', 'fatal', false],
  [89507, 'api', 'WECHAT_IP_NEEDS_CONFIRMATION', 'fatal', false],
  [99999, 'api', 'WECHAT_ERROR', 'fatal', false],
] as const;

describe('errcode catalog', () => {
  it.each(rows)('errcode %i on a %s endpoint → %s (%s)', (errcode, kind, code, reaction, retryable) => {
    const row = describeErrcode(errcode, kind);
    expect(row).toMatchObject({ code, reaction, retryable });
    expect(row.advice.length).toBeGreaterThan(10);
  });
});

// One row per line of the WeCom table in docs/error-codes.md: errcode, code, reaction, retryable.
const wecomRows = [
  [-1, 'WECHAT_BUSY', 'backoff', true],
  [40001, 'WECHAT_INVALID_SECRET', 'config', false],
  [40091, 'WECHAT_INVALID_SECRET', 'config', false],
  [40013, 'WECHAT_INVALID_APPID', 'config', false],
  [40056, 'WECHAT_INVALID_REQUEST', 'config', false],
  [40014, 'WECHAT_TOKEN_INVALID', 'renew-token', true],
  [41001, 'WECHAT_TOKEN_INVALID', 'renew-token', true],
  [42001, 'WECHAT_TOKEN_EXPIRED', 'renew-token', true],
  [41002, 'WECHAT_INVALID_REQUEST', 'config', false],
  [41004, 'WECHAT_INVALID_REQUEST', 'config', false],
  [45009, 'WECHAT_RATE_LIMITED', 'minute-quota', true],
  [45033, 'WECHAT_RATE_LIMITED', 'minute-quota', true],
  [48002, 'WECHAT_API_UNAUTHORIZED', 'fatal', false],
  [60020, 'WECHAT_IP_NOT_WHITELISTED', 'config', false],
  [301002, 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [40125, 'WECHAT_ERROR', 'fatal', false],
] as const;

describe('WeCom errcode catalog', () => {
  it.each(wecomRows)('errcode %i on WeCom → %s (%s)', (errcode, code, reaction, retryable) => {
    for (const kind of ['token', 'api'] as const) {
      const row = describeErrcode(errcode, kind, 'wecom');
      expect(row).toMatchObject({ code, reaction, retryable });
      expect(row.advice.length).toBeGreaterThan(10);
    }
  });

  it('reads 40001 as a wrong secret on WeCom, and as a token to renew on an Official Account API', () => {
    expect(describeErrcode(40001, 'api', 'wecom').reaction).toBe('config');
    expect(describeErrcode(40001, 'api', 'officialAccount').reaction).toBe('renew-token');
    expect(describeErrcode(40001, 'api').reaction).toBe('renew-token');
  });

  it('carries the platform on the error, and keeps it in a copy with a retry window', () => {
    const error = new WeChatError({
      errcode: 40001,
      errmsg: 'invalid credential',
      endpoint: '/cgi-bin/gettoken',
      kind: 'token',
      platform: 'wecom',
    });
    expect(error).toMatchObject({ code: 'WECHAT_INVALID_SECRET', platform: 'wecom', retryable: false });
    expect(error.withRetryAfter(5)).toMatchObject({ code: 'WECHAT_INVALID_SECRET', platform: 'wecom' });
    expect(error.message).toContain('corpSecret');
  });

  it('names the WeCom fix for 60020 (trusted IPs), not the Official Account one', () => {
    expect(describeErrcode(60020, 'api', 'wecom').advice).toContain('trusted IPs');
    expect(describeErrcode(60020, 'api', 'officialAccount').code).toBe('WECHAT_ERROR');
  });
});

describe('errcodes only a gateway bug causes', () => {
  it('marks 301002 on WeCom (a token of another agent) and the Official Account argument errors', () => {
    expect(describeErrcode(301002, 'api', 'wecom').gatewayBug).toBe(true);
    expect(describeErrcode(40097, 'api').gatewayBug).toBe(true);
    expect(describeErrcode(40001, 'api', 'wecom').gatewayBug).toBeUndefined();
    expect(describeErrcode(301002, 'api').gatewayBug).toBeUndefined();
  });

  it('logs such an answer at error level, naming the app and errcode, and rethrows it unretried', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(line) },
    });
    const stores = new MemoryStores();
    const guard = new UpstreamGuard({
      holds: stores.holds,
      clock: systemClock,
      random: () => 0.5,
      logger,
      busy: { retries: 3, baseMs: 1, totalMs: 10 },
      negativeCacheMs: 0,
    });
    let calls = 0;
    const error = new WeChatError({
      errcode: 301002,
      errmsg: 'not allow operate another agent with this accesstoken',
      endpoint: '/cgi-bin/ticket/get',
      kind: 'api',
      platform: 'wecom',
    });
    const outcome = guard.run('ww0123456789abcdef/1000002', '/cgi-bin/ticket/get', async () => {
      calls++;
      throw error;
    });
    await expect(outcome).rejects.toBe(error);
    expect(calls).toBe(1);
    const logged = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.errcode === 301002);
    expect(logged).toMatchObject({ level: 50, appId: 'ww0123456789abcdef/1000002', platform: 'wecom' });
    expect(String(logged?.msg)).toContain('gateway bug');
    await stores.close();
  });
});

describe('errmsg parsing', () => {
  const whitelist =
    'invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist rid: 6554f9b5-1c9a1ea4-3d7a56aa';

  it('finds the rid', () => {
    expect(parseRid(whitelist)).toBe('6554f9b5-1c9a1ea4-3d7a56aa');
    expect(parseRid('system error')).toBeUndefined();
  });

  it('finds the caller IP of 40164', () => {
    expect(parseCallerIp(whitelist)).toBe('203.0.113.9');
    expect(parseCallerIp('access clientip 198.51.100.4 is not registered')).toBe('198.51.100.4');
  });

  it.each([
    // 61004 as WeChat writes it (examples from public SDK code and bug reports).
    ['access clientip is not registered hint: [ZJ6NTA0211e578] requestIP: 58.101.200.168', '58.101.200.168'],
    ['access clientip is not registered requestIP: 203.0.113.9 rid: 1a2b3c', '203.0.113.9'],
    ['invalid ip 2001:db8::7 ipv6 2001:db8::7, not in whitelist rid: 1a2b3c', '2001:db8::7'],
    ['access clientip is not registered', undefined],
    ['access clientip added to the list', undefined],
  ])('finds the caller IP in %j', (errmsg, ip) => {
    expect(parseCallerIp(errmsg)).toBe(ip);
  });

  it('names the caller IP of a 61004 in the message', () => {
    const error = new WeChatError({
      errcode: 61004,
      errmsg: 'access clientip is not registered requestIP: 203.0.113.9 rid: 1a2b3c',
      endpoint: '/cgi-bin/stable_token',
      kind: 'token',
    });
    expect(error).toMatchObject({
      code: 'WECHAT_IP_NOT_WHITELISTED',
      callerIp: '203.0.113.9',
      rid: '1a2b3c',
    });
    expect(error.message).toContain('WeChat saw the gateway calling from 203.0.113.9');
  });

  it('names the caller IP and the rid on a WeChatError, and redacts secrets from errmsg', () => {
    const secret = '0123456789abcdef0123456789abcdef';
    const error = new WeChatError({
      errcode: 40164,
      errmsg: `${whitelist} secret=${secret}`,
      endpoint: '/cgi-bin/stable_token',
      kind: 'token',
    });
    expect(error.code).toBe('WECHAT_IP_NOT_WHITELISTED');
    expect(error.callerIp).toBe('203.0.113.9');
    expect(error.rid).toBe('6554f9b5-1c9a1ea4-3d7a56aa');
    expect(error.message).toContain('203.0.113.9');
    expect(error.errmsg).not.toContain(secret);
    expect(error.message).not.toContain(secret);
  });
});
