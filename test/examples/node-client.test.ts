import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeChatService } from '../../examples/node-client/src/wechat-service.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';

/**
 * examples/node-client against a gateway over HTTP and the sandbox: it calls WeChat itself with the
 * gateway's token, re-reads the token when tokenEvents announces a change, and renews once on 40001.
 */
const KEY = 'node-service-key-0123456789abcdef';

describe('examples/node-client', () => {
  let stack: TestGateway;
  let service: WeChatService;
  const changes: string[] = [];

  beforeAll(async () => {
    // The service's own key: it reads the token and may force one refresh, nothing else.
    stack = await startTestGateway({
      sandbox: { settings: { forceRefreshMinIntervalSeconds: 0 } },
      manager: { forceRefreshCooldownSeconds: 0 },
      env: { GATEWAY_API_KEYS: `${KEY}:token:read+token:refresh` },
    });
    service = new WeChatService({
      gateway: { url: stack.url, key: KEY },
      appId: stack.sandbox.app.appId,
      wechatBase: stack.sandbox.url,
    });
    service.follow((type) => changes.push(type)).catch(() => undefined);
  });
  afterAll(async () => {
    service.stop();
    await stack.close();
  });

  it('calls WeChat itself with the gateway’s token', async () => {
    expect(await service.callbackIps()).toContain('101.226.103.0/25');
    expect((await stack.sandbox.counters())['/cgi-bin/getcallbackip']).toBe(1);
    expect(await service.token()).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
  });

  it('re-reads the token when tokenEvents says it changed on the gateway', async () => {
    const old = await service.token();
    const reads = service.reads;
    await stack.manager.refresh(stack.sandbox.app.appId, { force: true });
    const until = Date.now() + 5000;
    while ((await service.token()) === old) {
      if (Date.now() > until) throw new Error('the example did not follow the REFRESHED event');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(changes).toContain('REFRESHED');
    expect(service.reads).toBeGreaterThan(reads);
    expect(await service.token()).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
  });

  it('on 40001 re-reads, forces one refresh when the gateway still holds the rejected token, and retries once', async () => {
    const rejected = await service.token();
    await stack.sandbox.rotateToken();
    const before = await stack.sandbox.counters();
    expect(await service.callbackIps()).toContain('101.226.62.77');
    const after = await stack.sandbox.counters();
    expect(after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip']).toBe(2);
    expect(after['/cgi-bin/stable_token'] - before['/cgi-bin/stable_token']).toBe(1);
    expect(await service.token()).not.toBe(rejected);
  });
});
