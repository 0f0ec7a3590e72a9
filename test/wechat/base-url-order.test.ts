import { describe, expect, it } from 'vitest';
import { baseUrlOrder } from '../../src/wechat/base-url-order.js';

describe('baseUrlOrder', () => {
  const now = 100_000;
  const cooldown = 30_000;

  it.each([
    ['no failures: configured order', [undefined, undefined, undefined], [0, 1, 2]],
    ['a recently failed first base goes last', [now - 1000, undefined, undefined], [1, 2, 0]],
    ['a failure older than the cool-down is forgotten', [now - cooldown, undefined], [0, 1]],
    ['cooling bases: the one that failed longest ago first', [now - 10, now - 20_000, undefined], [2, 1, 0]],
    ['all cooling: still every base, oldest failure first', [now - 5, now - 9], [1, 0]],
  ] as const)('%s', (_name, failedAt, expected) => {
    expect(baseUrlOrder(failedAt, now, cooldown)).toEqual(expected);
  });

  it('keeps the configured order when the cool-down is 0', () => {
    expect(baseUrlOrder([now, undefined], now, 0)).toEqual([0, 1]);
  });
});
