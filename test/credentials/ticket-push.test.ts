import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TicketPushKeeper } from '../../src/credentials/ticket-push.js';
import { Redactor } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { HoldStore } from '../../src/store/ports.js';
import type { ComponentSecrets } from '../../src/wechat/component-api.js';
import { ComponentTickets, PUSH_RESTART_GAP_MS, TICKET_STALE_MS } from '../../src/wechat/component-ticket.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { FakeClock } from '../credentials/fake-clock.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { BACKENDS } from '../store/backends.js';
import { COMPONENT } from '../support/component.js';

const MINUTE = 60_000;

function fakeApi() {
  const calls: ComponentSecrets[] = [];
  let failWith: Error | undefined;
  return {
    calls,
    failNext(error: Error) {
      failWith = error;
    },
    async startPushTicket(component: ComponentSecrets) {
      calls.push(component);
      const error = failWith;
      failWith = undefined;
      if (error) throw error;
    },
  };
}

function keeper(options: {
  clock: FakeClock;
  holds: HoldStore;
  tickets: ComponentTickets;
  api: ReturnType<typeof fakeApi>;
  logger?: ReturnType<typeof captureLogs>['logger'];
}) {
  return new TicketPushKeeper({
    components: [COMPONENT],
    tickets: options.tickets,
    holds: options.holds,
    api: options.api,
    clock: options.clock,
    logger: options.logger ?? captureLogs().logger,
  });
}

describe('the verify-ticket push keeper', () => {
  function setup() {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const tickets = new ComponentTickets(stores.credentials, new Redactor());
    const api = fakeApi();
    const logs = captureLogs();
    // Two replicas over one store: their claims meet in it.
    const a = keeper({ clock, holds: stores.holds, tickets, api, logger: logs.logger });
    const b = keeper({ clock, holds: stores.holds, tickets, api });
    return { clock, tickets, api, logs, a, b };
  }

  it('with no ticket, restarts the push once across replicas and again only after 10 minutes', async () => {
    const s = setup();
    expect(await Promise.all([s.a.check(COMPONENT.appId), s.b.check(COMPONENT.appId)])).toEqual(
      expect.arrayContaining(['restarted', 'spaced']),
    );
    expect(s.api.calls).toEqual([
      { componentAppId: COMPONENT.appId, componentAppSecret: COMPONENT.appSecret },
    ]);
    await s.clock.advance(PUSH_RESTART_GAP_MS - 1);
    expect(await s.a.check(COMPONENT.appId)).toBe('spaced');
    expect(await s.b.check(COMPONENT.appId)).toBe('spaced');
    expect(s.api.calls).toHaveLength(1);
    await s.clock.advance(1);
    expect(await s.b.check(COMPONENT.appId)).toBe('restarted');
    expect(s.api.calls).toHaveLength(2);
  });

  it('leaves a fresh ticket alone and restarts once it is older than 20 minutes', async () => {
    const s = setup();
    await s.tickets.save(COMPONENT.appId, 'ticket@@@fresh', Math.floor(s.clock.now() / 1000));
    expect(await s.a.check(COMPONENT.appId)).toBe('fresh');
    await s.clock.advance(TICKET_STALE_MS);
    expect(await s.a.check(COMPONENT.appId)).toBe('fresh');
    await s.clock.advance(1000);
    expect(await s.a.check(COMPONENT.appId)).toBe('restarted');
    expect(s.api.calls).toHaveLength(1);
  });

  it('says so in the log, without the secret, and reports the state without the ticket', async () => {
    const s = setup();
    await s.a.check(COMPONENT.appId);
    const line = s.logs.lines.find((l) => String(l.msg).includes('api_start_push_ticket'));
    expect(line).toMatchObject({ component: COMPONENT.appId, reason: 'no verify ticket yet' });
    expect(s.logs.raw()).not.toContain(COMPONENT.appSecret);
    const status = await s.a.status(COMPONENT.appId);
    expect(status).toEqual({
      componentAppId: COMPONENT.appId,
      state: 'MISSING',
      pushRestartedAt: new Date(s.clock.now()),
    });
    await s.tickets.save(COMPONENT.appId, 'ticket@@@secret-value', Math.floor(s.clock.now() / 1000) - 90);
    const later = await s.a.status(COMPONENT.appId);
    expect(later).toMatchObject({ state: 'FRESH', ageSeconds: 90 });
    expect(JSON.stringify(later)).not.toContain('secret-value');
  });

  it('a failed restart is logged with its code and not retried inside the gap', async () => {
    const s = setup();
    s.api.failNext(
      new WeChatError({
        errcode: 61004,
        errmsg: 'access clientip is not registered',
        endpoint: 'x',
        kind: 'api',
        platform: 'openPlatform',
      }),
    );
    expect(await s.a.check(COMPONENT.appId)).toBe('failed');
    expect((await s.a.status(COMPONENT.appId)).lastRestartError).toBe('WECHAT_IP_NOT_WHITELISTED');
    expect(await s.a.check(COMPONENT.appId)).toBe('spaced');
    expect(s.api.calls).toHaveLength(1);
    expect(s.logs.lines.some((l) => l.code === 'WECHAT_IP_NOT_WHITELISTED')).toBe(true);
  });

  it('start() checks at once and then every minute on the injected clock; stop() ends it', async () => {
    const s = setup();
    s.a.start();
    await s.clock.advance(0);
    expect(s.api.calls).toHaveLength(1);
    await s.clock.advance(9 * MINUTE);
    expect(s.api.calls).toHaveLength(1);
    await s.clock.advance(MINUTE);
    expect(s.api.calls).toHaveLength(2);
    s.a.stop();
    await s.clock.advance(30 * MINUTE);
    expect(s.api.calls).toHaveLength(2);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('an unexpected failure is reported as INTERNAL_SERVER_ERROR, its text left in the log only', async () => {
    const s = setup();
    s.api.failNext(new Error('boom'));
    expect(await s.a.check(COMPONENT.appId)).toBe('failed');
    expect((await s.a.status(COMPONENT.appId)).lastRestartError).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe.each(BACKENDS.slice(0, 2))('push restarts shared by replicas on $name', (backend) => {
  describe.skipIf(!backend.available)(backend.name, () => {
    beforeAll(() => backend.start(), 60_000);
    afterAll(() => backend.stop());
    afterEach(() => backend.closeAll());

    it('20 checks over two replicas at once → one api_start_push_ticket; after the gap, one more', async () => {
      const replicas = await backend.open([COMPONENT.appId]);
      const clock = new FakeClock(replicas.clock.now());
      const api = fakeApi();
      const [a, b] = [replicas.a, replicas.b].map((stores) =>
        keeper({
          clock,
          holds: stores.holds,
          tickets: new ComponentTickets(stores.credentials, new Redactor()),
          api,
        }),
      ) as [TicketPushKeeper, TicketPushKeeper];
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).check(COMPONENT.appId)));
      expect(api.calls).toHaveLength(1);
      await backend.lapse(replicas, PUSH_RESTART_GAP_MS);
      await clock.advance(PUSH_RESTART_GAP_MS);
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).check(COMPONENT.appId)));
      expect(api.calls).toHaveLength(2);
    });
  });
});
