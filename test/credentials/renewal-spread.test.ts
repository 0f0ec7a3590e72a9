import { afterEach, describe, expect, it } from 'vitest';
import { ComponentManager } from '../../src/credentials/component-manager.js';
import { keyHash, spreadRefreshDelayMs } from '../../src/credentials/schedule.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { COMPONENT_API_PATHS } from '../../src/wechat/component-api.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { COMPONENT } from '../support/component.js';
import { type ComponentOnFakeTime, componentOnFakeTime } from './component-on-fake-time.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW = 10 * MINUTE;

describe('spreadRefreshDelayMs (issue 28 item 2: renewals spread evenly, the same on every replica)', () => {
  const key = 'wx0123456789abcdef\nauthorizer-token:wxc0c0c0c0c0c0c0c0';
  const phase = keyHash(key) % WINDOW;
  const due = 1_000 * WINDOW + 123_456;
  /** The key's instant in the window ending at `due`. */
  const slot = due - ((((due - phase) % WINDOW) + WINDOW) % WINDOW);
  const cases: { name: string; now: number; window: number; delay: number }[] = [
    {
      name: 'long before: at its own instant of the window',
      now: due - HOUR,
      window: WINDOW,
      delay: slot - (due - HOUR),
    },
    { name: 'exactly at its instant: now', now: slot, window: WINDOW, delay: 0 },
    {
      name: 'its instant passed, due ahead: its share of the time left',
      now: slot + 1,
      window: WINDOW,
      delay: Math.floor(((due - slot - 1) * phase) / WINDOW),
    },
    { name: 'due passed: at once', now: due + 5, window: WINDOW, delay: 0 },
    { name: 'no window: at the due time', now: due - HOUR, window: 0, delay: HOUR },
  ];
  it.each(cases)('$name', ({ now, window, delay }) => {
    expect(spreadRefreshDelayMs(key, due, window, now)).toBe(delay);
  });

  it('falls inside the window, and is the same for the same key and due time whatever the replica', () => {
    for (let i = 0; i < 1000; i++) {
      const k = `wx${i.toString(16).padStart(16, '0')}\nauthorizer-token:c`;
      const delay = spreadRefreshDelayMs(k, due, WINDOW, due - HOUR);
      expect(delay).toBeGreaterThan(HOUR - WINDOW);
      expect(delay).toBeLessThanOrEqual(HOUR);
      expect(spreadRefreshDelayMs(k, due, WINDOW, due - HOUR)).toBe(delay);
    }
  });

  it('spreads 10,000 keys due together evenly over the window (each tenth within 20 % of its share)', () => {
    const tenths = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const k = `wx5ca1e${i.toString(16).padStart(11, '0')}\nauthorizer-token:wxc0c0c0c0c0c0c0c0`;
      const at = due - HOUR + spreadRefreshDelayMs(k, due, WINDOW, due - HOUR);
      const tenth = Math.min(9, Math.floor(((at - (due - WINDOW)) / WINDOW) * 10));
      tenths[tenth] = (tenths[tenth] ?? 0) + 1;
    }
    for (const count of tenths) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('keeps a key at its phase from one renewal to the next (renewed at its instant, due a lifetime later)', () => {
    let at = due - HOUR + spreadRefreshDelayMs(key, due, WINDOW, due - HOUR);
    for (let cycle = 0; cycle < 20; cycle++) {
      const nextDue = at + 2 * HOUR - 5 * MINUTE;
      const next = at + spreadRefreshDelayMs(key, nextDue, WINDOW, at);
      expect((((next - at) % WINDOW) + WINDOW) % WINDOW).toBe(0);
      at = next;
    }
  });
});

const opened: { world: ComponentOnFakeTime; managers: ComponentManager[] }[] = [];
afterEach(async () => {
  for (const { world, managers } of opened.splice(0)) {
    for (const manager of managers) await manager.stop();
    await world.close();
  }
});

describe('authorizer renewals spread over the window, at most OPEN_PLATFORM_MAX_CONCURRENT_CALLS at once', () => {
  it('200 authorizers obtained together: at most 4 calls in flight at the sandbox, renewals spread over 10 minutes, a restarted replica calls nothing and keeps the same instants', async () => {
    const calls: number[] = [];
    const world = await componentOnFakeTime((_, now) => calls.push(now));
    const { clock, sandbox, api: counted } = world;
    const stores = new MemoryStores({ clock });
    const newManager = () =>
      new ComponentManager({
        components: [COMPONENT],
        stores,
        api: counted,
        clock,
        random: () => 0,
        logger: captureLogs().logger,
        maxConcurrentCalls: 4,
      });
    const first = newManager();
    const context = { world, managers: [first] };
    opened.push(context);
    const pushTicket = () => world.pushTicket(first);
    await pushTicket();
    const appIds = sandbox.addAuthorizers(COMPONENT.appId, 200);
    expect(await first.recoverAuthorizers(COMPONENT.appId)).toEqual({ total: 200, recovered: 200 });
    first.start();
    sandbox.setFault({ kind: 'latency', endpoint: COMPONENT_API_PATHS.authorizerToken, ms: 20 });
    sandbox.resetConcurrency();

    const t0 = clock.now();
    await Promise.all(appIds.map((appId) => first.authorizerToken(COMPONENT.appId, appId)));
    expect(calls).toHaveLength(200);
    // The bound, counted where the calls land: 200 asked at once, never more than 4 answered at once.
    expect(sandbox.concurrency().peak[COMPONENT_API_PATHS.authorizerToken]).toBe(4);
    sandbox.clearFaults();
    calls.length = 0;

    // Two hours pass (tickets pushed every 10 minutes): every token is renewed once, inside the
    // 10 minutes before its margin, spread over them rather than in one burst (random jitter: 30 s).
    for (let step = 0; step < 12; step++) {
      await clock.advance(10 * MINUTE);
      await pushTicket();
    }
    expect(calls).toHaveLength(200);
    const byMinute = new Map<number, number>();
    for (const at of calls) {
      expect(at).toBeGreaterThanOrEqual(t0 + 2 * HOUR - 5 * MINUTE - WINDOW);
      expect(at).toBeLessThanOrEqual(t0 + 2 * HOUR - 5 * MINUTE + 1000);
      const minute = Math.floor((at - t0) / MINUTE);
      byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
    }
    expect(byMinute.size).toBeGreaterThanOrEqual(10);
    expect(Math.max(...byMinute.values())).toBeLessThanOrEqual(40);

    // The replica restarts with the store kept: its next renewals are the ones it had planned, and
    // using every authorizer again costs no call.
    const planned = appIds.map((appId) => {
      const { engine, key } = first.authorizerCredential(COMPONENT.appId, appId);
      return engine.nextRenewalAt(key);
    });
    expect(planned.every((at) => at !== undefined)).toBe(true);
    await first.stop();
    context.managers = [];
    const second = newManager();
    context.managers.push(second);
    second.start();
    calls.length = 0;
    await Promise.all(appIds.map((appId) => second.authorizerToken(COMPONENT.appId, appId)));
    await clock.advance(0);
    expect(calls).toHaveLength(0);
    const replanned = appIds.map((appId) => {
      const { engine, key } = second.authorizerCredential(COMPONENT.appId, appId);
      return engine.nextRenewalAt(key);
    });
    expect(replanned).toEqual(planned);
  });
});
