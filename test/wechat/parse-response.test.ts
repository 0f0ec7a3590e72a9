import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { WeChatError } from '../../src/wechat/errors.js';
import {
  parseIpListAnswer,
  parseTokenAnswer,
  type ResponseContext,
  readWeChatObject,
} from '../../src/wechat/parse-response.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN = `${'A'.repeat(70)}-tail_${'b'.repeat(70)}`;
const tokenContext: ResponseContext = {
  endpoint: '/cgi-bin/stable_token',
  kind: 'token',
  knownSecrets: [SECRET],
};
const apiContext: ResponseContext = {
  endpoint: '/cgi-bin/getcallbackip',
  kind: 'api',
  knownSecrets: [TOKEN],
};

const ok = (body: string) => ({ status: 200, body });

describe('parseTokenAnswer', () => {
  it.each([
    [
      'plain success',
      '{"access_token":"abc","expires_in":7200}',
      { accessToken: 'abc', expiresInSeconds: 7200 },
    ],
    [
      'errcode 0 on success',
      '{"errcode":0,"access_token":"abc","expires_in":20}',
      { accessToken: 'abc', expiresInSeconds: 20 },
    ],
    [
      'a short lifetime is honoured',
      '{"access_token":"x","expires_in":1}',
      { accessToken: 'x', expiresInSeconds: 1 },
    ],
  ])('%s', (_name, body, expected) => {
    expect(parseTokenAnswer(ok(body), tokenContext)).toEqual(expected);
  });

  // [case, status, body, expected code, fragment of the message]
  const badAnswers: [string, number, string, string, string][] = [
    ['empty body', 200, '', 'UPSTREAM_BAD_RESPONSE', 'empty body'],
    ['whitespace body', 200, '  \n', 'UPSTREAM_BAD_RESPONSE', 'empty body'],
    [
      'HTML error page with 200',
      200,
      '<html><body>maintenance</body></html>',
      'UPSTREAM_BAD_RESPONSE',
      'HTML',
    ],
    ['truncated JSON', 200, '{"access_token":"ab', 'UPSTREAM_BAD_RESPONSE', 'not valid JSON'],
    ['JSON array', 200, '[1,2]', 'UPSTREAM_BAD_RESPONSE', 'not an object'],
    ['JSON null', 200, 'null', 'UPSTREAM_BAD_RESPONSE', 'not an object'],
    ['JSON string', 200, '"hello"', 'UPSTREAM_BAD_RESPONSE', 'not an object'],
    ['no access_token', 200, '{"expires_in":7200}', 'UPSTREAM_BAD_RESPONSE', 'access_token'],
    [
      'empty access_token',
      200,
      '{"access_token":"","expires_in":7200}',
      'UPSTREAM_BAD_RESPONSE',
      'access_token',
    ],
    [
      'numeric access_token',
      200,
      '{"access_token":42,"expires_in":7200}',
      'UPSTREAM_BAD_RESPONSE',
      'access_token',
    ],
    ['no expires_in', 200, '{"access_token":"abc"}', 'UPSTREAM_BAD_RESPONSE', 'expires_in'],
    [
      'string expires_in',
      200,
      '{"access_token":"abc","expires_in":"7200"}',
      'UPSTREAM_BAD_RESPONSE',
      'expires_in',
    ],
    ['zero expires_in', 200, '{"access_token":"abc","expires_in":0}', 'UPSTREAM_BAD_RESPONSE', 'expires_in'],
    [
      'negative expires_in',
      200,
      '{"access_token":"abc","expires_in":-5}',
      'UPSTREAM_BAD_RESPONSE',
      'expires_in',
    ],
    ['string errcode', 200, '{"errcode":"40001","errmsg":"x"}', 'UPSTREAM_BAD_RESPONSE', 'errcode'],
    ['404 page', 404, '<html>Not Found</html>', 'UPSTREAM_BAD_RESPONSE', 'HTTP 404'],
    ['301 redirect', 301, '', 'UPSTREAM_BAD_RESPONSE', 'HTTP 301'],
  ];

  it.each(badAnswers)('%s → %s', (_name, status, body, code, fragment) => {
    const error = catchError(() => parseTokenAnswer({ status, body }, tokenContext));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).not.toBeInstanceOf(WeChatError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(fragment);
    expect(error.message).toContain('/cgi-bin/stable_token');
  });

  // [errcode, kind, expected code]
  const errcodes: [number, ResponseContext, string][] = [
    [40001, tokenContext, 'WECHAT_INVALID_CREDENTIAL'],
    [40125, tokenContext, 'WECHAT_INVALID_SECRET'],
    [40013, tokenContext, 'WECHAT_INVALID_APPID'],
    [45009, tokenContext, 'WECHAT_QUOTA_EXCEEDED'],
    [-1, tokenContext, 'WECHAT_BUSY'],
    [12345, tokenContext, 'WECHAT_ERROR'],
  ];

  it.each(errcodes)('errcode %i → WeChatError %s with kind token', (errcode, context, code) => {
    const body = JSON.stringify({ errcode, errmsg: `something rid: 1a2b3c4d-5e6f7a8b-9c0d1e2f` });
    const error = catchError(() => parseTokenAnswer(ok(body), context));
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({ code, errcode, kind: 'token', rid: '1a2b3c4d-5e6f7a8b-9c0d1e2f' });
  });

  it('an errcode without errmsg still becomes a WeChatError', () => {
    const error = catchError(() => parseTokenAnswer(ok('{"errcode":40013}'), tokenContext));
    expect(error).toMatchObject({ code: 'WECHAT_INVALID_APPID', errmsg: '', rid: undefined });
  });

  it('redacts the known secret from errmsg and from bad-response excerpts', () => {
    const echoed = JSON.stringify({ errcode: 40125, errmsg: `invalid appsecret ${SECRET} rid: 1-2-3` });
    const weChatError = catchError(() => parseTokenAnswer(ok(echoed), tokenContext));
    const badError = catchError(() => parseTokenAnswer(ok(`<html>secret=${SECRET}</html>`), tokenContext));
    for (const error of [weChatError, badError]) {
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET);
    }
  });
});

