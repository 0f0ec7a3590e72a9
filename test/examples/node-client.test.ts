import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeChatService } from '../../examples/node-client/src/wechat-service.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';

/**
 * examples/node-client against a gateway over HTTP and the sandbox, both on their default settings (as
 * a new user runs them: a 60 s forced-refresh cooldown, WeChat's 30 s between force_refresh calls, the
 * 30 s renewal-on-rejection window): it calls WeChat itself with the gateway's token, re-reads the token
 * when tokenEvents announces a change, and reports a rejected token with refreshToken(rejectedToken:).
 */
const KEY = 'node-service-key-0123456789abcdef';

describe('examples/node-client', () => {
  let stack: TestGateway;
  let service: WeChatService;
  const changes: string[] = [];
  let onChange: ((type: string) => void) | undefined;

  beforeAll(async () => {
    // The service's own key: it reads the token and may report or refresh it, nothing else.
    stack = await startTestGateway({
      // The test gateway turns the renewal-on-rejection window off for suites that reset the sandbox;
      // undefined gives the manager its own default, as main.ts runs it.
      manager: { rejectedRenewalWindowSeconds: undefined },
      env: { GATEWAY_API_KEYS: `${KEY}:token:read+token:refresh` },
    });
    service = new WeChatService({
      gateway: { url: stack.url, key: KEY },
      appId: stack.sandbox.app.appId,
      wechatBase: stack.sandbox.url,
    });
    // Resolves once the example's subscription has reached the token service, so no event is missed.
    const listening = new Promise<void>((resolve) => {
      const subscribe = stack.tokens.subscribe.bind(stack.tokens);
      stack.tokens.subscribe = (listener) => {
        resolve();
        return subscribe(listener);
      };
    });
    service
      .follow((type) => {
        changes.push(type);
        onChange?.(type);
      })
      .catch(() => undefined);
    await listening;
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
    const refreshed = new Promise<void>((resolve) => {
      onChange = (type) => type === 'REFRESHED' && resolve();
    });
    await stack.manager.refresh(stack.sandbox.app.appId, { force: true });
    await refreshed;
    expect(changes).toContain('REFRESHED');
    expect(service.reads).toBeGreaterThan(reads);
    const current = await service.token();
    expect(current).not.toBe(old);
    expect(current).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
  });

  it('on 40001 moments after a forced refresh, reports the token and retries once, without forcing a refresh', async () => {
    // The forced refresh of the test above happened moments ago: a forced refresh now would get
    // REFRESH_COOLDOWN from the gateway (and 45011 from WeChat).
    const rejected = await service.token();
    await stack.sandbox.rotateToken();
    const before = await stack.sandbox.counters();
    expect(await service.callbackIps()).toContain('101.226.62.77');
    const after = await stack.sandbox.counters();
    expect(after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip']).toBe(2);
    expect(after['/cgi-bin/stable_token'] - before['/cgi-bin/stable_token']).toBe(1);
    const renewed = await service.token();
    expect(renewed).not.toBe(rejected);
    expect(renewed).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
    // The cooldown the forced refresh above started is still running: recovery did not need it.
    await expect(stack.manager.refresh(stack.sandbox.app.appId, { force: true })).rejects.toMatchObject({
      code: 'REFRESH_COOLDOWN',
    });
  });

  it('a token the gateway already replaced is reported without a call to WeChat’s token endpoint', async () => {
    // A second service that does not follow tokenEvents, so it meets the rejection itself.
    const other = new WeChatService({
      gateway: { url: stack.url, key: KEY },
      appId: stack.sandbox.app.appId,
      wechatBase: stack.sandbox.url,
    });
    const held = await other.token();
    await stack.sandbox.rotateToken();
    // Another service reported it first: the gateway already holds the next token.
    await stack.manager.reportRejected(stack.sandbox.app.appId, held);
    const before = await stack.sandbox.counters();
    expect(await other.callbackIps()).toContain('101.226.62.77');
    const after = await stack.sandbox.counters();
    expect(after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip']).toBe(2);
    expect(after['/cgi-bin/stable_token'] - before['/cgi-bin/stable_token']).toBe(0);
    expect(await other.token()).not.toBe(held);
    expect(await other.token()).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
  });

  it('a renewal that fails is not kept: the next call asks the gateway again', async () => {
    const other = new WeChatService({
      gateway: { url: stack.url, key: KEY },
      appId: stack.sandbox.app.appId,
      wechatBase: stack.sandbox.url,
    });
    await other.token();
    await stack.sandbox.rotateToken();
    // WeChat busy for the renewal and each of the gateway's retries: the report fails with WECHAT_BUSY.
    await stack.sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token', times: 4 });
    await expect(other.callbackIps()).rejects.toMatchObject({ code: 'WECHAT_BUSY' });
    await stack.sandbox.clearFaults();
    expect(await other.callbackIps()).toContain('101.226.62.77');
    expect(await other.token()).toBe((await stack.manager.getToken(stack.sandbox.app.appId)).value);
  });
});
