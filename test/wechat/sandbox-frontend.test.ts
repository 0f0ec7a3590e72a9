import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox } from '../support/sandbox.js';

/** The sandbox's getticket, callback/check and settable callback list, driven by the real client. */

let now = Date.parse('2026-03-01T10:00:00Z');
const sandbox = await startSandbox({ appCount: 2, clock: { now: () => now } });
const [app, other] = sandbox.apps as [(typeof sandbox.apps)[0], (typeof sandbox.apps)[0]];
const client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 1000 });
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(async () => {
  await sandbox.reset();
});

const token = (which = app) => client.fetchToken(which, { mode: 'stable' }).then((t) => t.accessToken);

async function raw(path: string, init?: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(`${sandbox.url}${path}`, init)).json()) as Record<string, unknown>;
}

describe('sandbox /cgi-bin/ticket/getticket', () => {
  it('issues jsapi and wx_card tickets with expires_in, each type on its own', async () => {
    const accessToken = await token();
    const jsapi = await client.getTicket(accessToken, 'jsapi');
    const card = await client.getTicket(accessToken, 'wx_card');
    expect(jsapi.expiresInSeconds).toBe(7200);
    expect(jsapi.ticket).toMatch(/^[A-Za-z0-9_-]{80,}$/);
    expect(card.ticket).not.toBe(jsapi.ticket);
    expect(await sandbox.tickets()).toEqual({ jsapi: [jsapi.ticket], wx_card: [card.ticket] });
    expect(await sandbox.tickets(other.appId)).toEqual({ jsapi: [], wx_card: [] });
    expect((await sandbox.counters())['/cgi-bin/ticket/getticket']).toBe(2);
  });

  it('keeps earlier tickets valid until their own expiry, and honours ticketExpiresInSeconds', async () => {
    await sandbox.configure({ ticketExpiresInSeconds: 20 });
    const accessToken = await token();
    const first = await client.getTicket(accessToken, 'jsapi');
    now += 10_000;
    const second = await client.getTicket(accessToken, 'jsapi');
    expect(second.expiresInSeconds).toBe(20);
    expect((await sandbox.tickets()).jsapi).toEqual([first.ticket, second.ticket]);
    now += 10_000;
    expect((await sandbox.tickets()).jsapi).toEqual([second.ticket]);
  });

  it('answers 40001 for a rotated token and 42001 for an expired one', async () => {
    const accessToken = await token();
    await sandbox.rotateToken();
    await expect(client.getTicket(accessToken, 'jsapi')).rejects.toMatchObject({ errcode: 40001 });
    const fresh = await token();
    await sandbox.expireToken();
    await expect(client.getTicket(fresh, 'jsapi')).rejects.toMatchObject({ errcode: 42001 });
  });

  it('answers 40097 for another type and 41001 without a token', async () => {
    const accessToken = await token();
    const bad = await raw(`/cgi-bin/ticket/getticket?access_token=${accessToken}&type=card`);
    expect(bad).toMatchObject({ errcode: 40097 });
    expect(await raw('/cgi-bin/ticket/getticket?type=jsapi')).toMatchObject({ errcode: 41001 });
  });
});

describe('sandbox /cgi-bin/callback/check', () => {
  it('answers dns and ping as WeChat documents them', async () => {
    const result = await client.checkCallbackNetwork(await token(), 'all', 'DEFAULT');
    expect(result.dns).toEqual([
      { ip: '111.161.64.40', realOperator: 'UNICOM' },
      { ip: '111.161.64.48', realOperator: 'CHINANET' },
    ]);
    expect(result.ping[0]).toEqual({
      ip: '111.161.64.40',
      fromOperator: 'UNICOM',
      packageLoss: '0%',
      time: '23.079ms',
    });
  });

  it('pings from the operator asked for, and does only what the action says', async () => {
    const accessToken = await token();
    const ping = await client.checkCallbackNetwork(accessToken, 'ping', 'CAP');
    expect(ping.dns).toEqual([]);
    expect(ping.ping.map((p) => p.fromOperator)).toEqual(['CAP', 'CAP']);
    const dns = await client.checkCallbackNetwork(accessToken, 'dns', 'UNICOM');
    expect(dns.ping).toEqual([]);
    expect(dns.dns).toHaveLength(2);
  });

  it('answers 40201 without a callback URL, 40202 for a bad action, 40203 for a bad operator', async () => {
    const accessToken = await token();
    const post = (body: unknown) =>
      raw(`/cgi-bin/callback/check?access_token=${accessToken}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
    expect(await post({ action: 'trace', check_operator: 'DEFAULT' })).toMatchObject({ errcode: 40202 });
    expect(await post({ action: 'all', check_operator: 'MOBILE' })).toMatchObject({ errcode: 40203 });
    await sandbox.setCallbackUrl(null);
    await expect(client.checkCallbackNetwork(accessToken, 'all', 'DEFAULT')).rejects.toMatchObject({
      errcode: 40201,
      code: 'WECHAT_CALLBACK_URL_INVALID',
      retryable: false,
    });
    expect(await client.checkCallbackNetwork(await token(other), 'all', 'DEFAULT')).toHaveProperty('dns');
    await sandbox.setCallbackUrl('https://hooks.example.com/wx');
    expect((await client.checkCallbackNetwork(accessToken, 'dns', 'DEFAULT')).dns).toHaveLength(2);
  });
});

describe('sandbox callback address list', () => {
  it('is settable with plain IPs and CIDR ranges, and reset restores it', async () => {
    const accessToken = await token();
    expect(await client.getCallbackIp(accessToken)).toContain('101.226.103.0/25');
    expect(await sandbox.setCallbackIps(['203.0.113.0/25', '2001:db8::/64', '198.51.100.7'])).toHaveLength(3);
    expect(await client.getCallbackIp(accessToken)).toEqual([
      '203.0.113.0/25',
      '2001:db8::/64',
      '198.51.100.7',
    ]);
    await sandbox.reset();
    expect(await client.getCallbackIp(await token())).toContain('101.226.103.0/25');
  });

  it('refuses entries that are not addresses or ranges', async () => {
    await expect(sandbox.setCallbackIps(['10.0.0.0/33'])).rejects.toThrow(/400.*CIDR/);
    await expect(sandbox.setCallbackIps('1.2.3.4' as unknown as string[])).rejects.toThrow(/400/);
  });
});
