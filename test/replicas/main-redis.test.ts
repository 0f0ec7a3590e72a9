import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { builtEntry } from '../support/built-entry.js';
import { freePort } from '../support/free-port.js';
import { type ProcessLog, watchLog } from '../support/process-log.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { subscribeSse } from '../support/sse.js';

interface Process {
  child: ChildProcess;
  url: string;
  /** Its log lines (JSON, at info), waited on as they are written. */
  log: ProcessLog;
}

/**
 * Two `src/main.ts` processes with REDIS_URL set, as two replicas are deployed: they share the token
 * through Redis from their first moment, and one hears the other's rotation on `tokenEvents`.
 */
describeRedis('two gateway processes started with REDIS_URL', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  const processes: Process[] = [];

  async function startMain(): Promise<Process> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^(NODE_ENV|WECHAT_|REDIS_|GATEWAY_|GRAPHIQL|PORT|HOST|LOG_LEVEL|VITEST)/.test(key))
        env[key] = value;
    }
    const child = spawn(process.execPath, [builtEntry('src/main.ts')], {
      env: {
        ...env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: String(port),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        WECHAT_APP_ID: sandbox.app.appId,
        WECHAT_APP_SECRET: sandbox.app.appSecret,
        WECHAT_API_BASE: sandbox.url,
        FORCE_REFRESH_COOLDOWN_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started: Process = { child, url: `http://127.0.0.1:${port}/graphql`, log: watchLog(child) };
    processes.push(started);
    return started;
  }

  /** /ready's answer once the process says it listens (its store connected before it does). */
  async function readiness(gateway: Process): Promise<unknown> {
    await gateway.log.seen('the gateway listening', /"msg":"wxtoken-gateway listening on /, 1, 20_000);
    const response = await fetch(gateway.url.replace(/\/graphql$/, '/ready'));
    return response.json();
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await Promise.all(
      processes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('use RedisStore, fetch the token once between them, and stream one’s forced refresh to the other', async () => {
    const [a, b] = await Promise.all([startMain(), startMain()]);
    for (const gateway of [a, b]) {
      expect(await readiness(gateway)).toMatchObject({ store: { kind: 'redis', status: 'ok' } });
    }
    // Both background refreshers start at once; the lock lets one of them fetch, and it says so.
    const fetched = /"msg":"obtained a new access token"/;
    const status = '{ tokenStatus { state accessToken } }';
    const read = async (gateway: Process) => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: status }),
      });
      return (await response.json()) as { data: { tokenStatus: { state: string; accessToken: string } } };
    };
    await Promise.any([a, b].map((gateway) => gateway.log.seen('the token obtained', fetched, 1, 5_000)));
    expect((await read(a)).data.tokenStatus.state).toBe('FRESH');
    expect((await read(b)).data.tokenStatus).toEqual((await read(a)).data.tokenStatus);
    expect(
      [a, b].flatMap((gateway) => gateway.log.lines()).filter((line) => fetched.test(line)),
    ).toHaveLength(1);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(1);

    const subscription = await subscribeSse(b.url, {
      query: 'subscription { tokenEvents { type reason fingerprint } }',
    });
    expect(subscription.status).toBe(200);
    // b's stream subscribes to its token service as Yoga reads the stream's first chunk, in the same
    // turn as its headers leave: before b can handle any later Redis notification. One refresh is heard.
    const response = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { refreshToken(force: true) { state } }' }),
    });
    expect(await response.json()).toEqual({ data: { refreshToken: { state: 'FRESH' } } });
    const heard = (await subscription.next(5_000)).data;
    expect(JSON.parse(heard ?? '{}')).toMatchObject({
      data: { tokenEvents: { type: 'REFRESHED', reason: 'FORCED' } },
    });
    const renewed = (await read(a)).data.tokenStatus.accessToken;
    expect(heard).not.toContain(renewed);
    // b's stream spoke after its store's notification updated its copy: b serves the new token now.
    expect((await read(b)).data.tokenStatus.accessToken).toBe(renewed);

    // SIGTERM ends the open subscription cleanly and the process exits 0.
    const exited = once(b.child, 'exit');
    b.child.kill('SIGTERM');
    expect(await subscription.ended).toBe('complete');
    expect((await exited)[0]).toBe(0);
  });
});
