import { describe, expect, it } from 'vitest';
import { browserPlan, CHROMIUM_PATH } from './support/chromium.js';

describe('browserPlan: whether the browser tests run, skip or fail', () => {
  it('runs wherever Chromium is installed', () => {
    expect(browserPlan(true, {})).toEqual({ run: true });
    expect(browserPlan(true, { CI: 'true' })).toEqual({ run: true });
  });

  it('skips loudly on a developer machine without Chromium', () => {
    for (const CI of [undefined, '', 'false', '0']) {
      const plan = browserPlan(false, { CI });
      expect(plan).toMatchObject({ run: false, fail: false });
      expect(!plan.run && plan.reason).toMatch(/SKIPPED.*apt-get install chromium/);
    }
  });

  it('fails in CI without Chromium, naming the missing path', () => {
    for (const CI of ['true', '1']) {
      const plan = browserPlan(false, { CI });
      expect(plan).toMatchObject({ run: false, fail: true });
      expect(!plan.run && plan.reason).toContain(CHROMIUM_PATH);
    }
  });
});
