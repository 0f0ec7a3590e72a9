import type { Clock } from '../clock.js';
import type { HoldStore } from '../store/ports.js';
import { type EndpointKind, WeChatError } from '../wechat/errors.js';
import { CircuitBoard } from './circuit-board.js';
import { type QuotaReaction, quotaWindowMs, retryAfterSeconds } from './quota-window.js';

const ERRCODE: Record<QuotaReaction, number> = { 'daily-quota': 45009, 'minute-quota': 45011 };

const REACTIONS: readonly QuotaReaction[] = ['daily-quota', 'minute-quota'];

/**
 * Quota circuits per (appId, endpoint), held in the store so every replica stops calling once one of
 * them hears 45009/45011. One key per quota kind, so a replica that did not see the error still
 * reports the right errcode.
 */
export class QuotaCircuits {
  /** What `openForMs` answers from: kept in process, never read per request. */
  private readonly board: CircuitBoard;

  constructor(
    private readonly holds: HoldStore,
    private readonly clock: Clock,
  ) {
    this.board = new CircuitBoard({ holds, clock });
  }

  /** Stops following the store's holds. */
  close(): void {
    this.board.close();
  }

  /** Opens the circuit for the error's window and returns the error carrying `retryAfterSeconds`. */
  async open(
    appId: string,
    endpoint: string,
    reaction: QuotaReaction,
    error: WeChatError,
  ): Promise<WeChatError> {
    const windowMs = quotaWindowMs(reaction, this.clock.now());
    const key = circuitKey(appId, endpoint, reaction);
    this.board.record(key, windowMs);
    await this.holds.hold(key, windowMs);
    return error.withRetryAfter(retryAfterSeconds(windowMs));
  }

  /** Throws the quota error without calling WeChat while the circuit is open. */
  async check(appId: string, endpoint: string, kind: EndpointKind): Promise<void> {
    for (const [reaction, remainingMs] of await this.#remaining(appId, endpoint)) {
      if (remainingMs <= 0) continue;
      throw new WeChatError({
        errcode: ERRCODE[reaction],
        errmsg: 'quota circuit open after an earlier answer; no call was made until the window passes',
        endpoint,
        kind,
        retryAfterSeconds: retryAfterSeconds(remainingMs),
      });
    }
  }

  /**
   * Closes the daily-quota (45009) circuits of `endpoints` after WeChat's quota was cleared, for
   * every replica (they read the same store). Returns the endpoints whose circuit was open.
   */
  async closeDaily(appId: string, endpoints: Iterable<string>): Promise<string[]> {
    const keys = [...new Set(endpoints)].map((endpoint) => ({
      endpoint,
      key: circuitKey(appId, endpoint, 'daily-quota'),
    }));
    const held = await Promise.all(keys.map(({ key }) => this.holds.heldForMs(key)));
    // Held for no time is free (the memory and Redis stores alike).
    for (const { key } of keys) this.board.record(key, 0);
    await Promise.all(keys.map(({ key }) => this.holds.hold(key, 0)));
    return keys.filter((_, i) => (held[i] ?? 0) > 0).map(({ endpoint }) => endpoint);
  }

  /**
   * Milliseconds until every circuit among `endpoints` is closed again; 0 when none is open. Answered
   * from this replica's board (an app's circuits are read from the store once, then followed through
   * its hold announcements), so it costs no store command per call.
   */
  openForMs(appId: string, endpoints: () => Iterable<string>): Promise<number> {
    return this.openForMsMany([{ appId, endpoints }]).then(([ms]) => ms ?? 0);
  }

  /** `openForMs` of many apps, in the order asked: the apps never read are read in one batch. */
  openForMsMany(apps: readonly { appId: string; endpoints: () => Iterable<string> }[]): Promise<number[]> {
    return this.board.heldForMsMany(
      apps.map(({ appId, endpoints }) => ({
        appId,
        keys: () =>
          [...endpoints()].flatMap((endpoint) =>
            REACTIONS.map((reaction) => circuitKey(appId, endpoint, reaction)),
          ),
      })),
    );
  }

  /** Every open circuit among `endpoints`, with its kind and time left. */
  async listOpen(
    appId: string,
    endpoints: Iterable<string>,
  ): Promise<{ endpoint: string; reaction: QuotaReaction; remainingMs: number }[]> {
    const unique = [...new Set(endpoints)];
    const all = await Promise.all(unique.map((endpoint) => this.#remaining(appId, endpoint)));
    return unique.flatMap((endpoint, i) =>
      (all[i] ?? [])
        .filter(([, ms]) => ms > 0)
        .map(([reaction, remainingMs]) => ({ endpoint, reaction, remainingMs })),
    );
  }

  /** The store's answer (check is authoritative: it decides whether WeChat is called). */
  async #remaining(appId: string, endpoint: string): Promise<[QuotaReaction, number][]> {
    const held = await Promise.all(
      REACTIONS.map(async (reaction) => {
        const key = circuitKey(appId, endpoint, reaction);
        const ms = await this.holds.heldForMs(key);
        this.board.record(key, ms);
        return ms;
      }),
    );
    return REACTIONS.map((reaction, i) => [reaction, held[i] ?? 0]);
  }
}

function circuitKey(appId: string, endpoint: string, reaction: QuotaReaction): string {
  // `<purpose>:<appId>:…`, as the stores expect of hold keys (RedisStores tags them by the appId).
  return `circuit:${appId}:${reaction}:${endpoint}`;
}
