import type { ScriptDefinition } from '../store/redis/connection.js';

/**
 * Lua scripts run by `RedisStore`: each state change is one script, so another replica never observes
 * half of it (a token set without its notification, a lock released by someone who lost it).
 * Each script touches the keys of one app and announces on the app's sharded channel (SPUBLISH), passed
 * as ARGV; keys and channel share the app's hash tag, so in a Redis Cluster each script runs on one node.
 */

export const REDIS_SCRIPTS = {
  /** KEYS: token. ARGV: value, ttl ms, channel, notification. Stores the token and announces it. */
  wxgwSetAndPublish: {
    numberOfKeys: 1,
    lua: `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return 1`,
  },
  /**
   * KEYS: token. ARGV: access token, channel, notification. Deletes the token only while it is still the
   * given one, announcing the deletion; 1 when deleted, 0 otherwise.
   */
  wxgwDeleteIfSame: {
    numberOfKeys: 1,
    lua: `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, stored = pcall(cjson.decode, raw)
if not ok or type(stored) ~= 'table' or stored.accessToken ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SPUBLISH', ARGV[2], ARGV[3])
return 1`,
  },
  /** KEYS: lock. ARGV: owner. Compare-and-delete: only the holder releases; 1 when released. */
  wxgwReleaseLock: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  /** KEYS: hold. ARGV: ttl ms. 0 when claimed now; otherwise the milliseconds the holder has left. */
  wxgwClaim: {
    numberOfKeys: 1,
    lua: `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
return math.max(redis.call('PTTL', KEYS[1]), 1)`,
  },
  /**
   * KEYS: token, fence. ARGV: value, ttl ms, channel, notification, fence. Stores and announces the
   * token unless a newer lease was issued or a newer token stored (both by fence); 1 when stored.
   * Both keys carry the app's hash tag.
   */
  wxgwSetIfNewer: {
    numberOfKeys: 2,
    lua: `
local fence = tonumber(ARGV[5])
local newest = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, stored = pcall(cjson.decode, raw)
  if ok and type(stored) == 'table' and type(stored.fence) == 'number' and stored.fence > newest then
    newest = stored.fence
  end
end
if fence < newest then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return 1`,
  },
  /**
   * KEYS: lock, fence. ARGV: owner, lease ms, fence ttl ms. Takes the lock for the lease and returns
   * the app's next fencing number; 0 when someone else holds it.
   */
  wxgwAcquireLease: {
    numberOfKeys: 2,
    lua: `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return fence`,
  },
  /** KEYS: lock. ARGV: owner, lease ms. Extends the lease only for its holder; 1 when renewed. */
  wxgwRenewLease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
  },
} as const satisfies Record<string, ScriptDefinition>;

/** The client methods `defineCommand` adds for `REDIS_SCRIPTS`. */
export interface RedisScriptCommands {
  wxgwSetAndPublish(
    key: string,
    value: string,
    ttlMs: number,
    channel: string,
    message: string,
  ): Promise<number>;
  wxgwDeleteIfSame(key: string, accessToken: string, channel: string, message: string): Promise<number>;
  wxgwReleaseLock(key: string, owner: string): Promise<number>;
  wxgwClaim(key: string, ttlMs: number): Promise<number>;
  wxgwSetIfNewer(
    key: string,
    fenceKey: string,
    value: string,
    ttlMs: number,
    channel: string,
    message: string,
    fence: number,
  ): Promise<number>;
  wxgwAcquireLease(
    key: string,
    fenceKey: string,
    owner: string,
    leaseMs: number,
    fenceTtlMs: number,
  ): Promise<number>;
  wxgwRenewLease(key: string, owner: string, leaseMs: number): Promise<number>;
}
