import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/** The manager's `onCacheLookup` hook (feeds wxgw_token_cache_lookups_total), against the sandbox. */

let sandbox: TestSandbox;
let client: WeChatClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new WeChatClient({ baseUrls: [sandbox.url] });
});
afterAll(async () => {
  await client?.close();
  await sandbox?.close();
});

describe('TokenManager onCacheLookup', () => {
  it('reports a miss when the caller waits for a fetch and a hit when the cache answers', async () => {
    const lookups: string[] = [];
    const { appId, appSecret } = sandbox.app;
    const manager = new TokenManager({
      apps: [{ appId, appSecret, name: 'a', tokenMode: 'stable' }],
      stores: new MemoryStores(),
      api: client,
      backgroundRefresh: false,
      onCacheLookup: (id, result) => lookups.push(`${id}:${result}`),
    });
    await manager.getToken(appId);
    await manager.getToken(appId);
    await manager.call(appId, '/cgi-bin/getcallbackip', (token) => client.getCallbackIp(token));
    expect(lookups).toEqual([`${appId}:miss`, `${appId}:hit`, `${appId}:hit`]);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(1);
    await manager.stop();
  });
});
