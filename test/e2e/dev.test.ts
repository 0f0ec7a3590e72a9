import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_GRAPHIQL_QUERY, GRAPHIQL_OPERATIONS } from '../../src/graphql/graphiql.js';
import { freePort } from '../support/free-port.js';

/** `npm run dev` from a fresh state: no credentials, no Redis, the embedded sandbox. */

/** The environment of a fresh clone: nothing of ours set (vitest's NODE_ENV=test removed too). */
function freshEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NODE_ENV|WECHAT_|REDIS_|GATEWAY_|GRAPHIQL|PORT|HOST|LOG_LEVEL|VITEST)/.test(key))
      env[key] = value;
  }
  return { ...env, ...extra };
}

function run(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => boolean, what: () => string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm run dev (tsx src/main.ts)', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts the sandbox, prints the GraphiQL URL, answers the default GraphiQL query and stops on SIGTERM', async () => {
    const port = await freePort();
    const dev = run(freshEnv({ PORT: String(port) }));
    started.push(dev.child);
    const url = `http://127.0.0.1:${port}/graphql`;
    await waitFor(() => dev.output().includes(`GraphiQL: ${url}`), dev.output);

    // Each operation of the default document runs on its own (a key without one scope still runs the others).
    const data: Record<string, Record<string, { state?: string; ips?: string[] } | unknown[]>> = {};
    for (const operationName of GRAPHIQL_OPERATIONS) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: DEFAULT_GRAPHIQL_QUERY, operationName }),
      });
      const body = await response.json();
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      data[operationName] = body.data;
    }
    // The demo Official Account is what an omitted appId means beside the demo WeCom app.
    expect(data.TokenStatus).toMatchObject({
      tokenStatus: { appId: 'wx5a4d0e1f2b3c4d5e', state: 'FRESH' },
      apps: [{ appId: 'wx5a4d0e1f2b3c4d5e' }, { appId: 'ww5a4d0e1f2b3c4d5e/1000002' }],
    });
    expect(data.AccessToken).toMatchObject({ tokenStatus: { accessToken: expect.any(String) } });
    expect(data.CallbackIps).toMatchObject({
      callbackIps: { ips: expect.arrayContaining([expect.any(String)]) },
    });
    expect(data.RefreshToken).toMatchObject({ refreshToken: { state: 'FRESH' } });

    // The demo WeCom app is served too: its token, and both signatures of a page.
    const wecom = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{
          app(appId: "ww5a4d0e1f2b3c4d5e/1000002") { kind tokenStatus { state } }
          jsSdkConfig(appId: "ww5a4d0e1f2b3c4d5e/1000002", url: "https://example.com/page") {
            appId signature agentConfig { corpId agentId signature }
          }
        }`,
      }),
    }).then((response) => response.json());
    expect(wecom.errors, JSON.stringify(wecom.errors)).toBeUndefined();
    expect(wecom.data).toMatchObject({
      app: { kind: 'WECOM', tokenStatus: { state: 'FRESH' } },
      jsSdkConfig: {
        appId: 'ww5a4d0e1f2b3c4d5e',
        signature: expect.stringMatching(/^[0-9a-f]{40}$/),
        agentConfig: { corpId: 'ww5a4d0e1f2b3c4d5e', agentId: '1000002' },
      },
    });

    // README's Open Platform walk-through ends here: a demo authorizer's callbackIps, served with its
    // authorizer token (the demo authorizations are pushed just after start-up, so they are awaited).
    await vi.waitFor(
      async () => {
        const authorizer = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ callbackIps(appId: "wxa0a0a0a0a0a0a0a1") { appId ips } }' }),
        }).then((response) => response.json());
        expect(authorizer.errors, JSON.stringify(authorizer.errors)).toBeUndefined();
        expect(authorizer.data.callbackIps).toMatchObject({
          appId: 'wxa0a0a0a0a0a0a0a1',
          ips: expect.any(Array),
        });
      },
      { timeout: 10_000, interval: 100 },
    );

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
    expect(dev.output()).not.toMatch(/"accessToken"\s*:\s*"[A-Za-z0-9_-]{20,}/);
  });

  it('a configuration error prints one line to stderr and exits 1, without a stack', async () => {
    const bad = run(freshEnv({ PORT: 'not-a-port' }));
    started.push(bad.child);
    expect(await bad.exited).toBe(1);
    const lines = bad.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^PORT is invalid .*Fix:/);
    expect(bad.output()).not.toMatch(/\n\s+at /);
  });

  it('a port already in use prints one line to stderr and exits 1, without a stack', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: freshEnv({ PORT: String(port), LOG_LEVEL: 'silent' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)\\. Fix:`),
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