describe('parseIpListAnswer', () => {
  it.each([
    ['addresses and CIDR', '{"ip_list":["1.2.3.4","10.0.0.0/24"]}', ['1.2.3.4', '10.0.0.0/24']],
    ['errcode 0', '{"errcode":0,"errmsg":"ok","ip_list":["1.2.3.4"]}', ['1.2.3.4']],
    ['empty list', '{"ip_list":[]}', []],
  ])('%s', (_name, body, expected) => {
    expect(parseIpListAnswer(ok(body), apiContext)).toEqual(expected);
  });

  it.each([
    ['missing ip_list', '{}'],
    ['ip_list not an array', '{"ip_list":"1.2.3.4"}'],
    ['ip_list with a number', '{"ip_list":["1.2.3.4",5]}'],
    ['ip_list with null', '{"ip_list":[null]}'],
  ])('%s → UPSTREAM_BAD_RESPONSE', (_name, body) => {
    expect(catchError(() => parseIpListAnswer(ok(body), apiContext)).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it.each([
    [40001, 'WECHAT_INVALID_CREDENTIAL', 'renew-token'],
    [42001, 'WECHAT_TOKEN_EXPIRED', 'renew-token'],
    [41001, 'WECHAT_INVALID_REQUEST', 'fatal'],
  ])('errcode %i on an api endpoint → %s (%s)', (errcode, code, reaction) => {
    const error = catchError(() =>
      parseIpListAnswer(ok(JSON.stringify({ errcode, errmsg: 'x' })), apiContext),
    );
    expect(error).toMatchObject({ code, reaction, kind: 'api', endpoint: '/cgi-bin/getcallbackip' });
  });

  it('removes the token in hand from errmsg', () => {
    const body = JSON.stringify({ errcode: 40001, errmsg: `token ${TOKEN} is stale` });
    const error = catchError(() => parseIpListAnswer(ok(body), apiContext)) as WeChatError;
    expect(error.errmsg).not.toContain(TOKEN);
    expect(error.errmsg).toContain('[REDACTED]');
  });
});

describe('readWeChatObject', () => {
  it('returns the object of a success body untouched', () => {
    expect(readWeChatObject(ok('{"errcode":0,"a":1}'), apiContext)).toEqual({ errcode: 0, a: 1 });
  });
});

function catchError(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected an error');
}
