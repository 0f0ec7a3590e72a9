import type { ScriptDefinition } from './connection.js';

/**
 * Lua scripts run by `RedisStores`: each state change is one script, so another replica never observes
 * half of it (a credential set without its notification, a lease released by someone who lost it).
 * Each change touches the keys of one app and announces on the app's sharded channel (SPUBLISH), passed
 * as ARGV; keys and channel share the app's hash tag, so in a Redis Cluster each script runs on one node.
 * The leases and writes of one turn go as one script (`TurnCalls`: the apps of one slot in a Cluster),
 * each change in it exactly the change it would be alone.
 */

/** The fence of the credential stored in `key` (0 when none), in Lua. */
const STORED_FENCE = `
local function storedFence(key)
  local raw = redis.call('GET', key)
  if not raw then return 0 end
  local ok, stored = pcall(cjson.decode, raw)
  if ok and type(stored) == 'table' and type(stored.fence) == 'number' then return stored.fence end
  return 0
end`;

/**
 * The one release of a lease, in Lua: compare-and-delete of the lease `key` by its `owner` (only the
 * holder releases it); 1 when released. An owner '' holds nothing.
 */
const RELEASE_LEASE = `
local function releaseLease(key, owner)
  if owner ~= '' and redis.call('GET', key) == owner then return redis.call('DEL', key) end
  return 0
end`;

export const STORE_SCRIPTS = {
  /**
   * Any number of writes, each KEYS: credential, fence, lease and ARGV: value, ttl ms (0: no expiry),
   * channel, notification, fence ('': none), lease owner ('': none) (the writes of one turn, one slot).
   * Each stores and announces its credential unless it is fenced and a newer lease was issued or a
   * newer credential stored (both by fence): 1 when stored, 0 when not. Stored or not, the owner's
   * lease is released in the same step, so no holder finds it free before the value is in.
   */
  wxgwStoreSetMany: {
    lua: `${STORED_FENCE}
${RELEASE_LEASE}
local function set(key, fenceKey, leaseKey, value, ttlMs, channel, message, fence, owner)
  if fence ~= '' then
    local newest = math.max(tonumber(redis.call('GET', fenceKey) or '0') or 0, storedFence(key))
    if tonumber(fence) < newest then
      releaseLease(leaseKey, owner)
      return 0
    end
  end
  if tonumber(ttlMs) > 0 then
    redis.call('SET', key, value, 'PX', ttlMs)
  else
    redis.call('SET', key, value)
  end
  redis.call('SPUBLISH', channel, message)
  releaseLease(leaseKey, owner)
  return 1
end
local stored = {}
for i = 1, #KEYS / 3 do
  local k, a = (i - 1) * 3, (i - 1) * 6
  stored[i] = set(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3],
    ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6])
end
return stored`,
  },
  /**
   * KEYS: credential. ARGV: value, channel, notification. Deletes the credential only while it is still
   * the given value (`value`, or `accessToken` as the previous version wrote it), announcing the
   * deletion; 1 when deleted.
   */
  wxgwStoreDeleteIfSame: {
    numberOfKeys: 1,
    lua: `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, stored = pcall(cjson.decode, raw)
if not ok or type(stored) ~= 'table' then return 0 end
if stored.value ~= ARGV[1] and stored.accessToken ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SPUBLISH', ARGV[2], ARGV[3])
return 1`,
  },
  /**
   * Any number of leases, each KEYS: lease, fence, credential and ARGV: owner, lease ms, fence ttl ms
   * (the leases asked in one turn, one slot). Each takes its lease and answers the credential's next
   * fencing number; 0 when someone else holds it. A counter that lapsed restarts above the stored
   * credential's fence, so a credential that outlives its counter (no expiry) still accepts the new
   * holder's write.
   */
  wxgwStoreAcquireLeases: {
    lua: `${STORED_FENCE}
local function acquire(leaseKey, fenceKey, key, owner, leaseMs, fenceTtlMs)
  if not redis.call('SET', leaseKey, owner, 'NX', 'PX', leaseMs) then return 0 end
  if redis.call('EXISTS', fenceKey) == 0 then redis.call('SET', fenceKey, storedFence(key)) end
  local fence = redis.call('INCR', fenceKey)
  redis.call('PEXPIRE', fenceKey, fenceTtlMs)
  return fence
end
local fences = {}
for i = 1, #KEYS / 3 do
  local k = (i - 1) * 3
  fences[i] = acquire(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], ARGV[k + 1], ARGV[k + 2], ARGV[k + 3])
end
return fences`,
  },
  /** KEYS: lease. ARGV: owner, lease ms. Extends the lease only for its holder; 1 when renewed. */
  wxgwStoreRenewLease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
  },
  /** KEYS: lease. ARGV: owner. Compare-and-delete: only the holder releases; 1 when released. */
  wxgwStoreReleaseLease: {
    numberOfKeys: 1,
    lua: `${RELEASE_LEASE}
return releaseLease(KEYS[1], ARGV[1])`,
  },
  /**
   * KEYS: hold, the app's holds mark (`holdsUntil`). ARGV: ttl ms (> 0). 0 when claimed now (the mark
   * lengthened to its end, as `wxgwStoreHold` does); otherwise the milliseconds the holder has left.
   * A claim carries no note: its value is empty, as `noteOf` reads it.
   */
  wxgwStoreClaim: {
    numberOfKeys: 2,
    lua: `
if redis.call('SET', KEYS[1], '', 'NX', 'PX', ARGV[1]) then
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], '', 'PX', ARGV[1]) end
  return 0
end
return math.max(redis.call('PTTL', KEYS[1]), 1)`,
  },
  /**
   * KEYS: hold, the app's holds mark (`holdsUntil`). ARGV: ttl ms (0 releases), note ('' for none),
   * channel, notification. Sets or releases the hold and announces it; a hold set lengthens the mark
   * to its end (a release leaves it: the mark only says when every hold of the app is over at the latest).
   */
  wxgwStoreHold: {
    numberOfKeys: 2,
    lua: `
if tonumber(ARGV[1]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], '', 'PX', ARGV[1]) end
else
  redis.call('DEL', KEYS[1])
end
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return 1`,
  },
  /**
   * KEYS: holds (any number, one slot in a Cluster). The milliseconds each is still held (PTTL: -2 for
   * none), in one command: a page of apps' circuits is read at once, not one key at a time.
   */
  wxgwStoreHeldForMany: {
    lua: `
local held = {}
for i, key in ipairs(KEYS) do held[i] = redis.call('PTTL', key) end
return held`,
  },
  /**
   * KEYS: index sets of authorizers (one slot in a Cluster). ARGV: the appId to start after ('' for the
   * first), how many. The members after ARGV[1] of every set, ordered, at most ARGV[2] of them, after
   * how many members the sets hold together: `[total, appId…]`.
   */
  wxgwStoreIndexPage: {
    lua: `
local total = 0
local found = {}
local from = ARGV[1] == '' and '-' or '(' .. ARGV[1]
local limit = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  total = total + redis.call('ZCARD', key)
  if limit > 0 then
    for _, member in ipairs(redis.call('ZRANGEBYLEX', key, from, '+', 'LIMIT', 0, limit)) do
      found[#found + 1] = member
    end
  end
end
table.sort(found)
local page = { total }
for i = 1, math.min(limit, #found) do page[#page + 1] = found[i] end
return page`,
  },
  /**
   * KEYS: the index sets of one shard, one per state. ARGV: appId, its state's position in KEYS (1-based).
   * Moves the appId to its state's set (out of every other): one change, never in two states at once.
   */
  wxgwStoreIndexMove: {
    lua: `
local into = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  if i == into then redis.call('ZADD', key, 0, ARGV[1]) else redis.call('ZREM', key, ARGV[1]) end
end
return 1`,
  },
  /** KEYS: index sets (one slot in a Cluster). How many members each holds. */
  wxgwStoreIndexCounts: {
    lua: `
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = redis.call('ZCARD', key) end
return counts`,
  },
} as const satisfies Record<string, ScriptDefinition>;

