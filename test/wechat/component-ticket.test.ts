import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import {
  ComponentTickets,
  PUSH_RESTART_GAP_MS,
  shouldRestartPush,
  TICKET_STALE_MS,
  ticketState,
} from '../../src/wechat/component-ticket.js';
import { BACKENDS } from '../store/backends.js';

const COMPONENT = 'wx0123456789abcdef';
const T0 = 1_700_000_000;

describe('component verify ticket storage', () => {
  it('keeps the newest ticket: an older push (replayed or late) changes nothing', async () => {
    const tickets = new ComponentTickets(new MemoryStores().credentials, new Redactor());
    expect(await tickets.latest(COMPONENT)).toBeUndefined();
    expect(await tickets.save(COMPONENT, 'ticket@2', T0 + 600)).toBe(true);
    expect(await tickets.save(COMPONENT, 'ticket@1', T0)).toBe(false);
    expect(await tickets.latest(COMPONENT)).toEqual({ ticket: 'ticket@2', receivedAt: (T0 + 600) * 1000 });
    expect(await tickets.save(COMPONENT, 'ticket@3', T0 + 1200)).toBe(true);
    expect((await tickets.latest(COMPONENT))?.ticket).toBe('ticket@3');
  });

  it('the same push repeated stores the same ticket', async () => {
    const tickets = new ComponentTickets(new MemoryStores().credentials, new Redactor());
    await tickets.save(COMPONENT, 'ticket@1', T0);
    await tickets.save(COMPONENT, 'ticket@1', T0);
    expect((await tickets.latest(COMPONENT))?.ticket).toBe('ticket@1');
  });

  it('teaches redaction every ticket it handles: pushed here, or read after another replica stored it', async () => {
    const stores = new MemoryStores();
    const [here, there] = [new Redactor(), new Redactor()];
    const pushed = 'ticket@@@Kq3vZ8mWt1xR5bN0cYh7LdP2sJf9GuA4eT6iQoV-wXkM3nB_8rCyHzE1pD5aF7gS0jU2lO4';
    await new ComponentTickets(stores.credentials, here).save(COMPONENT, pushed, T0);
    const echo = `errmsg hint: ${pushed.slice(10, 60)}`;
    expect(here.redact(echo)).not.toContain(pushed.slice(10, 30));
    // The other replica's redactor knows it once its tickets read it (the component token needs it).
    expect(there.redact(echo)).toContain(pushed.slice(10, 30));
    await new ComponentTickets(stores.credentials, there).latest(COMPONENT);
    expect(there.redact(echo)).not.toContain(pushed.slice(10, 30));
  });

  it('never expires by time', async () => {
    const tickets = new ComponentTickets(new MemoryStores().credentials, new Redactor());
    await tickets.save(COMPONENT, 'ticket@1', 1);
    expect((await tickets.latest(COMPONENT))?.ticket).toBe('ticket@1');
  });
});

describe('push restart decision', () => {
  const now = T0 * 1000;
  it.each([
    [undefined, 'MISSING'],
    [{ receivedAt: now - TICKET_STALE_MS - 1 }, 'STALE'],
    [{ receivedAt: now - TICKET_STALE_MS }, 'FRESH'],
    [{ receivedAt: now }, 'FRESH'],
  ] as const)('%o is %s', (ticket, state) => {
    expect(ticketState(ticket, now)).toBe(state);
  });

  it.each([
    ['FRESH', undefined, false],
    ['MISSING', undefined, true],
    ['STALE', now - PUSH_RESTART_GAP_MS, true],
    ['STALE', now - PUSH_RESTART_GAP_MS + 1, false],
    ['MISSING', now - 1000, false],
  ] as const)('%s, last restart %s: restart %s', (state, last, expected) => {
    expect(shouldRestartPush(state, last, now)).toBe(expected);
  });
});

describe.each(BACKENDS.slice(0, 2))('the ticket shared by replicas on $name', (backend) => {
  describe.skipIf(!backend.available)(backend.name, () => {
    beforeAll(() => backend.start(), 60_000);
    afterAll(() => backend.stop());
    afterEach(() => backend.closeAll());

    it('a ticket saved by one replica is read by the other; an older one from either is refused', async () => {
      const { a, b } = await backend.open([COMPONENT]);
      const [ta, tb] = [
        new ComponentTickets(a.credentials, new Redactor()),
        new ComponentTickets(b.credentials, new Redactor()),
      ];
      expect(await ta.save(COMPONENT, 'ticket@2', T0 + 600)).toBe(true);
      expect(await tb.save(COMPONENT, 'ticket@1', T0)).toBe(false);
      expect(await tb.latest(COMPONENT)).toEqual({ ticket: 'ticket@2', receivedAt: (T0 + 600) * 1000 });
    });
  });
});
