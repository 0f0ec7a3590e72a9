import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { COMPONENT, MERCHANT, pushTo } from '../support/component.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { captureLogs } from './support/log-capture.js';

let sandbox: TestSandbox;
let gateway: TestGateway;
const logs = captureLogs();

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  gateway = await startTestGateway({
    sandbox,
    store: new MemoryStores(),
    logger: logs.logger,
    components: [{ ...COMPONENT, name: 'Demo ISV' }],
  });
});
afterAll(async () => {
  await gateway.close();
  await sandbox.close();
});

const deliver = (push: ComponentPush) => pushTo(gateway.origin, push).then((r) => r.text());

const ready = async () =>
  (await (await fetch(`${gateway.origin}/ready`)).json()) as {
    components: {
      refreshTokens: string;
      list: {
        appId: string;
        verifyTicket: { state: string; ageSeconds?: number; pushRestartedAt?: string };
        token: { state: string; error?: string };
        authorizers: Record<string, number>;
      }[];
    };
  };

describe('components on /ready and /status', () => {
  it('/ready says there is no ticket and that the push was restarted, and where refresh tokens live', async () => {
    await gateway.components?.keeper.check(COMPONENT.appId);
    const body = await ready();
    expect(body.components.refreshTokens).toMatch(/memory: a restart loses them \(recoverAuthorizers/);
    expect(body.components.list).toEqual([
      {
        appId: COMPONENT.appId,
        name: 'Demo ISV',
        verifyTicket: { state: 'MISSING', pushRestartedAt: expect.any(String) },
        token: { state: 'MISSING' },
        authorizers: { AUTHORIZED: 0, UNAUTHORIZED: 0, REFRESH_TOKEN_INVALID: 0 },
      },
    ]);
    expect(sandbox.direct.component.pushRestarts(COMPONENT.appId)).toBe(1);
    const line = logs.lines.find((l) => String(l.msg).includes('api_start_push_ticket'));
    expect(line?.reason).toBe('no verify ticket yet');
  });

  it('after a ticket push and an authorization: the ticket is FRESH with its age, one authorizer AUTHORIZED', async () => {
    expect(await deliver(sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()))).toBe('success');
    const { push } = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANT, Date.now());
    expect(await deliver(push)).toBe('success');
    const [component] = (await ready()).components.list;
    expect(component?.verifyTicket.state).toBe('FRESH');
    expect(component?.verifyTicket.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(component?.token.state).toBe('FRESH');
    expect(component?.authorizers).toEqual({ AUTHORIZED: 1, UNAUTHORIZED: 0, REFRESH_TOKEN_INVALID: 0 });
  });

  it('the status page shows the component: ticket age, token state and authorizers by state, never a value', async () => {
    const page = await (await fetch(`${gateway.origin}/status`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain(`data-component-id="${COMPONENT.appId}"`);
    expect(page).toMatch(/data-field="ticket-state">FRESH<\/span> <span data-field="ticket-age">\d+ s old/);
    expect(page).toContain('data-field="component-token">FRESH');
    expect(page).toContain('data-field="authorizers-AUTHORIZED">AUTHORIZED: 1');
    const record = await gateway.components?.authorizers.get(COMPONENT.appId, MERCHANT);
    const ticket = await gateway.components?.tickets.latest(COMPONENT.appId);
    const token = await gateway.components?.componentToken(COMPONENT.appId);
    for (const secret of [record?.refreshToken, ticket?.ticket, token?.value, COMPONENT.appSecret]) {
      expect(page).not.toContain(secret);
      expect(JSON.stringify(await ready())).not.toContain(secret);
      expect(logs.raw()).not.toContain(secret);
    }
  });
});

describe('component gauges', () => {
  it('wxgw_component_verify_ticket_age_seconds and wxgw_authorizers{component,state}, no per-authorizer series', async () => {
    const text = await (await fetch(`${gateway.origin}/metrics`)).text();
    expect(text).toMatch(
      new RegExp(`wxgw_component_verify_ticket_age_seconds\\{component="${COMPONENT.appId}"\\} \\d+`),
    );
    expect(text).toContain(`wxgw_authorizers{component="${COMPONENT.appId}",state="AUTHORIZED"} 1`);
    expect(text).toContain(`wxgw_authorizers{component="${COMPONENT.appId}",state="UNAUTHORIZED"} 0`);
    expect(text).not.toContain(MERCHANT);
  });
});
