import { afterEach, describe, expect, it } from 'vitest';
import { ComponentManager } from '../../src/credentials/component-manager.js';
import { renewsAhead } from '../../src/credentials/renewal.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { COMPONENT, MERCHANT } from '../support/component.js';
import { type ComponentOnFakeTime, componentOnFakeTime } from './component-on-fake-time.js';

const HOUR = 3_600_000;

describe('renewsAhead (issue 28 item 2: renew ahead only what was used recently)', () => {
  const cases: {
    name: string;
    lastUsedAt: number | undefined;
    now: number;
    within: number | undefined;
    renews: boolean;
  }[] = [
    {
      name: 'followed for good (eager kinds)',
      lastUsedAt: undefined,
      now: 100 * HOUR,
      within: 24 * HOUR,
      renews: true,
    },
    { name: 'no window set', lastUsedAt: 0, now: 100 * HOUR, within: undefined, renews: true },
    { name: 'used just now', lastUsedAt: 10 * HOUR, now: 10 * HOUR, within: 24 * HOUR, renews: true },
    { name: 'used exactly the window ago', lastUsedAt: 0, now: 24 * HOUR, within: 24 * HOUR, renews: true },
    {
      name: 'used a moment more than the window ago',
      lastUsedAt: 0,
      now: 24 * HOUR + 1,
      within: 24 * HOUR,
      renews: false,
    },
    { name: 'used long ago', lastUsedAt: 0, now: 240 * HOUR, within: 24 * HOUR, renews: false },
  ];
  it.each(cases)('$name: $renews', ({ lastUsedAt, now, within, renews }) => {
    expect(renewsAhead(lastUsedAt, now, within)).toBe(renews);
  });
});

const OTHER = 'wxb2b2b2b2b2b2b2b2';
const opened: { world: ComponentOnFakeTime; manager: ComponentManager }[] = [];
afterEach(async () => {
  for (const { world, manager } of opened.splice(0)) {
    await manager.stop();
    await world.close();
  }
});

describe('authorizer tokens renewed ahead only while used within the window', () => {
  it('keeps renewing a used authorizer, stops renewing an unused one, and obtains it again on its next use', async () => {
    const calls = new Map<string, number>();
    const world = await componentOnFakeTime((appId) => calls.set(appId, (calls.get(appId) ?? 0) + 1));
    const { clock, sandbox, api: counted } = world;
    const manager = new ComponentManager({
      components: [COMPONENT],
      stores: new MemoryStores({ clock }),
      api: counted,
      clock,
      random: () => 0,
      logger: captureLogs().logger,
      renewIfUsedWithinHours: 3,
    });
    opened.push({ world, manager });
    const deliver = (push: ComponentPush) => world.deliver(manager, push);
    const pushTicket = () => world.pushTicket(manager);
    /** Time passes an hour at a time, WeChat pushing its verify ticket meanwhile (every 10 minutes on WeChat). */
    const passHours = async (hours: number, eachHour: () => Promise<unknown> = async () => undefined) => {
      for (let hour = 0; hour < hours; hour++) {
        await clock.advance(HOUR);
        await pushTicket();
        await eachHour();
        await clock.advance(0);
      }
    };
    await pushTicket();
    for (const appId of [MERCHANT, OTHER])
      await deliver(sandbox.component.authorize(COMPONENT.appId, appId, clock.now()).push);
    manager.start();
    for (const appId of [MERCHANT, OTHER]) await manager.authorizerToken(COMPONENT.appId, appId);
    calls.clear();

    // MERCHANT is used every hour for 12 hours; OTHER never again.
    await passHours(12, () => manager.authorizerToken(COMPONENT.appId, MERCHANT));
    // 2-hour tokens renewed ahead: about six renewals of MERCHANT, none waited for.
    expect(calls.get(MERCHANT)).toBeGreaterThanOrEqual(5);
    // OTHER was renewed while its one use was within 3 hours, then no more.
    const otherRenewals = calls.get(OTHER) ?? 0;
    expect(otherRenewals).toBeLessThanOrEqual(2);
    expect(otherRenewals).toBeGreaterThanOrEqual(1);
    expect((await manager.authorizerTokenStatus(COMPONENT.appId, OTHER)).state).toBe('MISSING');
    await passHours(12);
    expect(calls.get(OTHER) ?? 0).toBe(otherRenewals);

    // Its next use obtains it again, and it is renewed ahead again from then on.
    await manager.authorizerToken(COMPONENT.appId, OTHER);
    expect(calls.get(OTHER)).toBe(otherRenewals + 1);
    await passHours(2);
    expect(calls.get(OTHER)).toBe(otherRenewals + 2);
  });
});
