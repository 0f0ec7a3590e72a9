import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RefreshCooldownError, UnknownAppError, UpstreamUnavailableError } from '../../src/errors.js';
import { createMaskError, UNEXPECTED_ERROR_MESSAGE } from '../../src/graphql/errors.js';
import { createLogger } from '../../src/logger.js';
import { WeChatError } from '../../src/wechat/errors.js';

const TOKEN = `tok_${'A1b2C3d4'.repeat(10)}`;
const SECRET = '0123456789abcdef0123456789abcdef';

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

/** What graphql-js hands Yoga when a resolver throws: the original error wrapped with its location. */
function fromResolver(error: unknown): GraphQLError {
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    path: ['first', 'callbackIps'],
    originalError: error instanceof Error ? error : undefined,
  });
}

describe('createMaskError', () => {
  const { logger, lines } = captureLogger();
  const mask = createMaskError(logger);

  it('turns a WeChatError into the contract extensions, keeping the path', () => {
    const wechat = new WeChatError({
      errcode: 45011,
      errmsg: `api minute-quota reach limit mustslower retry next minute rid: 6566a1b2-0c3d4e5f`,
      endpoint: '/cgi-bin/getcallbackip',
      kind: 'api',
      retryAfterSeconds: 42.2,
    });
    const masked = mask(fromResolver(wechat), 'Unexpected error.') as GraphQLError;
    expect(masked.path).toEqual(['first', 'callbackIps']);
    expect(masked.extensions).toEqual({
      code: 'WECHAT_RATE_LIMITED',
      errcode: 45011,
      errmsg: 'api minute-quota reach limit mustslower retry next minute rid: 6566a1b2-0c3d4e5f',
      rid: '6566a1b2-0c3d4e5f',
      retryable: true,
      retryAfterSeconds: 43,
    });
  });

  it('never lets a token or secret in errmsg through', () => {
    const wechat = new WeChatError({
      errcode: 40001,
      errmsg: `invalid credential, access_token is invalid ${TOKEN} secret=${SECRET}`,
      endpoint: '/cgi-bin/getcallbackip',
      kind: 'api',
    });
    const json = JSON.stringify((mask(fromResolver(wechat), '') as GraphQLError).toJSON());
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain(SECRET);
    expect(json).toContain('WECHAT_INVALID_CREDENTIAL');
  });

  it.each([
    [new UnknownAppError('wx0000000000000000'), { code: 'UNKNOWN_APP', retryable: false }],
    [
      new RefreshCooldownError('wx0123456789abcdef', 12.5),
      { code: 'REFRESH_COOLDOWN', retryable: true, retryAfterSeconds: 13 },
    ],
    [
      new UpstreamUnavailableError('every base URL failed'),
      { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    ],
  ])('maps %s', (error, extensions) => {
    expect((mask(fromResolver(error), '') as GraphQLError).extensions).toEqual(extensions);
  });

  it('masks anything unexpected and logs it server-side, redacted', () => {
    const bug = new TypeError(`cannot read "x" of undefined near secret=${SECRET}`);
    const masked = mask(fromResolver(bug), 'Unexpected error.') as GraphQLError;
    expect(masked.message).toBe(UNEXPECTED_ERROR_MESSAGE);
    expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', retryable: false });
    expect(JSON.stringify(masked.toJSON())).not.toMatch(/TypeError|stack|cannot read/);
    const logged = lines.join('');
    expect(logged).toContain('cannot read');
    expect(logged).toContain('TypeError');
    expect(logged).not.toContain(SECRET);
  });

  it('passes GraphQL’s own errors (validation, HTTP) unchanged', () => {
    const own = new GraphQLError('Cannot query field "nope" on type "TokenStatus".', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(mask(own, '')).toBe(own);
  });
});
