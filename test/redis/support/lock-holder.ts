import { TokenManager } from '../../../src/token/manager.js';
import { RedisStore } from '../../../src/token/redis-store.js';
import { WeChatClient } from '../../../src/wechat/client.js';

/**
 * A gateway replica reduced to its token manager, run as a child process by replicas-redis.test.ts:
 * it asks for the token of one classic app (taking the Redis fetch lock) and waits there while the
 * sandbox hangs, until the test SIGKILLs it. Configured by LOCK_HOLDER_* variables.
 */

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`lock-holder: ${name} is not set`);
  return value;
};

const store = await RedisStore.connect({
  url: env('LOCK_HOLDER_REDIS_URL'),
  keyPrefix: env('LOCK_HOLDER_PREFIX'),
});
// The client waits far longer than the test: the fetch is still running when the process dies.
const client = new WeChatClient({ baseUrls: [env('LOCK_HOLDER_SANDBOX_URL')], timeoutMs: 60_000 });
const manager = new TokenManager({
  apps: [
    {
      appId: env('LOCK_HOLDER_APP_ID'),
      appSecret: env('LOCK_HOLDER_APP_SECRET'),
      name: 'Lock holder',
      tokenMode: 'classic',
    },
  ],
  store,
  api: client,
  upstreamTimeoutMs: 100,
  busyRetries: 0,
  busyBackoffTotalMs: 0,
  lockTtlMs: Number(env('LOCK_HOLDER_LOCK_TTL_MS')),
});
process.stdout.write('fetching\n');
await manager.getToken(env('LOCK_HOLDER_APP_ID'));
process.stdout.write('fetched\n');
