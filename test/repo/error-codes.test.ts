import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BadUserInputError,
  ClearQuotaCooldownError,
  ForbiddenError,
  GATEWAY_CODES,
  InternalServerError,
  InvalidOptionError,
  MisdirectedRequestError,
  PersistedQueryNotFoundError,
  RateLimitedError,
  RefreshCooldownError,
  StoreUnavailableError,
  TokenRejectedError,
  TooManyStreamsError,
  UnauthenticatedError,
  UnknownAppError,
  UpstreamBadResponseError,
  UpstreamUnavailableError,
  WECHAT_CODES,
} from '../../src/errors.js';
import { IpListCache } from '../../src/services/ip-list-cache.js';
import { WeChatClient } from '../../src/wechat/client.js';

/** The error codes are a fixed contract (docs/error-codes.md). */

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('error codes', () => {
  it('has one class per gateway code', () => {
    const errors = [
      new BadUserInputError('x'),
      new UnknownAppError('wx0000000000000000'),
      new UnauthenticatedError(),
      new ForbiddenError('x'),
      new RefreshCooldownError('wx0000000000000000', 1),
      new TokenRejectedError('wx0000000000000000', 1),
      new ClearQuotaCooldownError('wx0000000000000000', 1),
      new RateLimitedError('x', 1),
      new StoreUnavailableError('x'),
      new PersistedQueryNotFoundError('abc'),
      new InternalServerError(),
      new UpstreamUnavailableError('x'),
      new UpstreamBadResponseError('x'),
      new TooManyStreamsError('x'),
      new MisdirectedRequestError(),
    ];
    expect(errors.map((error) => error.code).sort()).toEqual([...GATEWAY_CODES].sort());
    expect(new Set(errors.map((error) => error.name)).size).toBe(errors.length);
  });

  it('are all named by the README (gateway codes) and docs/error-codes.md (all)', () => {
    const readme = read('README.md');
    const page = read('docs/error-codes.md');
    expect(GATEWAY_CODES.filter((code) => !readme.includes(`\`${code}\``))).toEqual([]);
    expect([...GATEWAY_CODES, ...WECHAT_CODES].filter((code) => !page.includes(`\`${code}\``))).toEqual([]);
  });
});

describe('InvalidOptionError', () => {
  it.each([
    ['WeChatClient', () => new WeChatClient({ baseUrls: ['https://a.example'], timeoutMs: 0 })],
    [
      'IpListCache',
      () =>
        new IpListCache({
          ttlSeconds: -1,
          tokens: { call: async () => [] },
          endpoint: '/x',
          fetch: async () => [],
        } as never),
    ],
  ])('is what a bad option of %s throws, naming the option', (_, build) => {
    let thrown: unknown;
    try {
      build();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((thrown as Error).message).toMatch(/timeoutMs|ttlSeconds/);
  });
});
