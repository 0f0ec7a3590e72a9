import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisKeys } from './redis-options.js';
import type { RedisScriptCommands } from './redis-scripts.js';
import type { StoredEntry } from './store.js';

const entrySchema = z.object({ value: z.string().min(1), expiresAt: z.number(), obtainedAt: z.number() });

export interface RedisEntriesOptions {
  client: Redis & RedisScriptCommands;
  keys: RedisKeys;
  /** Whether the command connection is ready now. */
  isUp: () => boolean;
  now: () => number;
  /** Logs a failed command (the store's own wording). */
  commandFailed: (operation: string, error: unknown) => void;
  log: Logger;
}

/**
 * The per-app entries of `RedisStore` (JS-SDK tickets): one Redis key each until its expiry, read
 * straight from Redis (no notification, no short local copy), and served from this process's memory
 * while Redis is down, like tokens.
 */
export class RedisEntries {
  readonly #options: RedisEntriesOptions;
  readonly #local = new Map<string, StoredEntry>();

  constructor(options: RedisEntriesOptions) {
    this.#options = options;
  }

  async get(appId: string, name: string): Promise<StoredEntry | undefined> {
    const { client, keys, isUp, now, commandFailed, log } = this.#options;
    const key = keys.entry(appId, name);
    if (isUp()) {
      try {
        const raw = await client.get(key);
        if (raw === null) return undefined;
        const parsed = entrySchema.safeParse(JSON.parse(raw));
        if (parsed.success) {
          this.#local.set(key, parsed.data);
          return parsed.data.expiresAt > now() ? parsed.data : undefined;
        }
        log.warn({ appId, entry: name }, 'Ignoring a malformed entry in Redis; it will be fetched anew');
        return undefined;
      } catch (error) {
        commandFailed('getEntry', error);
      }
    }
    const local = this.#local.get(key);
    return local && local.expiresAt > now() ? local : undefined;
  }

  async set(appId: string, name: string, entry: StoredEntry): Promise<void> {
    const { client, keys, isUp, now, commandFailed } = this.#options;
    const key = keys.entry(appId, name);
    this.#local.set(key, { ...entry });
    if (!isUp()) return;
    try {
      await client.set(key, JSON.stringify(entry), 'PX', Math.max(1, Math.ceil(entry.expiresAt - now())));
    } catch (error) {
      commandFailed('setEntry', error);
    }
  }

  async acquireLock(appId: string, name: string, ttlMs: number): Promise<string | undefined> {
    const { client, keys, isUp, commandFailed } = this.#options;
    const refusal = `The shared token store is unreachable, so the fetch lock of ${appId}'s ${name} cannot be taken; retry once it answers.`;
    if (!isUp()) throw new StoreUnavailableError(refusal);
    const owner = randomUUID();
    try {
      return (await client.set(keys.entryLock(appId, name), owner, 'PX', ttlMs, 'NX')) === 'OK'
        ? owner
        : undefined;
    } catch (error) {
      commandFailed('acquireEntryLock', error);
      throw new StoreUnavailableError(refusal, { cause: error });
    }
  }

  async releaseLock(appId: string, name: string, owner: string): Promise<void> {
    const { client, keys, isUp, commandFailed } = this.#options;
    if (!isUp()) return; // The lock expires at its ttl.
    try {
      await client.wxgwReleaseLock(keys.entryLock(appId, name), owner);
    } catch (error) {
      commandFailed('releaseEntryLock', error);
    }
  }
}
