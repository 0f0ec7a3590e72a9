import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.js';

/**
 * The real entry point in a child process: signals, drain, exit codes and SIGHUP reloads. Production
 * runs the built entry (`node dist/main.js`), and so do these tests, but for the development one.
 */

let sandbox: TestSandbox;
const dir = mkdtempSync(join(tmpdir(), 'wxgw-process-'));
const appsFile = join(dir, 'apps.json');
let gateway: GatewayProcess | undefined;
/** A grandchild the test may leave behind when it fails. */
let orphan: number | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ appCount: 2 });
});
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  gateway = undefined;
  if (orphan !== undefined) {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
    orphan = undefined;
  }
  await sandbox.reset();
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeApps(apps: unknown): void {
  writeFileSync(appsFile, JSON.stringify(apps));
}

function start(extra: Record<string, string> = {}): Promise<GatewayProcess> {
  return startGatewayProcess({
    NODE_ENV: 'production',
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    WECHAT_APPS_FILE: appsFile,
    WECHAT_API_BASE: sandbox.url,
    ...extra,
  });
}

async function query(gw: GatewayProcess, text: string, variables: Record<string, unknown>) {
  const response = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: { extensions?: { code?: string } }[];
  };
}

const TOKEN_STATUS = 'query ($appId: ID) { tokenStatus(appId: $appId) { appId state } }';

