import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRing } from '../../src/auth/api-key-ring.js';
import { keyProblem } from '../../src/auth/api-keys.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';

/** API keys: one documented rule, errors that name the entry and never any key, a fix that works when pasted. */

const GOOD = 'good-key-0123456789abcdef';
const OTHER = 'other-key-0123456789abcdef';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** The GATEWAY_API_KEYS value the message suggests. */
function suggested(message: string): string {
  const match = /Fix: GATEWAY_API_KEYS="([^"]+)"/.exec(message);
  expect(match, message).not.toBeNull();
  return match?.[1] ?? '';
}

describe('GATEWAY_API_KEYS', () => {
  it.each([
    ['a short key', 'short:token:read', /entry 1 is invalid: a key must be 16-256 characters/],
    ['a README placeholder', '<a long random key>:token:read', /entry 1 .*contains a space|placeholder/],
    ['a placeholder without spaces', '<a-long-random-key>:token:read', /entry 1 .*placeholder/],
    ['the docs placeholder', 'change-me-to-a-long-random-key:token:read', /entry 1 .*placeholder/],
    ['a quoted key', `"${GOOD}":token:read`, /entry 1 .*quotes/],
    ['a key with other characters', `${GOOD}!:token:read`, /entry 1 .*A-Z a-z 0-9 _ -/],
    ['a list separated by ";"', `${GOOD}:token:read;${OTHER}:wechat:read`, /entry 1 .*semicolon/],
    ['a list separated by spaces', `${GOOD}:token:read ${OTHER}:wechat:read`, /entry 1 .*a space/],
    ['a list separated by newlines', `${GOOD}:token:read\n${OTHER}:wechat:read`, /entry 1 .*line break/],
    [
      'a bad second entry',
      `${GOOD}:token:read,${OTHER}:token:write`,
      /entry 2 has an unknown scope "token:write"/,
    ],
    [
      'a key where a scope belongs',
      `${GOOD}:token:read+${OTHER}`,
      /entry 1 has an unknown scope \(not shown/,
    ],
  ])('refuses %s by position, echoing no key, with a fix that works when pasted', (_, value, pattern) => {
    const message = configError({ GATEWAY_API_KEYS: value });
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    for (const key of [GOOD, OTHER, 'short', 'a long random key', 'change-me-to-a-long-random-key']) {
      expect(message).not.toContain(key);
    }
    const fix = suggested(message);
    expect(loadConfig({ GATEWAY_API_KEYS: fix }).auth.apiKeys).toHaveLength(1);
    // A fresh key each time: never one the operator configured, never the same suggestion twice.
    expect(suggested(configError({ GATEWAY_API_KEYS: value }))).not.toBe(fix);
  });

  it('keeps accepting keys that follow the rule, with spaces around commas', () => {
    const { apiKeys } = loadConfig({
      GATEWAY_API_KEYS: ` ${GOOD}:token:read , ${OTHER}:wechat:read `,
    }).auth;
    expect(apiKeys.map((key) => key.key)).toEqual([GOOD, OTHER]);
  });

  it('takes only digests in GATEWAY_API_KEYS_FILE, naming the entry of a malformed one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wxgw-keys-')), 'keys.json');
    writeFileSync(
      path,
      JSON.stringify([
        { sha256: 'a'.repeat(64), scopes: ['token:read'] },
        { sha256: GOOD, scopes: ['token:read'] },
      ]),
    );
    const message = configError({ GATEWAY_API_KEYS_FILE: path });
    expect(message).toMatch(/at 1\.sha256: expected 64 lowercase hex digits/);
    expect(message).not.toContain(GOOD);
  });

  it('documents the rule in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('16-256 characters of A-Z a-z 0-9 _ - (base64url or hex)');
    expect(readme).not.toContain('<a long random key>');
  });
});

describe('npm run keygen', () => {
  it('prints a key that follows the rule and the digest line GATEWAY_API_KEYS_FILE accepts', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/keygen.ts', 'token:read'],
      {
        cwd: new URL('../../', import.meta.url),
      },
    );
    const key = /^key: (\S+)$/m.exec(stdout)?.[1] ?? '';
    const entry = /^GATEWAY_API_KEYS entry: (\S+)$/m.exec(stdout)?.[1] ?? '';
    const line = /^GATEWAY_API_KEYS_FILE entry: (.+)$/m.exec(stdout)?.[1] ?? '';
    expect(keyProblem(key)).toBeUndefined();
    expect(entry).toBe(`${key}:token:read`);
    expect(line).not.toContain(key);

    const path = join(mkdtempSync(join(tmpdir(), 'wxgw-keys-')), 'keys.json');
    writeFileSync(path, `[${line}]`);
    const fromFile = new ApiKeyRing(loadConfig({ GATEWAY_API_KEYS_FILE: path }).auth.apiKeys);
    expect(fromFile.match(key)?.scopes).toEqual(new Set(['token:read']));
    const fromText = new ApiKeyRing(loadConfig({ GATEWAY_API_KEYS: entry }).auth.apiKeys);
    expect(fromText.match(key)?.scopes).toEqual(new Set(['token:read']));
  });
});

describe('credential headers sent twice (over HTTP)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { GATEWAY_API_KEYS: `${GOOD}:token:read,${OTHER}:token:read` } });
  });
  afterAll(() => gw.close());

  /** node:http sends an array value as repeated header lines (fetch would join them into one). */
  function post(headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ apps { appId } }' }));
    });
  }

  it('answers one Authorization header as before', async () => {
    expect((await post({ authorization: `Bearer ${GOOD}` })).status).toBe(200);
  });

  it.each([
    ['two Authorization headers', { authorization: [`Bearer ${GOOD}`, `Bearer ${OTHER}`] }, 'authorization'],
    [
      'the same Authorization twice',
      { authorization: [`Bearer ${GOOD}`, `Bearer ${GOOD}`] },
      'authorization',
    ],
    ['two x-api-key headers', { 'x-api-key': [GOOD, OTHER] }, 'x-api-key'],
  ])('refuses %s with 400, naming the header and no key', async (_, headers, name) => {
    const answer = await post(headers);
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]?.message).toContain(`${name} header more than once`);
    expect(answer.body).not.toContain(GOOD);
    expect(answer.body).not.toContain(OTHER);
  });
});