/** The client methods `defineCommand` adds for `STORE_SCRIPTS`. */
export interface StoreScriptCommands {
  /** The number of keys first, then each write's keys, then each write's arguments, as documented above. */
  wxgwStoreSetMany(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  wxgwStoreDeleteIfSame(key: string, value: string, channel: string, message: string): Promise<number>;
  /** The number of keys first, then each lease's keys, then each lease's arguments. */
  wxgwStoreAcquireLeases(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  wxgwStoreRenewLease(key: string, owner: string, leaseMs: number): Promise<number>;
  wxgwStoreReleaseLease(key: string, owner: string): Promise<number>;
  wxgwStoreClaim(key: string, markKey: string, ttlMs: number): Promise<number>;
  wxgwStoreHold(
    key: string,
    markKey: string,
    ttlMs: number,
    note: string,
    channel: string,
    message: string,
  ): Promise<number>;
  /** The number of keys first, as for every script without a fixed number of keys. */
  wxgwStoreHeldForMany(numberOfKeys: number, ...keys: string[]): Promise<number[]>;
  wxgwStoreIndexPage(
    numberOfKeys: number,
    ...keysThenAfterAndLimit: (string | number)[]
  ): Promise<(string | number)[]>;
  wxgwStoreIndexMove(numberOfKeys: number, ...keysThenAppIdAndState: (string | number)[]): Promise<number>;
  wxgwStoreIndexCounts(numberOfKeys: number, ...keys: string[]): Promise<number[]>;
}