describe('gateway process', () => {
  it('finishes a request in flight on SIGTERM, refuses new ones, and exits 0', async () => {
    const [app] = sandbox.apps;
    writeApps([{ appId: app?.appId, appSecret: app?.appSecret }]);
    gateway = await start({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const gw = gateway;
    await gw.waitForLine((line) => line.msg === 'obtained a new access token');

    await sandbox.setFault({ kind: 'latency', ms: 700, endpoint: '/cgi-bin/getcallbackip', times: 1 });
    const slow = query(gw, 'query ($appId: ID) { callbackIps(appId: $appId) { ips } }', {
      appId: app?.appId,
    });
    for (let i = 0; i < 100 && (await sandbox.counters())['/cgi-bin/getcallbackip'] === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    gw.child.kill('SIGTERM');
    await gw.waitForLine((line) => String(line.msg).startsWith('stop signal'));
    await expect(fetch(`${gw.origin}/health`)).rejects.toThrow();

    const answer = await slow;
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toMatchObject({ callbackIps: { ips: expect.arrayContaining([expect.any(String)]) } });
    expect(await gw.exited).toBe(0);
    expect(gw.lines.find((line) => line.msg === 'shutdown complete')).toMatchObject({ clean: true });
    expect(gw.raw()).not.toContain(app?.appSecret);
  });

  it('puts every per-app setting in force on SIGHUP: the JS-SDK domains of an added app and a domains-only edit', async () => {
    const [first, second] = sandbox.apps as [
      { appId: string; appSecret: string },
      { appId: string; appSecret: string },
    ];
    const SIGN = 'query ($appId: ID, $url: String!) { jsSdkConfig(appId: $appId, url: $url) { signature } }';
    const signs = async (appId: string, url: string) => {
      const answer = await query(gw, SIGN, { appId, url });
      if (answer.data?.jsSdkConfig) return true;
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      return false;
    };
    writeApps([{ ...first, jsSdkDomains: ['shop.example.com'] }]);
    gateway = await start();
    const gw = gateway;
    expect(await signs(first.appId, 'https://shop.example.com/')).toBe(true);
    expect(await signs(first.appId, 'https://evil.example/')).toBe(false);

    // An app the reload adds is held to its own domains at once.
    writeApps([
      { ...first, jsSdkDomains: ['shop.example.com'] },
      { ...second, jsSdkDomains: ['second.example.com'] },
    ]);
    gw.child.kill('SIGHUP');
    await gw.waitForLine((line) => line.msg === 'apps file reloaded' && String(line.added) === second.appId);
    expect(await signs(second.appId, 'https://evil.example/')).toBe(false);
    expect(await signs(second.appId, 'https://second.example.com/')).toBe(true);

    // Only the domains change: a change, in force at once.
    writeApps([
      { ...first, jsSdkDomains: ['other.example.com'] },
      { ...second, jsSdkDomains: ['second.example.com'] },
    ]);
    gw.child.kill('SIGHUP');
    await gw.waitForLine((line) => line.msg === 'apps file reloaded' && String(line.changed) === first.appId);
    expect(await signs(first.appId, 'https://shop.example.com/')).toBe(false);
    expect(await signs(first.appId, 'https://other.example.com/')).toBe(true);
    expect(gw.raw()).not.toContain('no change');
  });

  it('adds and removes apps on SIGHUP, and keeps the running ones when the file is bad', async () => {
    const [first, second] = sandbox.apps as [
      { appId: string; appSecret: string },
      { appId: string; appSecret: string },
    ];
    writeApps([first]);
    gateway = await start();
    const gw = gateway;
    expect((await query(gw, TOKEN_STATUS, { appId: second.appId })).errors?.[0]?.extensions?.code).toBe(
      'UNKNOWN_APP',
    );

    writeApps([second]);
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitForLine((line) => line.msg === 'apps file reloaded');
    expect(reloaded).toMatchObject({ added: [second.appId], removed: [first.appId], apps: 1 });
    expect((await query(gw, TOKEN_STATUS, { appId: second.appId })).data?.tokenStatus).toMatchObject({
      appId: second.appId,
    });
    expect((await query(gw, TOKEN_STATUS, { appId: first.appId })).errors?.[0]?.extensions?.code).toBe(
      'UNKNOWN_APP',
    );

    writeFileSync(appsFile, '[{"appId": "wx-not-an-app"');
    gw.child.kill('SIGHUP');
    const refused = await gw.waitForLine((line) => String(line.msg).startsWith('apps file reload refused'));
    expect(refused).toMatchObject({ level: 50, err: expect.stringMatching(/not valid JSON/) });
    expect((await query(gw, TOKEN_STATUS, { appId: second.appId })).data?.tokenStatus).toMatchObject({
      appId: second.appId,
    });
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toMatch(/^wxgw_config_reloads_total\{outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^wxgw_config_reloads_total\{outcome="error"\} 1$/m);

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(gw.raw()).not.toContain(first.appSecret);
    expect(gw.raw()).not.toContain(second.appSecret);
  });

  it('exits on SIGHUP without an apps file (a closed terminal), instead of staying on its port', async () => {
    const [app] = sandbox.apps as [{ appId: string; appSecret: string }];
    gateway = await startGatewayProcess({
      NODE_ENV: 'production',
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      WECHAT_APP_ID: app.appId,
      WECHAT_APP_SECRET: app.appSecret,
      WECHAT_API_BASE: sandbox.url,
    });
    const gw = gateway;
    gw.child.kill('SIGHUP');
    expect(await gw.exited).toBe(0);
    expect(gw.lines.find((line) => String(line.msg).startsWith('stop signal'))).toMatchObject({
      signal: 'SIGHUP',
    });
    await expect(fetch(`${gw.origin}/health`)).rejects.toThrow();
  });

  it('in development, stops on SIGHUP once its parent (tsx, which died with the terminal) is gone', async () => {
    const [app] = sandbox.apps as [{ appId: string; appSecret: string }];
    writeApps([app]);
    // The parent stands for tsx: it starts the gateway as its child, sharing its stdout.
    const parent = `const c = require('node:child_process').spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: 'inherit' }); console.log(JSON.stringify({ gatewayPid: c.pid })); setInterval(() => {}, 1000);`;
    gateway = await startGatewayProcess(
      { NODE_ENV: 'development', WECHAT_APPS_FILE: appsFile, WECHAT_API_BASE: sandbox.url },
      ['-e', parent],
    );
    const gw = gateway;
    const pid = Number((await gw.waitForLine((line) => 'gatewayPid' in line)).gatewayPid);
    expect(pid).toBeGreaterThan(0);
    orphan = pid;

    // While the parent lives, SIGHUP reloads.
    process.kill(pid, 'SIGHUP');
    await gw.waitForLine((line) => String(line.msg).startsWith('apps file reloaded'));
    expect(gw.lines.some((line) => String(line.msg).startsWith('stop signal'))).toBe(false);

    gw.child.kill('SIGKILL');
    await gw.exited;
    process.kill(pid, 'SIGHUP');
    const stopped = await gw.waitForLine((line) => String(line.msg).startsWith('stop signal'));
    expect(stopped).toMatchObject({ signal: 'SIGHUP', why: expect.stringMatching(/parent process is gone/) });
    await gw.waitForLine((line) => line.msg === 'shutdown complete');
    await expect(fetch(`${gw.origin}/health`)).rejects.toThrow();
  });

  it('starts degraded on an unreachable Redis with one warning line, no stack trace', async () => {
    const [app] = sandbox.apps as [{ appId: string; appSecret: string }];
    writeApps([app]);
    const port = await freePort();
    gateway = await start({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const gw = gateway;
    const warnings = gw.lines.filter((line) => String(line.msg).startsWith('Redis is not answering'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, redis: `redis://127.0.0.1:${port}` });
    expect(warnings[0]?.msg).toMatch(/did not answer within \d+ ms.* Starting degraded until it does/);
    expect(warnings[0]).not.toHaveProperty('err');
    expect(gw.raw()).not.toMatch(/\n\s+at /);
    expect(gw.raw()).not.toContain('"stack"');
    gw.child.kill('SIGTERM');
    await gw.exited;
  });

  it('says in one line each when its store becomes healthy and when it degrades, as /ready then answers', async () => {
    const [app] = sandbox.apps as [{ appId: string; appSecret: string }];
    writeApps([app]);
    const port = await freePort();
    gateway = await start({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const gw = gateway;
    const ready = async () => {
      const response = await fetch(`${gw.origin}/ready`);
      return { status: response.status, store: ((await response.json()) as { store: unknown }).store };
    };
    expect(await ready()).toMatchObject({ status: 503, store: { status: 'degraded' } });
    const redis = await startRedisServer(port);
    try {
      const healthy = await gw.waitForLine((line) => String(line.msg).startsWith('store healthy again'));
      expect(healthy).toMatchObject({ level: 30, store: 'redis', status: 'ok' });
      expect((await ready()).store).toEqual({ kind: 'redis', status: 'ok' });
      await stopRedisServer(redis);
      const degraded = await gw.waitForLine((line) => String(line.msg).startsWith('store degraded'));
      expect(degraded).toMatchObject({ level: 40, store: 'redis', status: 'degraded' });
      // The detail is /ready's: Redis by kind, never its address. Which connection notices first (the
      // commands' or the notifications') decides its words; /ready may already say the other's.
      const byKind = /^(Redis |The notification connection to Redis )/;
      expect(degraded.detail).toMatch(byKind);
      expect(String(degraded.detail)).not.toContain(String(port));
      const answer = (await ready()) as { status: number; store: { detail?: string } };
      expect(answer).toMatchObject({ status: 503, store: { kind: 'redis', status: 'degraded' } });
      expect(answer.store.detail).toMatch(byKind);
      expect(answer.store.detail).not.toContain(String(port));
    } finally {
      await stopRedisServer(redis);
    }
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
});
