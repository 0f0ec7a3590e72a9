import { tokenFingerprint } from '../redact.js';
import type { ClaimResult, StoredToken } from './store.js';

interface TokenEntry {
  /** `undefined` remembers that Redis had no token. */
  token: StoredToken | undefined;
  /** When Redis was last read or written for this app; -Infinity once a change makes it stale. */
  syncedAt: number;
}

/**
 * What one replica last knew of the shared state: a short-lived read-through cache while Redis is up,
 * and the whole truth this replica serves from while Redis is down (tokens and holds in process memory).
 * Each notification bumps the app's generation, so a Redis read that was in flight when the change
 * arrived is not cached over it.
 */
export class LocalMirror {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly generations = new Map<string, number>();
  /** Hold key → epoch ms until which it is held. */
  private readonly holds = new Map<string, number>();

  /** The entry if it was synced with Redis less than `ttlMs` ago. */
  fresh(appId: string, now: number, ttlMs: number): TokenEntry | undefined {
    const entry = this.tokens.get(appId);
    return entry && now - entry.syncedAt < ttlMs ? entry : undefined;
  }

  /** The last known token, however old the knowledge (the fallback while Redis is down). */
  last(appId: string): StoredToken | undefined {
    return this.tokens.get(appId)?.token;
  }

  generation(appId: string): number {
    return this.generations.get(appId) ?? 0;
  }

  /** Records what Redis said, unless a change arrived since the read started (`generation` moved on). */
  remember(appId: string, token: StoredToken | undefined, now: number, generation: number): void {
    if (this.generation(appId) === generation) this.tokens.set(appId, { token, syncedAt: now });
  }

  /** Records a write this replica made; it supersedes any read in flight. */
  write(appId: string, token: StoredToken | undefined, now: number): void {
    this.bump(appId);
    this.tokens.set(appId, { token, syncedAt: now });
  }

  /**
   * Another replica changed the app: read Redis next time, keeping the old token only as a fallback,
   * unless it is the one that was invalidated.
   */
  changed(appId: string, invalidatedFingerprint?: string): void {
    this.bump(appId);
    const entry = this.tokens.get(appId);
    if (!entry) return;
    const dropped = entry.token && tokenFingerprint(entry.token.accessToken) === invalidatedFingerprint;
    this.tokens.set(appId, { token: dropped ? undefined : entry.token, syncedAt: Number.NEGATIVE_INFINITY });
  }

  /** Notifications may have been missed (a reconnect): read Redis next time for every app. */
  staleAll(): void {
    for (const appId of this.tokens.keys()) this.changed(appId);
  }

  deleteIfSame(appId: string, accessToken: string, now: number): boolean {
    if (this.tokens.get(appId)?.token?.accessToken !== accessToken) return false;
    this.write(appId, undefined, now);
    return true;
  }

  claim(key: string, ttlMs: number, now: number): ClaimResult {
    const remainingMs = this.heldForMs(key, now);
    if (remainingMs > 0) return { ok: false, remainingMs };
    this.holds.set(key, now + ttlMs);
    return { ok: true };
  }

  hold(key: string, ttlMs: number, now: number): void {
    this.holds.set(key, now + ttlMs);
  }

  heldForMs(key: string, now: number): number {
    const until = this.holds.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.holds.delete(key);
    return 0;
  }

  private bump(appId: string): void {
    this.generations.set(appId, this.generation(appId) + 1);
  }
}
