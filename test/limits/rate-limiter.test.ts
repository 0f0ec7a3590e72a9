import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RateLimitedError } from '../../src/errors.js';
import { MemoryBucketStore } from '../../src/limits/memory-bucket-store.js';
import { RateLimiter } from '../../src/limits/rate-limiter.js';

const APP_A = 'wx1234567890abcdef';
const APP_B = 'wxabcdef1234567890';

function setup(env: NodeJS.ProcessEnv) {
  let now = 0;
  const clock = { now: () => now };
  const limiter = new RateLimiter(new MemoryBucketStore({ clock }), loadConfig(env).limits.rate);
  return { limiter, advance: (ms: number) => (now += ms) };
}

async function refusal(attempt: Promise<void>): Promise<RateLimitedError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

describe('RateLimiter', () => {
  it('gives each key its own request budget and says how long to wait', async () => {
    const { limiter, advance } = setup({
      RATE_LIMIT_REQUESTS_PER_SECOND: '2',
      RATE_LIMIT_REQUEST_BURST: '2',
    });
    await limiter.checkRequest({ id: 'key-a' });
    await limiter.checkRequest({ id: 'key-a' });
    const error = await refusal(limiter.checkRequest({ id: 'key-a' }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 1 });
    expect(error.message).toMatch(/2 requests per second \(burst 2\) per API key/);
    await limiter.checkRequest({ id: 'key-b' });
    advance(500);
    await limiter.checkRequest({ id: 'key-a' });
  });

  it('limits refreshToken per key and per app, across keys', async () => {
    const { limiter, advance } = setup({
      REFRESH_LIMIT_PER_KEY_PER_MINUTE: '2',
      REFRESH_LIMIT_PER_APP_PER_MINUTE: '3',
    });
    await limiter.checkRefresh({ id: 'key-a' }, APP_A);
    await limiter.checkRefresh({ id: 'key-a' }, APP_B);
    const perKey = await refusal(limiter.checkRefresh({ id: 'key-a' }, APP_A));
    expect(perKey.message).toMatch(/per API key/);
    expect(perKey.retryAfterSeconds).toBe(30);
    await limiter.checkRefresh({ id: 'key-b' }, APP_A);
    await limiter.checkRefresh({ id: 'key-c' }, APP_A);
    const perApp = await refusal(limiter.checkRefresh({ id: 'key-d' }, APP_A));
    expect(perApp.message).toMatch(/per app/);
    await limiter.checkRefresh({ id: 'key-d' }, APP_B);
    advance(20_000);
    await limiter.checkRefresh({ id: 'key-e' }, APP_A);
  });

  it('admits at once from a store that answers at once, from the same budget as checkRequest', async () => {
    const { limiter, advance } = setup({
      RATE_LIMIT_REQUESTS_PER_SECOND: '2',
      RATE_LIMIT_REQUEST_BURST: '2',
    });
    expect(limiter.admitsNow({ id: 'key-a' })).toBe(true);
    await limiter.checkRequest({ id: 'key-a' });
    expect(limiter.admitsNow({ id: 'key-a' })).toBe(false);
    // A refusal took nothing: half a second refills exactly the one token a request needs.
    advance(500);
    expect(limiter.admitsNow({ id: 'key-a' })).toBe(true);
    await refusal(limiter.checkRequest({ id: 'key-a' }));
    expect(limiter.admitsNow({ id: 'key-b' })).toBe(true);
  });

  it('leaves to checkRequest what a store can only answer by waiting', async () => {
    const waiting = new MemoryBucketStore();
    const limiter = new RateLimiter(
      { kind: 'redis', take: (...args) => waiting.take(...args), close: () => waiting.close() },
      loadConfig({}).limits.rate,
    );
    expect(limiter.admitsNow({ id: 'key-a' })).toBeUndefined();
    await limiter.checkRequest({ id: 'key-a' });
  });

  it('turns a limit off with 0', async () => {
    const { limiter } = setup({ RATE_LIMIT_REQUESTS_PER_SECOND: '0', REFRESH_LIMIT_PER_APP_PER_MINUTE: '0' });
    for (let i = 0; i < 500; i++) await limiter.checkRequest({ id: 'key-a' });
    expect(limiter.admitsNow({ id: 'key-a' })).toBe(true);
    for (let i = 0; i < 10; i++) await limiter.checkRefresh({ id: `key-${i}` }, APP_A);
  });
});
