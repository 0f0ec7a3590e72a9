import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process.js';

/**
 * Which mode each entry runs in, and what its start-up log says, so `npm start` never serves an open
 * development gateway. Real processes: the built entry (`node dist/main.js`) and the tsx one.
 */

const KEY = 'startup-key-0123456789abcdef';

describe('start-up mode and log', () => {
  let sandbox: TestSandbox;
  const running: GatewayProcess[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    for (const gateway of running) if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    await sandbox?.close();
  });

  const app = () => ({
    WECHAT_APP_ID: sandbox.app.appId,
    WECHAT_APP_SECRET: sandbox.app.appSecret,
    WECHAT_API_BASE: sandbox.url,
  });
  const start = async (env: Record<string, string>, args?: string[]) => {
    const gateway = await startGatewayProcess(env, args);
    running.push(gateway);
    return gateway;
  };
  const isListening = (line: Record<string, unknown>) => String(line.msg).includes('listening on');
  const isNoKeysWarning = (line: Record<string, unknown>) => String(line.msg).startsWith('NO API KEYS');

  it('the built entry without NODE_ENV is production: it refuses to start without keys', async () => {
    await expect(start(app())).rejects.toThrow(
      /exited \(1\)[\s\S]*GATEWAY_API_KEYS is required in production/,
    );
  });

  it('the built entry with keys runs as production and says so: mode, store, apps, keys', async () => {
    const gateway = await start({ ...app(), GATEWAY_API_KEYS: `${KEY}:token:read` });
    const line = await gateway.waitForLine(isListening);
    expect(line).toMatchObject({ mode: 'production', store: 'memory', apps: 1, apiKeys: 1, level: 30 });
    expect(String(line.msg)).toContain('(production mode, 1 app(s), memory store, 1 API key(s))');
    // Production defaults: introspection off.
    const answer = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    const body = (await answer.json()) as { data?: { __schema?: unknown } | null; errors?: unknown[] };
    expect(body.data?.__schema).toBeUndefined();
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(gateway.lines.some(isNoKeysWarning)).toBe(false);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('the built entry open on purpose (GATEWAY_ALLOW_ANONYMOUS=true) warns loudly', async () => {
    const gateway = await start({ ...app(), GATEWAY_ALLOW_ANONYMOUS: 'true' });
    await gateway.waitForLine(isListening);
    const warning = await gateway.waitForLine(isNoKeysWarning);
    expect(warning).toMatchObject({ level: 40, mode: 'production', apiKeys: 0 });
    expect(String(warning.msg)).toContain('OPEN (GATEWAY_ALLOW_ANONYMOUS=true)');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('NODE_ENV still decides when set: the built entry with NODE_ENV=development', async () => {
    const gateway = await start({ ...app(), NODE_ENV: 'development' });
    expect(await gateway.waitForLine(isListening)).toMatchObject({ mode: 'development', apiKeys: 0 });
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('logs each variable that looks like a setting but is none once, one line each, before serving', async () => {
    const gateway = await start({
      ...app(),
      NODE_ENV: 'development',
      WECHAT_API_BASE_URL: 'https://misspelled.example.invalid',
      REDIS_URI: 'redis://misspelled.example.invalid:6379',
      REDIS_SERVICE_HOST: '10.0.0.11',
      REDIS_PORT: 'tcp://10.0.0.11:6379',
    });
    await gateway.waitForLine(isListening);
    const warnings = gateway.lines.filter((line) => String(line.msg).includes('is not a setting'));
    expect(warnings.map((line) => [line.level, line.msg])).toEqual([
      [
        40,
        'REDIS_URI is not a setting and is ignored (did you mean REDIS_URL?). Fix: rename it to REDIS_URL, or unset it if another program reads it.',
      ],
      [
        40,
        'WECHAT_API_BASE_URL is not a setting and is ignored (the closest setting is WECHAT_API_BASE). Fix: rename it to WECHAT_API_BASE, or unset it.',
      ],
    ]);
    expect(gateway.raw()).not.toContain('misspelled.example.invalid');
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('the built entry refuses an unknown WECHAT_ variable: one line, exit 1', async () => {
    await expect(
      start({ ...app(), GATEWAY_API_KEYS: `${KEY}:token:read`, WECHAT_APPID: sandbox.app.appId }),
    ).rejects.toThrow(/exited \(1\)[\s\S]*WECHAT_APPID \(did you mean WECHAT_APP_ID\?\) is not a setting/);
  });

  it('refuses a key limited to an app other than the sandbox demo app when no app is configured', async () => {
    await expect(
      start({ NODE_ENV: 'development', GATEWAY_API_KEYS: `${KEY}:token:read:wx0123456789abcdef` }),
    ).rejects.toThrow(
      /exited \(1\)[\s\S]*API key 1 \(counting GATEWAY_API_KEYS, then GATEWAY_API_KEYS_FILE\) is limited to wx0123456789abcdef, which is not a configured app \(configured: wx5a4d0e1f2b3c4d5e, ww5a4d0e1f2b3c4d5e\/1000002\)/,
    );
  });

  it('the source entry (npm run dev) without NODE_ENV is development with both demo apps, and warns that it has no keys', async () => {
    const gateway = await start({}, ['--import', 'tsx', 'src/main.ts']);
    const line = await gateway.waitForLine(isListening);
    expect(line).toMatchObject({ mode: 'development', apps: 2, apiKeys: 0 });
    expect(await gateway.waitForLine(isNoKeysWarning)).toMatchObject({ level: 40, mode: 'development' });
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});
