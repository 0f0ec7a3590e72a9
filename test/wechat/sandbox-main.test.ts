import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { DEMO_APP } from '../../src/wechat/sandbox/demo-app.js';

/** `npm run sandbox` as an operator runs it: logs where it listens, accepts the demo app, never logs the secret. */
it('starts, logs its URL and the demo appId without the secret, and serves the demo app', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/wechat/sandbox/main.ts'], {
    env: { ...process.env, SANDBOX_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    const [firstLine] = (await once(lines, 'line')) as [string];
    expect(firstLine).toContain(DEMO_APP.appId);
    expect(firstLine).not.toContain(DEMO_APP.appSecret);
    const { url } = JSON.parse(firstLine) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: DEMO_APP.appId,
        secret: DEMO_APP.appSecret,
      }),
    });
    expect(((await response.json()) as { expires_in: number }).expires_in).toBe(7200);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
