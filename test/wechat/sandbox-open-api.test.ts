import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox } from '../support/sandbox.js';

/** The sandbox's OpenAPI management endpoints (quota/get, clear_quota, rid/get), driven by the real client. */

const START = Date.parse('2026-01-31T10:00:00Z');
let now = START;
const sandbox = await startSandbox({ appCount: 2, clock: { now: () => now } });
const [app, other] = sandbox.apps as [(typeof sandbox.apps)[0], (typeof sandbox.apps)[0]];
const client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 1000 });
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(async () => {
  now = START;
  await sandbox.reset();
});

const classicToken = (which = app) =>
  client.fetchToken(which, { mode: 'classic' }).then((t) => t.accessToken);

describe('sandbox /cgi-bin/openapi/quota/get', () => {
  it('reports the app’s real daily use of /cgi-bin/token, per app', async () => {
    await classicToken();
    await classicToken();
    const token = await classicToken();
    await classicToken(other);
    expect(await client.getApiQuota(token, '/cgi-bin/token')).toEqual({
      dailyLimit: 2000,
      used: 3,
      remain: 1997,
    });
  });

  it('starts over at midnight UTC+8', async () => {
    const token = await classicToken();
    now += 24 * 3_600_000;
    const fresh = await client.fetchToken(app, { mode: 'stable' });
    expect(await client.getApiQuota(fresh.accessToken, '/cgi-bin/token')).toMatchObject({ used: 0 });
    expect(token).not.toBe(fresh.accessToken);
  });

  it('answers 76021 for a path it has no quota for', async () => {
    const token = await classicToken();
    await expect(client.getApiQuota(token, '/cgi-bin/nope')).rejects.toMatchObject({ errcode: 76021 });
  });
});

describe('sandbox /cgi-bin/clear_quota', () => {
  it('resets the daily counters, so a spent quota works again', async () => {
    await sandbox.configure({ classicDailyQuota: 2 });
    const { accessToken } = await client.fetchToken(app, { mode: 'stable' });
    await classicToken();
    await classicToken();
    await expect(classicToken()).rejects.toMatchObject({ errcode: 45009 });
    await client.clearQuota(accessToken, app.appId);
    expect(await client.getApiQuota(accessToken, '/cgi-bin/token')).toMatchObject({ used: 0, remain: 2 });
    await expect(classicToken()).resolves.toBeTypeOf('string');
  });

  it('allows clearQuotaMonthlyLimit clears a month (UTC+8), then 48006 until the next month', async () => {
    await sandbox.configure({ clearQuotaMonthlyLimit: 2 });
    const { accessToken } = await client.fetchToken(app, { mode: 'stable' });
    await client.clearQuota(accessToken, app.appId);
    await client.clearQuota(accessToken, app.appId);
    await expect(client.clearQuota(accessToken, app.appId)).rejects.toMatchObject({
      errcode: 48006,
      code: 'WECHAT_CLEAR_QUOTA_LIMIT',
    });
    now = Date.parse('2026-01-31T16:00:00Z'); // 1 February 00:00 in China
    const next = await client.fetchToken(app, { mode: 'stable' });
    await expect(client.clearQuota(next.accessToken, app.appId)).resolves.toBeUndefined();
  });

  it('refuses to clear another app’s quota with this app’s token (40013)', async () => {
    const { accessToken } = await client.fetchToken(app, { mode: 'stable' });
    await expect(client.clearQuota(accessToken, other.appId)).rejects.toMatchObject({ errcode: 40013 });
  });

  it('needs POST (43002) and a token (41001)', async () => {
    const { accessToken } = await client.fetchToken(app, { mode: 'stable' });
    const get = await fetch(`${sandbox.url}/cgi-bin/clear_quota?access_token=${accessToken}`);
    expect(await get.json()).toMatchObject({ errcode: 43002 });
    const anonymous = await fetch(`${sandbox.url}/cgi-bin/clear_quota`, { method: 'POST', body: '{}' });
    expect(await anonymous.json()).toMatchObject({ errcode: 41001 });
  });
});

describe('sandbox /cgi-bin/openapi/rid/get', () => {
  it('finds a failed request by the rid of its errmsg, as received (token included)', async () => {
    const stale = await classicToken();
    await sandbox.rotateToken();
    const failure = await client.getCallbackIp(stale).catch((error: unknown) => error);
    const rid = (failure as { rid?: string }).rid as string;
    expect(rid).toMatch(/^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
    const token = await classicToken();
    const raw = await fetch(`${sandbox.url}/cgi-bin/openapi/rid/get?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify({ rid }),
    });
    const { request } = (await raw.json()) as { request: Record<string, unknown> };
    expect(request).toMatchObject({
      request_url: `/cgi-bin/getcallbackip?access_token=${stale}`,
      request_body: '',
      client_ip: expect.stringContaining('127.0.0.1'),
      invoke_time: Math.floor(now / 1000),
    });
    expect(request.response_body).toContain('"errcode":40001');
  });

  it('refuses another app’s rid (76003), a malformed one (76002) and an unknown one (76001)', async () => {
    const failure = await client
      .fetchToken({ ...app, appSecret: 'f'.repeat(32) }, { mode: 'stable' })
      .catch((e) => e);
    const rid = (failure as { rid: string }).rid;
    const otherToken = await classicToken(other);
    await expect(client.getRequestByRid(otherToken, rid)).rejects.toMatchObject({ errcode: 76003 });
    await expect(client.getRequestByRid(otherToken, 'zzz')).rejects.toMatchObject({ errcode: 76002 });
    await expect(client.getRequestByRid(otherToken, '00-00-00')).rejects.toMatchObject({ errcode: 76001 });
    const own = await client.getRequestByRid(await classicToken(), rid);
    expect(own.requestUrl).toBe('/cgi-bin/stable_token');
    expect(own.requestBody).not.toContain('f'.repeat(32));
  });
});
