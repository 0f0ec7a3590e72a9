import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
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

it('on a port in use prints one line saying what to fix, no stack, and exits 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wechat/sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual([
      `Cannot listen on 127.0.0.1:${port} (EADDRINUSE). Fix: set SANDBOX_PORT to a free port, e.g. SANDBOX_PORT=4101.`,
    ]);
  } finally {
    taken.close();
  }
});
