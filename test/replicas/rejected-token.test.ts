import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import { createLogger } from '../../src/logger.js';
import { deleteKeysUnder, fakeAccessToken, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, startReplica } from '../support/replica.js';
import { appsInBothModes, startSandbox, type TestSandbox } from '../support/sandbox.js';

const TOKEN_PATH: Record<TokenMode, '/cgi-bin/stable_token' | '/cgi-bin/token'> = {
  stable: '/cgi-bin/stable_token',
  classic: '/cgi-bin/token',
};

/**
 * Services that use the token directly report the one WeChat rejected (`refreshToken(rejectedToken)`),
 * all at once and through three replicas: one upstream fetch in total, whichever replica they reach.
 * A token the gateway never issued costs nothing upstream, and no log line holds a reported token.
 */
describeRedis('rejected tokens reported to three replicas', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  const apps = {} as Record<TokenMode, AppConfig>;
  const replicas: Replica[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ appCount: 2 });
    Object.assign(apps, appsInBothModes(sandbox));
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(line) },
    });
    for (let i = 0; i < 3; i++) {
      replicas.push(
        await startReplica({
          redisUrl,
          keyPrefix,
          sandboxUrl: sandbox.url,
          apps: [apps.stable, apps.classic],
          store: { logger },
          manager: { logger },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it.each(['stable', 'classic'] as const)(
    '%s: 50 concurrent reports of the stored token make one upstream fetch, and all get the new token',
    async (mode) => {
      const app = apps[mode];
      const first = await replicas[0]?.manager.getToken(app.appId);
      if (!first) throw new Error('no token');
      // The service met 40001: another system rotated the token, so WeChat no longer takes it.
      await sandbox.rotateToken(app.appId);
      const before = (await sandbox.counters())[TOKEN_PATH[mode]] ?? 0;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => replicas[i % 3]?.manager.reportRejected(app.appId, first.value)),
      );
      expect((await sandbox.counters())[TOKEN_PATH[mode]]).toBe(before + 1);
      const renewed = new Set(answers.map((token) => token?.value));
      expect(renewed.size).toBe(1);
      expect(renewed.has(first.value)).toBe(false);
      const [token] = renewed;
      await expect(replicas[1]?.client.getCallbackIp(token ?? '')).resolves.not.toHaveLength(0);
      for (const line of lines) expect(line.includes(first.value)).toBe(false);
    },
  );

  it('a token this gateway never issued is answered with the current token and costs nothing upstream', async () => {
    const app = apps.classic;
    const current = await replicas[0]?.manager.getToken(app.appId);
    const before = await sandbox.counters();
    const stranger = fakeAccessToken();
    const answers = await Promise.all(
      replicas.map((replica) => replica.manager.reportRejected(app.appId, stranger)),
    );
    expect(answers.map((token) => token.value)).toEqual(replicas.map(() => current?.value));
    expect(await sandbox.counters()).toEqual(before);
    for (const line of lines) expect(line.includes(stranger)).toBe(false);
  });
});
