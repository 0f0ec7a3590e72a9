import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { RECOVERY_PAGES_AT_ONCE } from '../../src/credentials/authorizer-recovery.js';
import { ComponentManager } from '../../src/credentials/component-manager.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import {
  COMPONENT_API_PATHS,
  ComponentApi,
  type ComponentWeChatApi,
} from '../../src/wechat/component-api.js';
import { openComponentPush } from '../../src/wechat/component-push.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { COMPONENT } from '../support/component.js';
import { describeRedis, redisUrl } from '../support/redis.js';

/**
 * Issue 28 item 4: `recoverAuthorizers` of 5,000 authorizers over HTTP from the sandbox into a real
 * Redis, 500 a page and a few pages at once, interrupted on one page, then resumed by another replica
 * from the offset stored in Redis, reading only the pages left.
 */

const LIST = COMPONENT_API_PATHS.authorizerList;
const crypto = new MessageCrypto({ ...COMPONENT, receiveId: COMPONENT.appId });
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describeRedis('recovering 5,000 authorizers from api_get_authorizer_list', () => {
  it('pages 500 at a time, at most 4 at once, keeps its progress in Redis, and resumes where it was interrupted', async () => {
    const sandbox: Sandbox = await createSandbox({ apps: [], components: [COMPONENT] });
    cleanup.push(() => sandbox.close());
    const client = new WeChatClient({ baseUrls: [sandbox.url] });
    cleanup.push(() => client.close());
    const prefix = randomPrefix();
    cleanup.push(() => deleteKeysUnder(redisUrl, prefix));
    const redis = new Redis(redisUrl);
    cleanup.push(async () => void redis.disconnect());

    // The admin API creates the merchants, over HTTP as a bench or a tool would.
    const created = await fetch(`${sandbox.url}/__sandbox/components/${COMPONENT.appId}/authorizers`, {
      method: 'POST',
      body: JSON.stringify({ count: 5000 }),
    });
    expect(created.status).toBe(201);
    const { appIds } = (await created.json()) as { appIds: string[] };
    expect(appIds).toHaveLength(5000);

    const logs = captureLogs();
    const replica = async (api: ComponentWeChatApi) => {
      const stores = await RedisStores.connect({
        url: redisUrl,
        keyPrefix: prefix,
        appIds: [COMPONENT.appId],
      });
      const manager = new ComponentManager({ components: [COMPONENT], stores, api, logger: logs.logger });
      cleanup.push(async () => {
        await manager.stop();
        await stores.close();
      });
      const outcome = openComponentPush(sandbox.component.ticketPush(COMPONENT.appId, Date.now()), {
        componentAppId: COMPONENT.appId,
        crypto,
        nowMs: Date.now(),
        maxAgeSeconds: 300,
      });
      if (!outcome.ok || outcome.event.infoType !== 'component_verify_ticket') throw new Error('refused');
      await manager.tickets.save(COMPONENT.appId, outcome.event.ticket, outcome.event.createTime);
      return manager;
    };

    // The first replica is interrupted on the page at offset 2,500 (a page answered in error).
    const api = new ComponentApi(client);
    const failing: ComponentWeChatApi = {
      startPushTicket: (component) => api.startPushTicket(component),
      componentToken: (component, ticket) => api.componentToken(component, ticket),
      createPreAuthCode: (component, token) => api.createPreAuthCode(component, token),
      queryAuth: (component, token, code) => api.queryAuth(component, token, code),
      authorizerToken: (...args) => api.authorizerToken(...args),
      authorizerList: (...args) =>
        args[2] === 2500 ? Promise.reject(new Error('interrupted on purpose')) : api.authorizerList(...args),
    };
    const first = await replica(failing);
    sandbox.setFault({ kind: 'latency', endpoint: LIST, ms: 20 });
    await expect(first.recoverAuthorizers(COMPONENT.appId)).rejects.toThrow('interrupted on purpose');
    expect(sandbox.concurrency().peak[LIST]).toBeLessThanOrEqual(RECOVERY_PAGES_AT_ONCE);
    expect(sandbox.concurrency().peak[LIST]).toBeGreaterThan(1);
    const interrupted = (await first.summaries())[0]?.recovery;
    expect(interrupted).toMatchObject({ state: 'interrupted', offset: 2500, total: 5000 });

    // What Redis holds of it: counts and offsets under the component's key, no refresh token.
    const stored = await redis.get(`${prefix}{${COMPONENT.appId}}:authorizers-recovery`);
    expect(JSON.parse((JSON.parse(stored ?? '{}') as { value: string }).value)).toMatchObject({
      state: 'interrupted',
      offset: 2500,
    });
    expect(stored).not.toMatch(/refreshtoken/i);
    expect(await redis.pttl(`${prefix}{${COMPONENT.appId}}:authorizers-recovery`)).toBeGreaterThan(0);

    // Another replica resumes: only the 5 pages from 2,500 are read again.
    const before = sandbox.counters()[LIST];
    const second = await replica(api);
    expect(await second.recoverAuthorizers(COMPONENT.appId)).toEqual({ total: 5000, recovered: 5000 });
    expect(sandbox.counters()[LIST] - before).toBe(5);
    expect((await second.summaries())[0]?.recovery).toMatchObject({
      state: 'done',
      offset: 5000,
      total: 5000,
      recovered: 5000,
      resumedFrom: 2500,
    });

    // Every authorizer is stored with the refresh token WeChat lists for it.
    const listed = new Map<string, string>();
    for (let offset = 0; offset < 5000; offset += 500) {
      const token = (await second.componentToken(COMPONENT.appId)).value;
      const page = await api.authorizerList(COMPONENT.appId, token, offset, 500);
      for (const item of page.list) listed.set(item.authorizerAppId, item.refreshToken);
    }
    // `get` is what hands out a refresh token (`getMany` shows records without theirs).
    const records = await Promise.all(appIds.map((appId) => second.authorizers.get(COMPONENT.appId, appId)));
    expect(
      records.every(
        (r, i) => r?.state === 'AUTHORIZED' && r.refreshToken === listed.get(appIds[i] as string),
      ),
    ).toBe(true);
    expect((await second.authorizers.counts(COMPONENT.appId)).AUTHORIZED).toBe(5000);
    expect(logs.raw()).toContain('resuming an interrupted recovery');
    expect(logs.raw()).not.toMatch(/refreshtoken@@@/);
  });
});
