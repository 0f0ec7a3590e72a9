import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizerTokenKind } from '../../src/credentials/kinds/authorizer-token.js';
import type { AuthorizerState, Stores } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { deleteKeysUnder, randomPrefix, tokenExpiringIn } from '../redis/helpers.js';
import { COMPONENT } from '../support/component.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { commandsDuring as monitorCommands, redisNode } from '../support/redis-monitor.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const AUTHORIZERS = 250;
const PAGE =
  'query($first: Int, $after: String) { component { authorizers(first: $first, after: $after) { totalCount edges { cursor node { appId state tokenStatus { state expiresAt } } } } } }';

/**
 * Issue 28 item 1: a page of authorizers with their token statuses costs a constant number of Redis
 * commands, not one per node, and at most 3, counted with MONITOR: on a gateway just started (no copy
 * of anything in its memory), on a page that gateway has not read yet, and on a page it read before.
 */
describeRedis('a page of authorizers over real Redis', () => {
  const keyPrefix = randomPrefix();
  const logs = captureLogs();
  let sandbox: TestSandbox;
  const stores: Stores[] = [];
  const gateways: TestGateway[] = [];
  const appIds = Array.from(
    { length: AUTHORIZERS },
    (_, i) => `wx${(0xa000 + i).toString(16).padStart(16, '0')}`,
  );
  const stateOf = (i: number): AuthorizerState => (i % 10 === 9 ? 'UNAUTHORIZED' : 'AUTHORIZED');

  async function open(): Promise<Stores> {
    const store = await RedisStores.connect({
      url: redisUrl,
      keyPrefix,
      appIds: [],
      componentAppIds: [COMPONENT.appId],
    });
    stores.push(store);
    return store;
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ components: [COMPONENT] });
    const seed = await open();
    const kind = authorizerTokenKind(COMPONENT.appId);
    for (const [i, appId] of appIds.entries()) {
      const state = stateOf(i);
      await seed.authorizers.put(COMPONENT.appId, {
        appId,
        state,
        ...(state === 'AUTHORIZED' && { refreshToken: `refresh-${appId}` }),
        permissions: [1],
      });
      if (state === 'AUTHORIZED' && i % 2 === 0)
        await seed.credentials.set({ appId, kind }, tokenExpiringIn(7_200_000), 'cold');
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await Promise.all(stores.map((store) => store.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  /** A gateway started now: its process memory holds no record, token or hold. */
  async function freshGateway(): Promise<TestGateway> {
    const gateway = await startTestGateway({
      sandbox,
      store: await open(),
      logger: logs.logger,
      components: [COMPONENT],
    });
    gateways.push(gateway);
    return gateway;
  }

  /** The commands under this test's prefix Redis received while `run` ran (a script counts once). */
  async function commandsDuring(run: () => Promise<void>): Promise<string[]> {
    const commands = await monitorCommands([redisNode(redisUrl)], keyPrefix, run);
    return commands.filter((c) => c.source !== 'lua').map((c) => c.args[0]?.toLowerCase() ?? '');
  }

  type Page = {
    component: {
      authorizers: {
        totalCount: number;
        edges: {
          cursor: string;
          node: { appId: string; state: string; tokenStatus: { state: string; expiresAt: string | null } };
        }[];
      };
    };
  };

  async function pageOf(
    first: number,
    gateway?: TestGateway,
    after?: string,
  ): Promise<{ page: Page; commands: string[]; gateway: TestGateway }> {
    gateway ??= await freshGateway();
    let page: Page | undefined;
    const commands = await commandsDuring(async () => {
      const variables = { first, ...(after !== undefined && { after }) };
      const body = (await (await (gateway as TestGateway).graphql(PAGE, variables)).json()) as {
        data: Page;
        errors?: unknown;
      };
      expect(body.errors).toBeUndefined();
      page = body.data;
    });
    return { page: page as Page, commands, gateway };
  }

  it('answers a page of 10 and a page of 100 with the same few commands', async () => {
    const small = await pageOf(10);
    const large = await pageOf(100);
    const nodes = large.page.component.authorizers.edges.map(({ node }) => node);
    expect(large.page.component.authorizers.totalCount).toBe(AUTHORIZERS);
    expect(nodes.map((node) => node.appId)).toEqual(appIds.slice(0, 100));
    expect(nodes.map((node) => node.state)).toEqual(appIds.slice(0, 100).map((_, i) => stateOf(i)));
    expect(nodes.map((node) => node.tokenStatus.state)).toEqual(
      appIds.slice(0, 100).map((_, i) => (stateOf(i) === 'AUTHORIZED' && i % 2 === 0 ? 'FRESH' : 'MISSING')),
    );
    expect(small.page.component.authorizers.edges).toHaveLength(10);
    // The page (its total and appIds: one script), its records and tokens (one MGET), the circuit and
    // rejection holds of its authorizers (one script): no SSUBSCRIBE, no move of the previous layout.
    expect(large.commands).toEqual(small.commands);
    expect(large.commands.filter((command) => !command.startsWith('eval'))).toEqual(['mget']);
    expect(large.commands.filter((command) => command.startsWith('eval'))).toHaveLength(2);
    // A page that gateway has not read yet: the same three.
    const after = large.page.component.authorizers.edges.at(-1)?.cursor;
    const next = await pageOf(100, large.gateway, after);
    expect(next.page.component.authorizers.edges[0]?.node.appId).toBe(appIds[100]);
    expect(next.commands.filter((command) => !command.startsWith('eval'))).toEqual(['mget']);
    expect(next.commands).toHaveLength(3);
    // The first page again on that gateway: at most the same three (copies of what was read may serve).
    const again = await pageOf(100, large.gateway);
    expect(again.page).toEqual(large.page);
    expect(again.commands.length).toBeLessThanOrEqual(3);
    expect(again.commands).not.toContain('ssubscribe');
  });
});
