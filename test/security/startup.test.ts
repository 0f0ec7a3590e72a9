import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { builtEntry } from '../support/built-entry.js';

const APP = { WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 'fedcba9876543210fedcba9876543210' };

/** Runs the built entry as `npm start` does and returns its exit code and stderr. */
async function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [builtEntry('src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

describe('start-up refusals (one line on stderr, exit 1)', () => {
  it('NODE_ENV=production without API keys', async () => {
    const { code, stderr } = await start({ NODE_ENV: 'production', ...APP });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^GATEWAY_API_KEYS is required in production\. Fix: .*GATEWAY_ALLOW_ANONYMOUS=true.*\n$/,
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain(APP.WECHAT_APP_SECRET);
  });

  it('a trusted-documents manifest that is not one', async () => {
    const { code, stderr } = await start({
      NODE_ENV: 'production',
      ...APP,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      GATEWAY_TRUSTED_DOCUMENTS: '/nonexistent/persisted-documents.json',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^GATEWAY_TRUSTED_DOCUMENTS: cannot read .*ENOENT.*Fix: .*\n$/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
