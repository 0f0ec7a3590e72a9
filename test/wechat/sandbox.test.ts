import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../support/sandbox.js';

/** WeChat's behaviour as the sandbox emulates it, checked with raw HTTP (no gateway code involved). */

let now = Date.parse('2026-01-01T00:00:00Z');
const sandbox = await startSandbox({ appCount: 2, clock: { now: () => now } });
const { app } = sandbox;
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface Body {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  ip_list?: string[];
}

async function get(path: string, query: Record<string, string>): Promise<Body> {
  const response = await fetch(`${sandbox.url}${path}?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Body;
}

async function post(path: string, body: unknown): Promise<Body> {
  const response = await fetch(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Body;
}

const classic = (query: Record<string, string> = {}) =>
  get('/cgi-bin/token', {
    grant_type: 'client_credential',
    appid: app.appId,
    secret: app.appSecret,
    ...query,
  });
const stable = (extra: Record<string, unknown> = {}) =>
  post('/cgi-bin/stable_token', {
    grant_type: 'client_credential',
    appid: app.appId,
    secret: app.appSecret,
    ...extra,
  });
const callbackIp = (token: string) => get('/cgi-bin/getcallbackip', { access_token: token });

describe('tokens', () => {
  it('issues ~150-char URL-safe tokens with expires_in 7200', async () => {
    const body = await stable();
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{140,160}$/);
    expect(body.expires_in).toBe(7200);
  });

  it('stable_token returns the current token with its remaining lifetime unless force_refresh', async () => {
    const first = await stable();
    now += 100_000;
    const again = await stable();
    expect(again.access_token).toBe(first.access_token);
    expect(again.expires_in).toBe(7100);
    const forced = await stable({ force_refresh: true });
    expect(forced.access_token).not.toBe(first.access_token);
    expect(forced.expires_in).toBe(7200);
  });

  it('stable_token normal mode: the same token while more than 5 min are left, a new one in its last 5 min, both valid to their own expiry', async () => {
    const first = (await stable()).access_token as string;
    now += 7200_000 - 300_001; // 5 min and 1 ms before expiry: still outside the early window
    expect(await stable()).toMatchObject({ access_token: first, expires_in: 301 });
    now += 1; // exactly 5 min left: inside it
    const renewed = await stable();
    expect(renewed.access_token).not.toBe(first);
    expect(renewed.expires_in).toBe(7200);
    expect(await stable()).toMatchObject({ access_token: renewed.access_token }); // and that one stays
    now += 299_999;
    expect((await callbackIp(first)).ip_list).toBeDefined(); // the old one lives until its own expiry
    now += 1;
    expect(await callbackIp(first)).toMatchObject({ errcode: 42001 });
    expect((await callbackIp(renewed.access_token as string)).ip_list).toBeDefined();
  });

  it('stable_token force_refresh invalidates the previous token at once; classic /token keeps it 5 min', async () => {
    const stableOld = (await stable()).access_token as string;
    const forced = (await stable({ force_refresh: true })).access_token as string;
    expect(forced).not.toBe(stableOld);
    expect(await callbackIp(stableOld)).toMatchObject({ errcode: 40001 });
    expect((await callbackIp(forced)).ip_list).toBeDefined();

    const classicOld = (await classic()).access_token as string;
    await classic();
    now += 299_999;
    expect((await callbackIp(classicOld)).ip_list).toBeDefined();
    now += 1;
    expect(await callbackIp(classicOld)).toMatchObject({ errcode: 40001 });
  });

  it('the early window is a setting', async () => {
    await sandbox.configure({ expiresInSeconds: 20, stableEarlyRenewalSeconds: 5 });
    const first = (await stable()).access_token as string;
    now += 14_000;
    expect((await stable()).access_token).toBe(first);
    now += 1_000;
    expect((await stable()).access_token).not.toBe(first);
  });

  it('expires_in can be changed at runtime through the admin API', async () => {
    await sandbox.configure({ expiresInSeconds: 20 });
    const body = await classic();
    expect(body.expires_in).toBe(20);
    now += 20_000;
    expect((await callbackIp(body.access_token as string)).errcode).toBe(42001);
  });

  it('classic /token rotates: the previous token works during the overlap, then answers 40001', async () => {
    await sandbox.configure({ rotationOverlapSeconds: 60 });
    const old = (await classic()).access_token as string;
    const fresh = (await classic()).access_token as string;
    expect(fresh).not.toBe(old);
    now += 59_000;
    expect((await callbackIp(old)).ip_list).toBeDefined();
    now += 1_000;
    expect(await callbackIp(old)).toMatchObject({ errcode: 40001 });
    expect((await callbackIp(fresh)).ip_list).toBeDefined();
  });

  it('classic and stable tokens are independent, as on WeChat', async () => {
    const stableToken = (await stable()).access_token as string;
    await classic();
    await classic();
    now += 400_000;
    expect((await callbackIp(stableToken)).ip_list).toBeDefined();
  });

  it('classic /token has a daily quota (45009) that resets at midnight UTC+8', async () => {
    await sandbox.configure({ classicDailyQuota: 2 });
    await classic();
    await classic();
    expect(await classic()).toMatchObject({ errcode: 45009 });
    now = Date.parse('2026-01-01T16:00:00Z'); // midnight in Beijing
    expect((await classic()).access_token).toBeDefined();
  });

  it('stable force_refresh is limited per day (45009) and to one per interval (45011)', async () => {
    await sandbox.configure({ forceRefreshDailyLimit: 2, forceRefreshMinIntervalSeconds: 30 });
    expect((await stable({ force_refresh: true })).access_token).toBeDefined();
    now += 29_000;
    expect(await stable({ force_refresh: true })).toMatchObject({ errcode: 45011 });
    expect((await stable()).access_token).toBeDefined(); // normal mode is not limited
    now += 1_000;
    expect((await stable({ force_refresh: true })).access_token).toBeDefined();
    now += 30_000;
    expect(await stable({ force_refresh: true })).toMatchObject({ errcode: 45009 });
  });
});

describe('errors look like WeChat: HTTP 200, errcode, errmsg ending in a rid', () => {
  // [case, request, errcode]
  const cases: [string, () => Promise<Body>, number][] = [
    ['unknown appid (stable)', () => stable({ appid: 'wx0000000000000000' }), 40013],
    ['unknown appid (classic)', () => classic({ appid: 'wx0000000000000000' }), 40013],
    ['wrong secret (stable)', () => stable({ secret: 'f'.repeat(32) }), 40125],
    ['wrong secret (classic)', () => classic({ secret: 'f'.repeat(32) }), 40001],
    ['missing appid', () => stable({ appid: undefined }), 41002],
    ['missing secret', () => classic({ secret: '' }), 41004],
    ['wrong grant_type', () => stable({ grant_type: 'password' }), 40002],
    ['GET on stable_token', () => get('/cgi-bin/stable_token', {}), 43002],
    ['missing access_token', () => get('/cgi-bin/get_api_domain_ip', {}), 41001],
    ['unknown access_token', () => callbackIp('nope'), 40001],
  ];

  it.each(cases)('%s → %i', async (_name, run, errcode) => {
    const body = await run();
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(/ rid: [0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
  });

  it('the other test app has its own credentials', async () => {
    const other = sandbox.apps[1];
    expect(other).toBeDefined();
    expect(await stable({ appid: other?.appId })).toMatchObject({ errcode: 40125 });
    expect((await stable({ appid: other?.appId, secret: other?.appSecret })).access_token).toBeDefined();
  });
});

describe('ip lists', () => {
  it('getcallbackip and get_api_domain_ip answer ip_list with a CIDR entry in the callback list', async () => {
    const token = (await stable()).access_token as string;
    const callback = await callbackIp(token);
    expect(callback.ip_list?.some((ip) => ip.includes('/'))).toBe(true);
    const domain = await get('/cgi-bin/get_api_domain_ip', { access_token: token });
    expect(domain.ip_list?.length).toBeGreaterThan(0);
  });
});

describe('admin API', () => {
  it('rotation makes the current token fail 40001 at once and a new one is issued next', async () => {
    const token = (await stable()).access_token as string;
    await sandbox.rotateToken();
    expect(await callbackIp(token)).toMatchObject({ errcode: 40001 });
    const next = (await stable()).access_token as string;
    expect(next).not.toBe(token);
    expect((await callbackIp(next)).ip_list).toBeDefined();
  });

  it('early expiry makes the current token answer 42001', async () => {
    const token = (await classic()).access_token as string;
    await sandbox.expireToken();
    expect(await callbackIp(token)).toMatchObject({ errcode: 42001 });
  });

  it('faults are limited to an endpoint and to the next N calls, and counted', async () => {
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/token', times: 2 });
    expect((await stable()).access_token).toBeDefined();
    expect(await classic()).toMatchObject({ errcode: -1 });
    expect(await classic()).toMatchObject({ errcode: -1 });
    expect((await classic()).access_token).toBeDefined();
    expect(await sandbox.counters()).toMatchObject({ '/cgi-bin/token': 3, '/cgi-bin/stable_token': 1 });
  });

  it('a fault without times lasts until cleared', async () => {
    await sandbox.setFault({ kind: 'minute-quota' });
    expect(await stable()).toMatchObject({ errcode: 45011 });
    expect(await stable()).toMatchObject({ errcode: 45011 });
    await sandbox.clearFaults();
    expect((await stable()).access_token).toBeDefined();
  });

  it('adds apps at runtime and lists appIds without secrets', async () => {
    const added = { appId: 'wx1111222233334444', appSecret: 'a'.repeat(32) };
    const response = await fetch(`${sandbox.url}/__sandbox/apps`, {
      method: 'POST',
      body: JSON.stringify(added),
    });
    expect(response.status).toBe(201);
    expect((await stable({ appid: added.appId, secret: added.appSecret })).access_token).toBeDefined();
    const listing = await (await fetch(`${sandbox.url}/__sandbox/apps`)).text();
    expect(listing).toContain(added.appId);
    expect(listing).not.toContain(added.appSecret);
  });

  it.each([
    ['POST', 'faults', { kind: 'meteor' }, 400, 'kind'],
    ['POST', 'faults', { kind: 'busy', endpoint: '/cgi-bin/nope' }, 400, 'endpoint'],
    ['POST', 'faults', { kind: 'latency' }, 400, 'ms'],
    ['POST', 'faults', { kind: 'busy', times: 0 }, 400, 'times'],
    ['PATCH', 'config', { expiresInSeconds: -1 }, 400, 'expiresInSeconds'],
    ['PATCH', 'config', { colour: 'red' }, 400, 'unknown setting'],
    ['POST', 'apps/wx0000000000000000/rotate', {}, 400, 'no app'],
    ['PUT', 'faults', {}, 405, 'use'],
    ['GET', 'nothing-here', undefined, 404, 'docs/sandbox.md'],
  ])('%s %s %j → %i with a message naming the problem', async (method, path, body, status, fragment) => {
    const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(fragment);
  });
});
