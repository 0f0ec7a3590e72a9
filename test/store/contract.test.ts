import { randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/redact.js';
import {
  type CredentialEvent,
  type CredentialKey,
  type HoldEvent,
  NEVER_EXPIRES,
  type StoredCredential,
} from '../../src/store/ports.js';
import { commandsDuring as monitorCommands } from '../support/redis-monitor.js';
import { BACKENDS, listen, type RedisAccess, type Replicas } from './backends.js';

/**
 * One contract for every `Stores`: the same tests on memory, a single Redis, Sentinel and Cluster. Time
 * that decides expiry is the injected clock; Redis's own TTLs run on real time, so only the few tests
 * where Redis itself must drop a key wait (`lapse`, tens of milliseconds). Notifications are awaited
 * as events with a bounded timeout, never counted inside a window.
 */

const APP = 'wxcontract0000001';
const OTHER_APP = 'wxcontract0000002';
const TOKEN: CredentialKey = { appId: APP, kind: 'token' };
const TICKET: CredentialKey = { appId: APP, kind: 'ticket:jsapi' };
const OTHER_TOKEN: CredentialKey = { appId: OTHER_APP, kind: 'token' };

/** Shaped like a WeChat credential: a long run of URL-safe characters. */
function secret(): string {
  return randomBytes(48).toString('base64url');
}

function credential(now: number, lifeMs = 7_200_000, fence?: number): StoredCredential {
  return { value: secret(), expiresAt: now + lifeMs, obtainedAt: now, ...(fence !== undefined && { fence }) };
}

const forKey =
  (key: CredentialKey, type?: CredentialEvent['type']) =>
  (event: CredentialEvent): boolean =>
    event.appId === key.appId && event.kind === key.kind && (type === undefined || event.type === type);

/**
 * The commands carrying the test's prefix that every data node received while `run` ran, seen with
 * MONITOR (in order: once each node shows the closing marker, it has shown every command before it).
 */
async function commandsDuring(redis: RedisAccess, run: () => Promise<void>): Promise<string[][]> {
  const commands = await monitorCommands(await redis.dataNodes(), redis.prefix, run);
  // What a script calls shows too, from source `lua`: the script itself is the one command.
  return commands.filter((c) => c.source !== 'lua').map((c) => c.args);
}

describe.each(BACKENDS)('Stores contract on $name', (backend) => {
  describe.skipIf(!backend.available)(backend.name, () => {
    let r: Replicas;

    beforeAll(() => backend.start(), 60_000);
    afterAll(() => backend.stop());
    afterEach(() => backend.closeAll());

    async function open(): Promise<Replicas> {
      r = await backend.open([APP, OTHER_APP]);
      return r;
    }

    describe('credentials', () => {
      it('set, get and getLatest give what was stored, on every replica; nothing stored is undefined', async () => {
        const { a, b, clock } = await open();
        expect(await b.credentials.get(TOKEN)).toBeUndefined();
        const token = credential(clock.now());
        const ticket = credential(clock.now(), 7_200_000, 3);
        expect(await a.credentials.set(TOKEN, token, 'cold')).toBe(true);
        expect(await a.credentials.set(TICKET, ticket, 'cold')).toBe(true);
        expect(await a.credentials.get(TOKEN)).toEqual(token);
        expect(await b.credentials.getLatest(TOKEN)).toEqual(token);
        expect(await b.credentials.getLatest(TICKET)).toEqual(ticket);
        expect(await b.credentials.get(OTHER_TOKEN)).toBeUndefined();
      });

      it('judges expiry by the clock: a credential past expiresAt is none', async () => {
        const { a, b, clock } = await open();
        await a.credentials.set(TOKEN, credential(clock.now(), 60_000), 'cold');
        expect(await b.credentials.get(TOKEN)).toBeDefined();
        clock.advance(60_000);
        expect(await a.credentials.get(TOKEN)).toBeUndefined();
        expect(await b.credentials.get(TOKEN)).toBeUndefined();
        expect(await b.credentials.getLatest(TOKEN)).toBeUndefined();
        expect(await b.credentials.getMany([TOKEN])).toEqual([undefined]);
      });

      it('drops an expired credential from the shared copy, and keeps one that never expires', async () => {
        const { a, b, clock } = await open();
        await a.credentials.set(TOKEN, credential(clock.now(), 40), 'cold');
        const forever = { ...credential(clock.now()), expiresAt: NEVER_EXPIRES };
        await a.credentials.set(TICKET, forever, 'cold');
        await backend.lapse(r, 50);
        expect(await b.credentials.getLatest(TOKEN)).toBeUndefined();
        clock.advance(10 * 365 * 86_400_000);
        expect(await b.credentials.getLatest(TICKET)).toEqual(forever);
        if (r.redis) expect(await r.redis.client.pttl(`${r.redis.prefix}{${APP}}:ticket:jsapi`)).toBe(-1);
      });

      it('refuses a write fenced below the newest lease, and keeps a stored higher fence', async () => {
        const { a, b, clock } = await open();
        const first = await a.leases.acquire(TOKEN, 5000);
        expect(first).toBeDefined();
        await a.leases.release(TOKEN, first?.owner ?? '');
        const second = await b.leases.acquire(TOKEN, 5000);
        expect(second?.fence).toBeGreaterThan(first?.fence ?? Number.POSITIVE_INFINITY);
        const newer = credential(clock.now(), 7_200_000, second?.fence);
        expect(await b.credentials.set(TOKEN, newer, 'cold')).toBe(true);
        // The first holder paused past its lease: its write is refused and leaves the newer one.
        expect(
          await a.credentials.set(TOKEN, credential(clock.now(), 7_200_000, first?.fence), 'margin'),
        ).toBe(false);
        expect(await a.credentials.get(TOKEN)).toEqual(newer);

        // A stored credential's fence counts even above every lease issued.
        const high = credential(clock.now(), 7_200_000, (second?.fence ?? 0) + 10);
        expect(await a.credentials.set(TICKET, high, 'cold')).toBe(true);
        expect(
          await b.credentials.set(
            TICKET,
            credential(clock.now(), 7_200_000, (second?.fence ?? 0) + 9),
            'cold',
          ),
        ).toBe(false);
        expect(await b.credentials.getLatest(TICKET)).toEqual(high);
        // An equal fence is the same holder writing again; no fence is a write made without a lease.
        const again = { ...high, value: secret() };
        expect(await b.credentials.set(TICKET, again, 'forced')).toBe(true);
        const unfenced = credential(clock.now());
        expect(await b.credentials.set(TICKET, unfenced, 'forced')).toBe(true);
        expect(await a.credentials.getLatest(TICKET)).toEqual(unfenced);
      });

      it('deleteIfSame deletes only the value it names, announcing it', async () => {
        const { a, b, clock } = await open();
        const stored = credential(clock.now());
        await a.credentials.set(TOKEN, stored, 'cold');
        expect(await b.credentials.get(TOKEN)).toEqual(stored);
        const heard = listen<CredentialEvent>((listener) => b.credentials.subscribe(listener));
        expect(await a.credentials.deleteIfSame(TOKEN, secret())).toBe(false);
        expect(await a.credentials.getLatest(TOKEN)).toEqual(stored);
        expect(await a.credentials.deleteIfSame(TOKEN, stored.value)).toBe(true);
        const event = await heard.until(forKey(TOKEN, 'invalidated'));
        expect(event).toEqual({
          type: 'invalidated',
          appId: APP,
          kind: 'token',
          fingerprint: tokenFingerprint(stored.value),
        });
        expect(await b.credentials.get(TOKEN)).toBeUndefined();
        expect(await a.credentials.deleteIfSame(TOKEN, stored.value)).toBe(false);
      });

      it('announces each change to every replica once, with its kind, and drops their copies', async () => {
        const { a, b, clock } = await open();
        const onA = listen<CredentialEvent>((listener) => a.credentials.subscribe(listener));
        const onB = listen<CredentialEvent>((listener) => b.credentials.subscribe(listener));
        expect(await b.credentials.get(TICKET)).toBeUndefined();
        const ticket = credential(clock.now(), 7_200_000);
        await a.credentials.set(TICKET, ticket, 'cold');
        const event = await onB.until(forKey(TICKET));
        expect(event).toEqual({
          type: 'updated',
          appId: APP,
          kind: 'ticket:jsapi',
          fingerprint: tokenFingerprint(ticket.value),
          expiresAt: ticket.expiresAt,
          reason: 'cold',
        });
        expect(JSON.stringify(event)).not.toContain(ticket.value);
        // The notification dropped b's copy of "none".
        expect(await b.credentials.get(TICKET)).toEqual(ticket);

        // The app's channel is ordered: once b's change reaches a, a's own echo has come and gone.
        const token = credential(clock.now());
        await b.credentials.set(TOKEN, token, 'forced');
        await onA.until(forKey(TOKEN));
        expect(onA.heard.map(({ kind, type }) => `${kind} ${type}`)).toEqual([
          'ticket:jsapi updated',
          'token updated',
        ]);
        await onB.until(forKey(TOKEN));
        expect(onB.heard).toHaveLength(2);
        onA.off();
        onB.off();
      });

      it('getMany answers in the order asked, undefined for what is missing or expired', async () => {
        const { a, b, clock } = await open();
        const token = credential(clock.now());
        const other = credential(clock.now(), 1000);
        await a.credentials.set(TOKEN, token, 'cold');
        await a.credentials.set(OTHER_TOKEN, other, 'cold');
        expect(await b.credentials.getMany([])).toEqual([]);
        expect(await b.credentials.getMany([OTHER_TOKEN, TICKET, TOKEN, OTHER_TOKEN])).toEqual([
          other,
          undefined,
          token,
          other,
        ]);
        clock.advance(1000);
        expect(await a.credentials.getMany([TOKEN, OTHER_TOKEN])).toEqual([token, undefined]);
      });

      it('getMany reads the credentials of many apps, spread over slots, in one round trip', async () => {
        const { a, b, clock } = await open();
        const keys = Array.from({ length: 60 }, (_, i) => ({
          appId: `wxmany${String(i).padStart(11, '0')}`,
          kind: 'token',
        }));
        const values = keys.map(() => credential(clock.now()));
        await Promise.all(
          keys.map((key, i) =>
            i % 3 === 1 ? undefined : a.credentials.set(key, values[i] as StoredCredential, 'cold'),
          ),
        );
        const expected = values.map((value, i) => (i % 3 === 1 ? undefined : value));
        const redis = r.redis;
        if (!redis) {
          expect(await b.credentials.getMany(keys)).toEqual(expected);
          return;
        }
        const seen = await commandsDuring(redis, async () => {
          expect(await b.credentials.getMany(keys)).toEqual(expected);
        });
        const nodes = await redis.dataNodes();
        const slots = new Set(keys.map((key) => calculateSlot(`${redis.prefix}{${key.appId}}:token`)));
        const mgets = seen.filter(([command]) => command?.toLowerCase() === 'mget');
        expect(seen.filter(([command]) => command?.toLowerCase() === 'get')).toEqual([]);
        if (nodes.length === 1) {
          expect(mgets).toHaveLength(1);
        } else {
          // A Cluster refuses a multi-key command across slots: one MGET per slot, sent together.
          expect(slots.size).toBeGreaterThan(nodes.length);
          expect(mgets).toHaveLength(slots.size);
          for (const [, ...mgetKeys] of mgets)
            expect(new Set(mgetKeys.map((key) => calculateSlot(key))).size).toBe(1);
        }
      });
    });

    it('takes the leases and writes the credentials of many apps asked in one turn in one script per slot, each with its own outcome', async () => {
      const { a, b, clock } = await open();
      const apps = Array.from({ length: 40 }, (_, i) => `wxturn${String(i).padStart(11, '0')}`);
      const turn = async (kind: string) => {
        const keys = apps.map((appId) => ({ appId, kind }));
        // Every third app's lease is already held elsewhere: its acquire in the batch is refused.
        const taken = await Promise.all(
          keys.map((key, i) => (i % 3 === 0 ? b.leases.acquire(key, 10_000) : undefined)),
        );
        const run = async () => {
          const leases = await Promise.all(keys.map((key) => a.leases.acquire(key, 10_000)));
          // The holders write and release together; the refused apps write with a fence below the
          // holder's and name an owner that holds nothing: refused, the holder's lease kept.
          const written = await Promise.all(
            keys.map((key, i) => {
              const lease = leases[i] ?? { owner: 'not-the-holder', fence: (taken[i]?.fence ?? 1) - 1 };
              return a.credentials.set(
                key,
                credential(clock.now(), 7_200_000, lease.fence),
                'cold',
                lease.owner,
              );
            }),
          );
          expect(leases.map((lease) => lease !== undefined)).toEqual(keys.map((_, i) => i % 3 !== 0));
          expect(written).toEqual(keys.map((_, i) => i % 3 !== 0));
          const held = await Promise.all(keys.map((key) => b.leases.heldForMs(key)));
          expect(held.map((ms) => ms > 0)).toEqual(keys.map((_, i) => i % 3 === 0));
        };
        return { keys, run };
      };
      const redis = r.redis;
      if (!redis) return (await turn('token')).run();
      // A first turn (another kind, the same slots) loads the scripts on every node and follows the apps.
      await (await turn('ticket:jsapi')).run();
      const { keys, run } = await turn('token');
      const seen = await commandsDuring(redis, run);
      const slots = new Set(keys.map((key) => calculateSlot(`${redis.prefix}{${key.appId}}:token`))).size;
      const single = (await redis.dataNodes()).length === 1;
      // One script for the acquires and one for the writes (each per slot in a Cluster), then the reads.
      const scripts = seen.filter(([command]) => command?.toLowerCase() === 'evalsha');
      expect(scripts).toHaveLength(single ? 2 : 2 * slots);
      expect(seen.filter(([command]) => command?.toLowerCase() === 'eval')).toEqual([]);
    });

    it('lets exactly one of many concurrent callers take a lease, a claim or a deletion', async () => {
      const { a, b, clock } = await open();
      const racers = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? a : b));
      const leases = await Promise.all(racers(20).map((stores) => stores.leases.acquire(TOKEN, 10_000)));
      expect(leases.filter((lease) => lease !== undefined)).toHaveLength(1);
      const claims = await Promise.all(
        racers(20).map((stores) => stores.holds.claim(`cooldown:${APP}`, 10_000)),
      );
      expect(claims.filter((claim) => claim.ok)).toHaveLength(1);
      const stored = credential(clock.now());
      await a.credentials.set(TICKET, stored, 'cold');
      const deletions = await Promise.all(
        racers(20).map((stores) => stores.credentials.deleteIfSame(TICKET, stored.value)),
      );
      expect(deletions.filter(Boolean)).toHaveLength(1);
    });

    describe('leases', () => {
      it('are exclusive, renewed and released by their owner only', async () => {
        const { a, b } = await open();
        const lease = await a.leases.acquire(TOKEN, 10_000);
        expect(lease).toMatchObject({ owner: expect.any(String), fence: expect.any(Number) });
        expect(await b.leases.acquire(TOKEN, 10_000)).toBeUndefined();
        expect(await a.leases.acquire(TOKEN, 10_000)).toBeUndefined();
        const held = await b.leases.heldForMs(TOKEN);
        expect(held).toBeGreaterThan(0);
        expect(held).toBeLessThanOrEqual(10_000);
        // Another kind of the same app has its own lease.
        expect(await b.leases.acquire(TICKET, 10_000)).toBeDefined();

        expect(await b.leases.renew(TOKEN, 'someone-else', 20_000)).toBe(false);
        expect(await a.leases.renew(TOKEN, lease?.owner ?? '', 20_000)).toBe(true);
        expect(await b.leases.heldForMs(TOKEN)).toBeGreaterThan(10_000);

        await b.leases.release(TOKEN, 'someone-else');
        expect(await b.leases.acquire(TOKEN, 10_000)).toBeUndefined();
        await a.leases.release(TOKEN, lease?.owner ?? '');
        expect(await b.leases.heldForMs(TOKEN)).toBe(0);
        const next = await b.leases.acquire(TOKEN, 10_000);
        expect(next?.fence).toBeGreaterThan(lease?.fence ?? Number.POSITIVE_INFINITY);
        expect(await a.leases.heldForMs(OTHER_TOKEN)).toBe(0);
      });

      it("a write releases its holder's lease in the same step, stored or refused, and no one else's", async () => {
        const { a, b, clock } = await open();
        const first = await a.leases.acquire(TOKEN, 10_000);
        const stored = credential(clock.now(), 7_200_000, first?.fence);
        // Another owner named: the write is stored, the lease stays its holder's.
        expect(await a.credentials.set(TOKEN, stored, 'cold', 'someone-else')).toBe(true);
        expect(await b.leases.acquire(TOKEN, 10_000)).toBeUndefined();
        expect(await a.credentials.set(TOKEN, stored, 'cold', first?.owner)).toBe(true);
        expect(await b.leases.heldForMs(TOKEN)).toBe(0);
        expect(await b.credentials.getLatest(TOKEN)).toEqual(stored);

        // A holder whose write is fenced (a newer one stored meanwhile) still releases its own lease.
        const second = await b.leases.acquire(TOKEN, 10_000);
        const newer = credential(clock.now(), 7_200_000, (second?.fence ?? 0) + 1);
        expect(await a.credentials.set(TOKEN, newer, 'forced')).toBe(true);
        const refused = credential(clock.now(), 7_200_000, second?.fence);
        expect(await b.credentials.set(TOKEN, refused, 'margin', second?.owner)).toBe(false);
        expect(await a.leases.heldForMs(TOKEN)).toBe(0);
        expect(await a.credentials.getLatest(TOKEN)).toEqual(newer);
      });

      it('a lapsed lease is taken over with a higher fence, and its holder can neither renew nor write', async () => {
        const { a, b, clock } = await open();
        const lapsed = await a.leases.acquire(TOKEN, 30);
        await backend.lapse(r, 40);
        expect(await b.leases.heldForMs(TOKEN)).toBe(0);
        const taken = await b.leases.acquire(TOKEN, 10_000);
        expect(taken?.fence).toBeGreaterThan(lapsed?.fence ?? Number.POSITIVE_INFINITY);
        expect(await a.leases.renew(TOKEN, lapsed?.owner ?? '', 10_000)).toBe(false);
        expect(
          await a.credentials.set(TOKEN, credential(clock.now(), 7_200_000, lapsed?.fence), 'margin'),
        ).toBe(false);
        const fresh = credential(clock.now(), 7_200_000, taken?.fence);
        expect(await b.credentials.set(TOKEN, fresh, 'margin')).toBe(true);
        expect(await a.credentials.get(TOKEN)).toEqual(fresh);
      });
    });

    describe('authorizers', () => {
      it('pages by appId (after, first, state), counts by state, and reads many at once', async () => {
        const { a, b } = await open();
        const states = ['AUTHORIZED', 'UNAUTHORIZED', 'REFRESH_TOKEN_INVALID'] as const;
        const records = Array.from({ length: 25 }, (_, i) => ({
          appId: `wx${String(i).padStart(16, '0')}`,
          state: states[i % 3] ?? 'AUTHORIZED',
          ...(i % 3 !== 1 && { refreshToken: `refresh@${i}` }),
          permissions: [i],
        }));
        for (const record of [...records].reverse()) await a.authorizers.put(APP, record);
        const ids = (page: { records: { appId: string }[] }) => page.records.map((record) => record.appId);
        const all = records.map((record) => record.appId);
        expect(ids(await b.authorizers.page(APP, { first: 10 }))).toEqual(all.slice(0, 10));
        expect((await b.authorizers.page(APP, { first: 10 })).hasNextPage).toBe(true);
        const last = await b.authorizers.page(APP, { first: 10, after: all[19] as string });
        expect(ids(last)).toEqual(all.slice(20));
        expect(last.hasNextPage).toBe(false);
        expect((await b.authorizers.page(APP, { first: 25 })).hasNextPage).toBe(false);
        const revoked = await b.authorizers.page(APP, {
          first: 3,
          state: 'UNAUTHORIZED',
          after: all[1] as string,
        });
        expect(ids(revoked)).toEqual([all[4], all[7], all[10]]);
        expect(revoked.records[0]).toEqual(records[4]);
        expect(revoked.hasNextPage).toBe(true);
        expect(await b.authorizers.counts(APP)).toEqual({
          AUTHORIZED: 9,
          UNAUTHORIZED: 8,
          REFRESH_TOKEN_INVALID: 8,
        });
        expect(await b.authorizers.counts(OTHER_APP)).toEqual({
          AUTHORIZED: 0,
          UNAUTHORIZED: 0,
          REFRESH_TOKEN_INVALID: 0,
        });
        expect(
          await b.authorizers.getMany(APP, [all[3] as string, 'wxffffffffffffffff', all[0] as string]),
        ).toEqual([records[3], undefined, records[0]]);
        // A state change moves the authorizer between states' pages and counts.
        await b.authorizers.put(APP, { ...records[0], state: 'UNAUTHORIZED', permissions: [] } as never);
        expect(await a.authorizers.counts(APP)).toEqual({
          AUTHORIZED: 8,
          UNAUTHORIZED: 9,
          REFRESH_TOKEN_INVALID: 8,
        });
        expect(ids(await a.authorizers.page(APP, { first: 1, state: 'UNAUTHORIZED' }))).toEqual([all[0]]);
        expect(ids(await a.authorizers.page(APP, { first: 1, state: 'AUTHORIZED' }))).toEqual([all[3]]);
      });

      it('are shared by replicas, replaced whole, listed by appId, and never expire', async () => {
        const { a, b } = await open();
        expect(await a.authorizers.get(APP, 'wxb2b2b2b2b2b2b2b2')).toBeUndefined();
        expect(await a.authorizers.list(APP)).toEqual([]);
        const second = {
          appId: 'wxb2b2b2b2b2b2b2b2',
          state: 'AUTHORIZED' as const,
          refreshToken: 'refresh@2',
          authorizedAt: 2,
          permissions: [1],
        };
        const first = {
          appId: 'wxa1a1a1a1a1a1a1a1',
          state: 'AUTHORIZED' as const,
          refreshToken: 'refresh@1',
          authorizedAt: 1,
          permissions: [],
        };
        await a.authorizers.put(APP, second);
        await b.authorizers.put(APP, first);
        expect(await b.authorizers.get(APP, second.appId)).toEqual(second);
        expect((await a.authorizers.list(APP)).map((r) => r.appId)).toEqual([first.appId, second.appId]);
        const revoked = { appId: second.appId, state: 'UNAUTHORIZED' as const, permissions: [] };
        await b.authorizers.put(APP, revoked);
        expect(await a.authorizers.get(APP, second.appId)).toEqual(revoked);
        expect(await a.authorizers.list(OTHER_APP)).toEqual([]);
        await backend.lapse(r, 365 * 24 * 3_600_000);
        expect(await a.authorizers.get(APP, first.appId)).toEqual(first);
      });
    });

    describe('holds', () => {
      it('heldForMsMany answers many holds in the order asked: the apps’ marks, then the holding apps’ keys, one command per slot each', async () => {
        const { a, b } = await open();
        const keys = Array.from(
          { length: 60 },
          (_, i) => `circuit:wxmany${String(i).padStart(11, '0')}:daily-quota:/cgi-bin/x`,
        );
        await Promise.all(keys.map((key, i) => (i % 3 === 0 ? a.holds.hold(key, 60_000) : undefined)));
        const check = (held: number[]) => {
          expect(held).toHaveLength(keys.length);
          held.forEach((ms, i) => {
            if (i % 3 === 0) expect(ms).toBeGreaterThan(50_000);
            else expect(ms).toBe(0);
          });
        };
        const redis = r.redis;
        if (!redis) return check(await b.holds.heldForMsMany(keys));
        check(await b.holds.heldForMsMany(keys)); // loads the script on every node
        const seen = await commandsDuring(redis, async () => check(await b.holds.heldForMsMany(keys)));
        const slotsOf = (of: string[]) =>
          new Set(of.map((key) => calculateSlot(`${redis.prefix}{${key.split(':')[1]}}`))).size;
        const single = (await redis.dataNodes()).length === 1;
        const holding = keys.filter((_, i) => i % 3 === 0);
        expect(seen.map(([command]) => command?.toLowerCase())).toEqual(
          Array.from({ length: single ? 2 : slotsOf(keys) + slotsOf(holding) }, () => 'evalsha'),
        );
        // Apps that hold nothing cost their marks only.
        const idle = keys.filter((_, i) => i % 3 !== 0);
        const marksOnly = await commandsDuring(redis, async () =>
          expect(await b.holds.heldForMsMany(idle)).toEqual(idle.map(() => 0)),
        );
        expect(marksOnly).toHaveLength(single ? 1 : slotsOf(idle));
      });

      it('a claim is exclusive until it lapses, and says how long is left', async () => {
        const { a, b } = await open();
        expect(await a.holds.claim(`cooldown:${APP}`, 10_000)).toEqual({ ok: true });
        const refused = await b.holds.claim(`cooldown:${APP}`, 10_000);
        expect(refused.ok).toBe(false);
        if (!refused.ok) {
          expect(refused.remainingMs).toBeGreaterThan(0);
          expect(refused.remainingMs).toBeLessThanOrEqual(10_000);
        }
        expect((await a.holds.claim(`cooldown:${APP}`, 10_000)).ok).toBe(false);
        // A zero claim holds nothing, but a running hold still refuses it.
        expect(await a.holds.claim(`cooldown:${OTHER_APP}`, 0)).toEqual({ ok: true });
        expect(await b.holds.heldForMs(`cooldown:${OTHER_APP}`)).toBe(0);
        expect((await b.holds.claim(`cooldown:${APP}`, 0)).ok).toBe(false);
        expect(await b.holds.noteOf(`cooldown:${APP}`)).toBeUndefined();

        expect(await a.holds.claim(`clear-quota:${APP}`, 30)).toEqual({ ok: true });
        await backend.lapse(r, 40);
        expect(await b.holds.claim(`clear-quota:${APP}`, 10_000)).toEqual({ ok: true });
      });

      it('hold sets a hold whatever its state, with an optional note; hold 0 releases it', async () => {
        const { a, b } = await open();
        const key = `negative:${APP}`;
        await a.holds.hold(key, 10_000, 'invalid appsecret (40125)');
        expect(await b.holds.heldForMs(key)).toBeGreaterThan(0);
        expect(await b.holds.noteOf(key)).toBe('invalid appsecret (40125)');
        expect((await b.holds.claim(key, 1000)).ok).toBe(false);
        await b.holds.hold(key, 20_000);
        expect(await a.holds.heldForMs(key)).toBeGreaterThan(10_000);
        expect(await a.holds.noteOf(key)).toBeUndefined();
        await a.holds.hold(key, 0);
        expect(await b.holds.heldForMs(key)).toBe(0);
        expect(await b.holds.noteOf(key)).toBeUndefined();
        expect(await b.holds.claim(key, 1000)).toEqual({ ok: true });

        await a.holds.hold(`circuit:${APP}:api`, 30, 'quota');
        await backend.lapse(r, 40);
        expect(await b.holds.heldForMs(`circuit:${APP}:api`)).toBe(0);
        expect(await b.holds.noteOf(`circuit:${APP}:api`)).toBeUndefined();
      });

      it('watch hears every replica’s holds once', async () => {
        const { a, b } = await open();
        const onA = listen<HoldEvent>((listener) => a.holds.watch(listener));
        const onB = listen<HoldEvent>((listener) => b.holds.watch(listener));
        const held = (key: string) => (event: HoldEvent) => event.type === 'held' && event.key === key;
        await a.holds.hold(`circuit:${APP}:api`, 5000);
        expect(await onB.until(held(`circuit:${APP}:api`))).toEqual({
          type: 'held',
          key: `circuit:${APP}:api`,
          ttlMs: 5000,
        });
        await b.holds.hold(`circuit:${APP}:api`, 0);
        expect(await onA.until((event) => event.type === 'held' && event.ttlMs === 0)).toEqual({
          type: 'held',
          key: `circuit:${APP}:api`,
          ttlMs: 0,
        });
        const helds = (events: HoldEvent[]) => events.filter((event) => event.type === 'held');
        expect(helds(onA.heard)).toHaveLength(2);
        await onB.until((event) => event.type === 'held' && event.ttlMs === 0);
        expect(helds(onB.heard)).toHaveLength(2);
      });
    });

    describe.skipIf(backend.name === 'memory')('Redis wire and keys', () => {
      it('spreads a component’s authorizers over slots: a key per authorizer in its own slot, a sharded index', async () => {
        const { a } = await open();
        const redis = r.redis;
        if (!redis) throw new Error('a Redis backend has a client');
        const appIds = Array.from(
          { length: 40 },
          (_, i) => `wx${(0xb000 + i).toString(16).padStart(16, '0')}`,
        );
        for (const appId of appIds)
          await a.authorizers.put(APP, {
            appId,
            state: 'AUTHORIZED',
            refreshToken: `refresh@${appId}`,
            permissions: [],
          });
        for (const appId of appIds) {
          // The record sits in the authorizer's slot (beside its tokens), durable.
          const key = `${redis.prefix}{${appId}}:authorizer:${APP}`;
          expect(JSON.parse((await redis.client.get(key)) ?? '{}').refreshToken).toBe(`refresh@${appId}`);
          expect(await redis.client.pttl(key)).toBe(-1);
        }
        const indexSlots = new Set(
          Array.from({ length: 16 }, (_, shard) =>
            calculateSlot(`${redis.prefix}{${APP}:authorizers:${shard}}:AUTHORIZED`),
          ),
        );
        expect(indexSlots.size).toBe(16);
        expect(new Set(appIds.map((appId) => calculateSlot(`{${appId}}`))).size).toBe(appIds.length);
        expect(await redis.client.exists(`${redis.prefix}{${APP}}:authorizers`)).toBe(0);
        const page = await a.authorizers.page(APP, { first: 30 });
        expect(page.records.map((record) => record.appId)).toEqual(appIds.slice(0, 30));
        expect(page.totalCount).toBe(40);
      });

      it('moves the previous layout (one hash per component) to a key per authorizer, losing no refresh token', async () => {
        const { a, b } = await open();
        const redis = r.redis;
        if (!redis) throw new Error('a Redis backend has a client');
        const legacy = `${redis.prefix}{${APP}}:authorizers`;
        const record = (appId: string, refreshToken?: string, state = 'AUTHORIZED') => ({
          appId,
          state,
          ...(refreshToken && { refreshToken }),
          authorizedAt: 1,
          permissions: [1],
        });
        const old = [
          record('wxa1a1a1a1a1a1a1a1', 'refresh@a'),
          record('wxb2b2b2b2b2b2b2b2', undefined, 'UNAUTHORIZED'),
          record('wxc3c3c3c3c3c3c3c3', 'refresh@c'),
        ];
        await redis.client.hset(legacy, Object.fromEntries(old.map((r) => [r.appId, JSON.stringify(r)])));
        // Replica a uses the component first: it moves every record, then the hash is gone.
        expect((await a.authorizers.page(APP, { first: 10 })).records).toEqual(old);
        expect(await redis.client.exists(legacy)).toBe(0);
        expect(await b.authorizers.counts(APP)).toEqual({
          AUTHORIZED: 2,
          UNAUTHORIZED: 1,
          REFRESH_TOKEN_INVALID: 0,
        });
        expect(await b.authorizers.get(APP, 'wxc3c3c3c3c3c3c3c3')).toEqual(old[2]);
        // A replica of the previous version still running records a new authorizer in the hash: a
        // read that finds no record under the new layout finds it there, and moves it.
        const late = record('wxd4d4d4d4d4d4d4d4', 'refresh@d');
        await redis.client.hset(legacy, late.appId, JSON.stringify(late));
        expect(await a.authorizers.get(APP, late.appId)).toEqual(late);
        expect(await redis.client.exists(legacy)).toBe(0);
        expect((await b.authorizers.list(APP)).map((r) => r.appId)).toEqual([
          ...old.map((r) => r.appId),
          late.appId,
        ]);
      });

      it('keeps the keys of the previous version for tokens, and the entry names for other kinds', async () => {
        const { a, clock } = await open();
        const redis = r.redis;
        if (!redis) throw new Error('a Redis backend has a client');
        const lease = await a.leases.acquire(TOKEN, 10_000);
        await a.credentials.set(TOKEN, credential(clock.now(), 60_000, lease?.fence), 'cold');
        await a.leases.acquire(TICKET, 10_000);
        await a.credentials.set(TICKET, credential(clock.now(), 60_000), 'cold');
        await a.holds.hold(`circuit:${APP}:api`, 10_000);
        const app = `${redis.prefix}{${APP}}`;
        const names = ['token', 'lock', 'fence', 'ticket:jsapi', 'lock:ticket:jsapi', 'fence:ticket:jsapi'];
        for (const name of [...names, `hold:circuit:${APP}:api`]) {
          // Every key is named by appId, kind and purpose, and expires.
          expect(await redis.client.pttl(`${app}:${name}`), name).toBeGreaterThan(0);
        }
        // Replicas of the previous version read a token's `accessToken`.
        const stored = JSON.parse((await redis.client.get(`${app}:token`)) ?? '{}');
        expect(stored.accessToken).toBe(stored.value);
        expect(stored.fence).toBe(lease?.fence);
      });

      it('reads the previous version’s {accessToken} JSON and kind-less notifications as tokens', async () => {
        const { a, b, clock } = await open();
        const redis = r.redis;
        if (!redis) throw new Error('a Redis backend has a client');
        const heard = listen<CredentialEvent>((listener) => b.credentials.subscribe(listener));
        const accessToken = secret();
        const old = { accessToken, expiresAt: clock.now() + 60_000, obtainedAt: clock.now() };
        await redis.client.set(`${redis.prefix}{${APP}}:token`, JSON.stringify(old), 'PX', 60_000);
        expect(await a.credentials.getLatest(TOKEN)).toEqual({
          value: accessToken,
          expiresAt: old.expiresAt,
          obtainedAt: old.obtainedAt,
        });
        const fingerprint = tokenFingerprint(accessToken);
        await redis.client.spublish(
          `${redis.prefix}{${APP}}:events`,
          JSON.stringify({
            origin: 'previous-version',
            event: { type: 'updated', appId: APP, fingerprint, expiresAt: old.expiresAt, reason: 'cold' },
          }),
        );
        expect(await heard.until(forKey(TOKEN))).toMatchObject({ kind: 'token', fingerprint });
        expect(await b.credentials.deleteIfSame(TOKEN, accessToken)).toBe(true);
        expect(await a.credentials.getLatest(TOKEN)).toBeUndefined();
      });

      it('get serves the local copy a change made behind the stores’ back has not dropped; getLatest reads past it', async () => {
        const { a, clock } = await open();
        const redis = r.redis;
        if (!redis) throw new Error('a Redis backend has a client');
        const first = credential(clock.now());
        await a.credentials.set(TOKEN, first, 'cold');
        const edited = credential(clock.now());
        await redis.client.set(`${redis.prefix}{${APP}}:token`, JSON.stringify(edited), 'PX', 60_000);
        expect(await a.credentials.get(TOKEN)).toEqual(first);
        expect(await a.credentials.getLatest(TOKEN)).toEqual(edited);
        expect(await a.credentials.get(TOKEN)).toEqual(edited);
      });
    });
  });
});
