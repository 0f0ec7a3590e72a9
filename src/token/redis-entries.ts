import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../store/redis/connection.js';
import type { RedisKeys } from './redis-options.js';
import type { RedisScriptCommands } from './redis-scripts.js';
import type { StoredEntry } from './store.js';

type ScriptedRedis = RedisClient & RedisScriptCommands;

const entrySchema = z.object({ value: z.string().min(1), expiresAt: z.number(), obtainedAt: z.number() });

export interface RedisEntriesOptions {
  /** The store's way to run a command: Redis when up, `local` when down or failing (logged once). */
  redis: <T>(
    operation: string,
    command: (redis: ScriptedRedis) => Promise<T>,
    local: (cause?: unknown) => T,
  ) => Promise<T>;
  /** Whether the command connection is ready now. */
  up: () => boolean;
  keys: RedisKeys;
  now: () => number;
  log: Logger;
}

/**
 * The per-app entries of `RedisStore` (JS-SDK tickets): one key each in the app's hash slot until its
 * expiry, read straight from Redis (no notification, no short local copy), and served from this
 * process's memory while Redis is down, like tokens.
 */
export class RedisEntries {
  readonly #options: RedisEntriesOptions;
  readonly #local = new Map<string, StoredEntry>();

  constructor(options: RedisEntriesOptions) {
    this.#options = options;
  }

  get(appId: string, name: string): Promise<StoredEntry | undefined> {
    const { redis, keys, now, log } = this.#options;
    const key = keys.entry(appId, name);
    const local = () => {
      const entry = this.#local.get(key);
      return entry && entry.expiresAt > now() ? entry : undefined;
    };
    return redis(
      'getEntry',
      async (client) => {
        const raw = await client.get(key);
        if (raw === null) return undefined;
        const parsed = entrySchema.safeParse(JSON.parse(raw));
        if (!parsed.success) {
          log.warn({ appId, entry: name }, 'Ignoring a malformed entry in Redis; it will be fetched anew');
          return undefined;
        }
        this.#local.set(key, parsed.data);
        return parsed.data.expiresAt > now() ? parsed.data : undefined;
      },
      local,
    );
  }

  async set(appId: string, name: string, entry: StoredEntry): Promise<void> {
    const { redis, keys, now } = this.#options;
    const key = keys.entry(appId, name);
    this.#local.set(key, { ...entry });
    const ttlMs = Math.max(1, Math.ceil(entry.expiresAt - now()));
    await redis(
      'setEntry',
      async (client) => {
        await client.set(key, JSON.stringify(entry), 'PX', ttlMs);
      },
      () => undefined,
    );
  }

  async acquireLock(appId: string, name: string, ttlMs: number): Promise<string | undefined> {
    const { redis, up, keys } = this.#options;
    const refusal = `The shared token store is unreachable, so the fetch lock of ${appId}'s ${name} cannot be taken; retry once it answers.`;
    if (!up()) throw new StoreUnavailableError(refusal);
    const owner = randomUUID();
    return redis(
      'acquireEntryLock',
      async (client) =>
        (await client.set(keys.entryLock(appId, name), owner, 'PX', ttlMs, 'NX')) === 'OK'
          ? owner
          : undefined,
      (cause) => {
        throw new StoreUnavailableError(refusal, { cause });
      },
    );
  }

  async releaseLock(appId: string, name: string, owner: string): Promise<void> {
    const { redis, keys } = this.#options;
    // While Redis is down the lock expires at its ttl.
    await redis(
      'releaseEntryLock',
      async (client) => {
        await client.wxgwReleaseLock(keys.entryLock(appId, name), owner);
      },
      () => undefined,
    );
  }
}
