import { setNewest } from '../../bounded-map.js';
import { tokenFingerprint } from '../../redact.js';
import type { ClaimResult, StoredCredential } from '../ports.js';

interface CredentialCopy {
  /** `undefined` remembers that Redis had none. */
  credential: StoredCredential | undefined;
  /** When Redis was last read or written for it; -Infinity once a change makes it stale. */
  syncedAt: number;
}

interface LocalHold {
  until: number;
  note?: string;
}

/**
 * What one replica last knew of the shared state, by credential id: a short-lived read-through copy
 * while Redis is up, and the whole truth this replica serves from while Redis is down (credentials and
 * holds in process memory). Each change bumps the credential's generation, so a Redis read that was in
 * flight when the change arrived is not remembered over it.
 */
export class LocalMirror {
  readonly #credentials = new Map<string, CredentialCopy>();
  readonly #generations = new Map<string, number>();
  /** Hold key → until when (epoch ms) and its note. */
  readonly #holds = new Map<string, LocalHold>();
  /** The bounded ids (`bounded`), least recently used first. */
  readonly #recent = new Map<string, true>();
  readonly #bounded: (id: string) => boolean;
  readonly #capacity: number;
  /** Changes so far (every id's); generations are values of it. */
  #changes = 0;
  /** `#changes` when a bounded copy was last dropped. */
  #droppedAt = 0;

  /**
   * `bounded`: the ids of which at most `capacity` copies are kept, the least recently used dropped
   * (authorizers' credentials: a component may have 100,000). A dropped copy is read from Redis again
   * on its next use. Others are kept for as long as the process runs. @default none bounded
   */
  constructor(options: { bounded?: (id: string) => boolean; capacity?: number } = {}) {
    this.#bounded = options.bounded ?? (() => false);
    this.#capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  }

  /** How many copies are kept (bounded ones included). */
  get size(): number {
    return this.#credentials.size;
  }

  /** The copy if it was synced with Redis less than `ttlMs` ago. */
  fresh(id: string, now: number, ttlMs: number): CredentialCopy | undefined {
    const copy = this.#credentials.get(id);
    if (copy) this.#touch(id);
    return copy && now - copy.syncedAt < ttlMs ? copy : undefined;
  }

  /** The last known credential, however old the knowledge (the fallback while Redis is down). */
  last(id: string): StoredCredential | undefined {
    return this.#credentials.get(id)?.credential;
  }

  /**
   * Where the credential's changes are: a number that moves on with each change (from one counter for
   * all). A dropped id answers the counter's value at the last drop, so a read that began before a
   * change and a drop still finds another number and is not remembered.
   */
  generation(id: string): number {
    return this.#generations.get(id) ?? this.#droppedAt;
  }

  /** Records what Redis said, unless a change arrived since the read started (`generation` moved on). */
  remember(id: string, credential: StoredCredential | undefined, now: number, generation: number): void {
    if (this.generation(id) !== generation) return;
    this.#credentials.set(id, { credential, syncedAt: now });
    this.#touch(id);
  }

  /** Records a write this replica made; it supersedes any read in flight. */
  write(id: string, credential: StoredCredential | undefined, now: number): void {
    this.#bump(id);
    this.#credentials.set(id, { credential, syncedAt: now });
    this.#touch(id);
  }

  /**
   * The credential changed elsewhere: read Redis next time, keeping the old copy only as a fallback,
   * unless it is the one that was invalidated.
   */
  changed(id: string, invalidatedFingerprint?: string): void {
    this.#bump(id);
    const copy = this.#credentials.get(id);
    if (!copy) return;
    const dropped = copy.credential && tokenFingerprint(copy.credential.value) === invalidatedFingerprint;
    this.#credentials.set(id, {
      credential: dropped ? undefined : copy.credential,
      syncedAt: Number.NEGATIVE_INFINITY,
    });
  }

  /** Notifications may have been missed (a reconnect): read Redis next time for every credential. */
  staleAll(): void {
    for (const id of this.#credentials.keys()) this.changed(id);
  }

  deleteIfSame(id: string, value: string, now: number): boolean {
    if (this.#credentials.get(id)?.credential?.value !== value) return false;
    this.write(id, undefined, now);
    return true;
  }

  claim(key: string, ttlMs: number, now: number): ClaimResult {
    const remainingMs = this.heldForMs(key, now);
    if (remainingMs > 0) return { ok: false, remainingMs };
    this.hold(key, ttlMs, now);
    return { ok: true };
  }

  hold(key: string, ttlMs: number, now: number, note?: string): void {
    if (ttlMs > 0) this.#holds.set(key, { until: now + ttlMs, ...(note !== undefined && { note }) });
    else this.#holds.delete(key);
  }

  heldForMs(key: string, now: number): number {
    const hold = this.#live(key, now);
    return hold ? hold.until - now : 0;
  }

  noteOf(key: string, now: number): string | undefined {
    return this.#live(key, now)?.note;
  }

  #live(key: string, now: number): LocalHold | undefined {
    const hold = this.#holds.get(key);
    if (hold && hold.until <= now) {
      this.#holds.delete(key);
      return undefined;
    }
    return hold;
  }

  #bump(id: string): void {
    this.#generations.set(id, ++this.#changes);
    this.#touch(id);
  }

  /**
   * Marks a bounded id as just used and drops the least recently used beyond the capacity: its copy and
   * its generation (`generation` explains why a read in flight is then not remembered over a change).
   */
  #touch(id: string): void {
    if (!this.#bounded(id)) return;
    setNewest(this.#recent, id, true, this.#capacity, (dropped) => {
      this.#credentials.delete(dropped);
      this.#generations.delete(dropped);
      this.#droppedAt = this.#changes;
    });
  }
}
