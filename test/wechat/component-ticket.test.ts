import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
    const tickets = new ComponentTickets(new MemoryStores().credentials);
    expect(await tickets.latest(COMPONENT)).toBeUndefined();
    expect(await tickets.save(COMPONENT, 'ticket@2', T0 + 600)).toBe(true);
    expect(await tickets.save(COMPONENT, 'ticket@1', T0)).toBe(false);
    expect(await tickets.latest(COMPONENT)).toEqual({ ticket: 'ticket@2', receivedAt: (T0 + 600) * 1000 });
    expect(await tickets.save(COMPONENT, 'ticket@3', T0 + 1200)).toBe(true);
    expect((await tickets.latest(COMPONENT))?.ticket).toBe('ticket@3');
  });

  it('the same push repeated stores the same ticket', async () => {
    const tickets = new ComponentTickets(new MemoryStores().credentials);
    await tickets.save(COMPONENT, 'ticket@1', T0);
    await tickets.save(COMPONENT, 'ticket@1', T0);
    expect((await tickets.latest(COMPONENT))?.ticket).toBe('ticket@1');
  });

  it('never expires by time', async () => {
    const tickets = new ComponentTickets(new MemoryStores().credentials);
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
      const [ta, tb] = [new ComponentTickets(a.credentials), new ComponentTickets(b.credentials)];
      expect(await ta.save(COMPONENT, 'ticket@2', T0 + 600)).toBe(true);
      expect(await tb.save(COMPONENT, 'ticket@1', T0)).toBe(false);
      expect(await tb.latest(COMPONENT)).toEqual({ ticket: 'ticket@2', receivedAt: (T0 + 600) * 1000 });
    });
  });
});
