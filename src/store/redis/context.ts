import type { Logger } from '../../logger.js';
import type { RedisClient } from './connection.js';
import type { RedisKeys } from './keys.js';
import type { LocalMirror } from './local-mirror.js';
import type { StoreNotifications } from './notifications.js';
import type { ResolvedRedisStoresOptions } from './options.js';
import type { StoreScriptCommands } from './scripts.js';
import type { TurnBatch, TurnCalls } from './turn-batch.js';

export type ScriptedRedis = RedisClient & StoreScriptCommands;

/** What the three Redis ports share: one command connection, one subscriber, one local mirror. */
export interface RedisStoresContext {
  readonly options: ResolvedRedisStoresOptions;
  readonly keys: RedisKeys;
  readonly mirror: LocalMirror;
  readonly notifications: StoreNotifications;
  readonly log: Logger;
  /** Values (MGET) read by anyone this turn, in one command per slot: records and tokens of a page together. */
  readonly values: TurnBatch<string | null>;
  /** Milliseconds each hold is still held (PTTL, -2 for none), read by anyone this turn, likewise. */
  readonly ttls: TurnBatch<number>;
  /** Leases taken by anyone this turn (`wxgwStoreAcquireLeases`), in one script per slot. */
  readonly acquires: TurnCalls<readonly (string | number)[], number>;
  /** Credentials written by anyone this turn (`wxgwStoreSetMany`), in one script per slot. */
  readonly writes: TurnCalls<readonly (string | number)[], number>;
  /** Whether the command connection is ready now. */
  up(): boolean;
  now(): number;
  /**
   * The one degraded-mode rule: while Redis is up, run `command` on it; when it is down or the command
   * fails (logged), answer from this replica's memory with `local` (given the failure, if any).
   */
  run<T>(
    operation: string,
    command: (redis: ScriptedRedis) => Promise<T>,
    local: (cause?: unknown) => T,
  ): Promise<T>;
}
