import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { MAX_CGI_PATH_LENGTH, validateCgiPath, validateRid } from '../../src/services/open-api-input.js';
import { WeChatError } from '../../src/wechat/errors.js';
import {
  parseApiQuotaAnswer,
  parseClearQuotaAnswer,
  parseRequestLookupAnswer,
  type ResponseContext,
} from '../../src/wechat/parse-response.js';
import { RequestLog } from '../../src/wechat/sandbox/request-log.js';

const TOKEN = `${'T'.repeat(80)}_${'t'.repeat(70)}`;
const SECRET = '0123456789abcdef0123456789abcdef';
const context = (endpoint: string): ResponseContext => ({ endpoint, kind: 'api', knownSecrets: [TOKEN] });
const ok = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

describe('validateCgiPath', () => {
  it.each(['/cgi-bin/token', '/cgi-bin/stable_token', '/wxa/getwxacode', '/cgi-bin/openapi/quota/get'])(
    'accepts %s',
    (path) => expect(validateCgiPath(path)).toBe(path),
  );

  it.each([
    ['', 'characters'],
    ['cgi-bin/token', 'start with "/"'],
    ['/cgi-bin/token?x=1', 'query string'],
    ['/cgi-bin/token#frag', 'query string'],
    ['/cgi-bin/tok en', 'start with "/"'],
    ['/cgi-bin/../token', 'start with "/"'],
    [`/${'a'.repeat(MAX_CGI_PATH_LENGTH)}`, 'characters'],
  ])('refuses %j with BAD_USER_INPUT saying what to fix', (path, says) => {
    const error = (() => {
      try {
        validateCgiPath(path);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('BAD_USER_INPUT');
    expect((error as GatewayError).message).toContain(says);
  });
});

describe('validateRid', () => {
  it('accepts WeChat’s rid shape', () => {
    expect(validateRid('6554f9b5-1c9a1ea4-3d7a56aa')).toBe('6554f9b5-1c9a1ea4-3d7a56aa');
  });

  it.each(['', 'abc', 'not-a-rid', `${'a'.repeat(60)}-${'b'.repeat(10)}`, SECRET])('refuses %j', (rid) => {
    expect(() => validateRid(rid)).toThrow(/rid must be/);
  });

  it('never echoes a secret pasted as a rid', () => {
    expect(() => validateRid(SECRET)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(SECRET) }),
    );
  });
});

describe('parseApiQuotaAnswer', () => {
  const at = context('/cgi-bin/openapi/quota/get');

  it('reads the quota', () => {
    const answer = ok({ errcode: 0, errmsg: 'ok', quota: { daily_limit: 2000, used: 3, remain: 1997 } });
    expect(parseApiQuotaAnswer(answer, at)).toEqual({ dailyLimit: 2000, used: 3, remain: 1997 });
  });

  it.each([
    [{ errcode: 0 }, 'without a quota object'],
    [{ quota: [] }, 'without a quota object'],
    [{ quota: { daily_limit: '2000', used: 0, remain: 0 } }, 'quota.daily_limit'],
    [{ quota: { daily_limit: 1, used: -1, remain: 0 } }, 'quota.used'],
    [{ quota: { daily_limit: 1, used: 0, remain: 2 ** 31 } }, 'quota.remain'],
  ])('refuses the shape %j', (body, says) => {
    expect(() => parseApiQuotaAnswer(ok(body), at)).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_BAD_RESPONSE' }),
    );
    expect(() => parseApiQuotaAnswer(ok(body), at)).toThrow(says);
  });

  it('turns an errcode into a WeChatError with its rid', () => {
    const answer = ok({ errcode: 76021, errmsg: 'cgi_path not found, please check rid: 1a-2b-3c' });
    expect(() => parseApiQuotaAnswer(answer, at)).toThrow(WeChatError);
    expect(() => parseApiQuotaAnswer(answer, at)).toThrow(expect.objectContaining({ rid: '1a-2b-3c' }));
  });
});

describe('parseClearQuotaAnswer', () => {
  const at = context('/cgi-bin/clear_quota');

  it('accepts errcode 0 and refuses 48006 as WECHAT_CLEAR_QUOTA_LIMIT', () => {
    expect(parseClearQuotaAnswer(ok({ errcode: 0, errmsg: 'ok' }), at)).toBeUndefined();
    expect(() =>
      parseClearQuotaAnswer(
        ok({ errcode: 48006, errmsg: 'forbid to clear quota because of reaching the limit' }),
        at,
      ),
    ).toThrow(expect.objectContaining({ code: 'WECHAT_CLEAR_QUOTA_LIMIT', retryable: false }));
  });
});

describe('parseRequestLookupAnswer', () => {
  const at = context('/cgi-bin/openapi/rid/get');
  const recorded = {
    invoke_time: 1_764_000_000,
    cost_in_ms: 12,
    request_url: `/cgi-bin/getcallbackip?access_token=${TOKEN}`,
    request_body: `{"grant_type":"client_credential","appid":"wx0123456789abcdef","secret":"${SECRET}"}`,
    response_body: '{"errcode":40164,"errmsg":"invalid ip 203.0.113.9 rid: 1a-2b-3c"}',
    client_ip: '127.0.0.1',
  };

  it('reads the record and redacts tokens and secrets from every text', () => {
    const found = parseRequestLookupAnswer(ok({ errcode: 0, request: recorded }), at);
    expect(found).toMatchObject({ invokeTime: 1_764_000_000, costInMs: 12, clientIp: '127.0.0.1' });
    expect(found.requestUrl).toBe('/cgi-bin/getcallbackip?access_token=[REDACTED]');
    expect(found.requestBody).toContain('wx0123456789abcdef');
    expect(JSON.stringify(found)).not.toContain(SECRET);
    expect(JSON.stringify(found)).not.toContain(TOKEN);
    expect(found.responseBody).toContain('40164');
  });

  it('takes absent bodies as empty (GET requests have none)', () => {
    const { request_body: _b, response_body: _r, ...withoutBodies } = recorded;
    expect(parseRequestLookupAnswer(ok({ request: withoutBodies }), at)).toMatchObject({
      requestBody: '',
      responseBody: '',
    });
  });

  it.each([
    [{}, 'without a request object'],
    [{ request: { ...recorded, invoke_time: 'yesterday' } }, 'request.invoke_time'],
    [{ request: { ...recorded, request_url: 42 } }, 'request.request_url'],
    [{ request: { ...recorded, client_ip: undefined } }, 'request.client_ip'],
  ])('refuses the shape %j', (body, says) => {
    expect(() => parseRequestLookupAnswer(ok(body), at)).toThrow(says);
  });
});

describe('RequestLog (the sandbox’s memory of rids)', () => {
  const entry = (rid: string) => ({
    rid,
    appId: undefined,
    invokeTime: 0,
    costInMs: 0,
    requestUrl: '/',
    requestBody: '',
    responseBody: '',
    clientIp: '127.0.0.1',
  });

  it('keeps the most recent entries up to its capacity, dropping the oldest', () => {
    const log = new RequestLog(3);
    for (const rid of ['a', 'b', 'c', 'd']) log.record(entry(rid));
    expect(log.size).toBe(3);
    expect(log.find('a')).toBeUndefined();
    expect(log.find('d')?.rid).toBe('d');
  });

  it('refuses a capacity below 1', () => {
    expect(() => new RequestLog(0)).toThrow(/capacity/);
  });
});
