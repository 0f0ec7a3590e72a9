import { describe, expect, it } from 'vitest';
import { describeErrcode, parseCallerIp, parseRid, WeChatError } from '../../src/wechat/errors.js';

// One row per line of shared/wechat-errcodes.md: errcode, endpoint kind, code, reaction, retryable.
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
