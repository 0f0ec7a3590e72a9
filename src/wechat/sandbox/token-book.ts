import { randomToken } from './random.js';

/**
 * `classic` tokens come from `/cgi-bin/token`, `stable` ones from `/cgi-bin/stable_token`; WeChat keeps
 * them apart. `component` tokens are a third-party platform's own, `authorizer` ones a platform's for
 * an account that authorized it (independent of the account's own tokens); `wecom` ones a WeCom app's.
 */
export type TokenSlot = 'classic' | 'stable' | 'component' | 'authorizer' | 'wecom';

interface TokenRecord {
  appId: string;
  slot: TokenSlot;
  expiresAt: number;
  /** When the token stops working although not expired (rotated out); absent while current. */
  diesAt?: number;
}

export type TokenCheck =
  | { ok: true; appId: string; slot: TokenSlot }
  | { ok: false; reason: 'invalid' | 'expired' };

/** Every token the sandbox ever issued, and which one is current per app and slot. Times are epoch ms. */
export class TokenBook {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly current = new Map<string, string>();

  /** Issues a new current token; the previous one of the slot dies after `overlapMs` (0: at once). */
  issue(appId: string, slot: TokenSlot, now: number, lifetimeMs: number, overlapMs: number): string {
    this.retire(appId, slot, now + overlapMs);
    const token = randomToken();
    this.tokens.set(token, { appId, slot, expiresAt: now + lifetimeMs });
    this.current.set(key(appId, slot), token);
    return token;
  }

  /** The slot's current token while it is still usable, with its expiry. */
  currentToken(
    appId: string,
    slot: TokenSlot,
    now: number,
  ): { token: string; expiresAt: number } | undefined {
    const token = this.current.get(key(appId, slot));
    const record = token === undefined ? undefined : this.tokens.get(token);
    if (token === undefined || record === undefined || record.expiresAt <= now) return undefined;
    return { token, expiresAt: record.expiresAt };
  }

  check(token: string, now: number): TokenCheck {
    const record = this.tokens.get(token);
    if (!record || (record.diesAt !== undefined && record.diesAt <= now))
      return { ok: false, reason: 'invalid' };
    if (record.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, appId: record.appId, slot: record.slot };
  }

  /** The slot a token was issued in, valid or not. */
  slotOf(token: string): TokenSlot | undefined {
    return this.tokens.get(token)?.slot;
  }

  /** The app a token was issued to, valid or not (WeChat still knows whose a stale token was). */
  ownerOf(token: string): string | undefined {
    return this.tokens.get(token)?.appId;
  }

  /** As if another process had rotated the token: the current tokens of the app fail 40001 at once. */
  rotateOut(appId: string, now: number): void {
    for (const slot of SLOTS) this.retire(appId, slot, now);
  }

  /** The slot's current token stops working now (a revoked authorization). */
  revoke(appId: string, slot: TokenSlot, now: number): void {
    this.retire(appId, slot, now);
  }

  /** The current tokens of the app expire now (answer 42001). */
  expireNow(appId: string, now: number): void {
    for (const slot of SLOTS) {
      const token = this.current.get(key(appId, slot));
      const record = token === undefined ? undefined : this.tokens.get(token);
      if (record) record.expiresAt = Math.min(record.expiresAt, now);
    }
  }

  clear(): void {
    this.tokens.clear();
    this.current.clear();
  }

  private retire(appId: string, slot: TokenSlot, diesAt: number): void {
    const token = this.current.get(key(appId, slot));
    const record = token === undefined ? undefined : this.tokens.get(token);
    if (record) record.diesAt = Math.min(record.diesAt ?? Number.POSITIVE_INFINITY, diesAt);
    this.current.delete(key(appId, slot));
  }
}

const SLOTS: readonly TokenSlot[] = ['classic', 'stable', 'component', 'authorizer', 'wecom'];

function key(appId: string, slot: TokenSlot): string {
  return `${slot}:${appId}`;
}
