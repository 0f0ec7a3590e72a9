import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRing } from '../../src/auth/api-key-ring.js';
import { generateApiKey, keyProblem } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/index.js';
import { configError } from '../config/config-error.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { builtEntry } from '../support/built-entry.js';
import { rawRequest } from '../support/raw-http.js';

/** API keys: one documented rule, errors that name the entry and never any key, a fix that works when pasted. */

const GOOD = 'good-key-0123456789abcdef';
const OTHER = 'other-key-0123456789abcdef';

/** The entry (or GATEWAY_API_KEYS value) the message proposes, its keys masked. */
function suggested(message: string): string {
  const match = /Fix: (?:write [^"]*"([^"]+)"|GATEWAY_API_KEYS="([^"]+)")/.exec(message);
  expect(match, message).not.toBeNull();
  return match?.[1] ?? match?.[2] ?? '';
}

/** The proposal with the operator's keys put in where it masks them, and a new key where it asks for one. */
function filledIn(proposal: string): string {
  return proposal
    .replace(/<your key(?:, without quotes| 1)?>/, GOOD)
    .replace('<your key 2>', OTHER)
    .replace('<a new key from npm run keygen>', generateApiKey());
}

describe('GATEWAY_API_KEYS', () => {
  it.each([
    [
      'a short key',
      'short:token:read',
      /entry 1 is invalid: a key must be 16-256 characters/,
      '<a new key from npm run keygen>:token:read',
    ],
    [
      'a README placeholder',
      '<a long random key>:token:read',
      /entry 1 .*contains a space|placeholder/,
      undefined,
    ],
    [
      'a placeholder without spaces',
      '<a-long-random-key>:token:read',
      /entry 1 .*placeholder/,
      '<a new key from npm run keygen>:token:read',
    ],
    [
      'the docs placeholder',
      'change-me-to-a-long-random-key:token:read',
      /entry 1 .*placeholder/,
      '<a new key from npm run keygen>:token:read',
    ],
    ['a quoted key', `"${GOOD}":token:read`, /entry 1 .*quotes/, '<your key, without quotes>:token:read'],
    [
      'a key with other characters',
      `${GOOD}!:token:read`,
      /entry 1 .*A-Z a-z 0-9 _ -/,
      '<a new key from npm run keygen>:token:read',
    ],
    [
      'a list separated by ";"',
      `${GOOD}:token:read;${OTHER}:wechat:read`,
      /entry 1 .*semicolon/,
      '<your key 1>:token:read,<your key 2>:wechat:read',
    ],
    [
      'a list separated by spaces',
      `${GOOD}:token:read ${OTHER}:wechat:read`,
      /entry 1 .*a space/,
      '<your key 1>:token:read,<your key 2>:wechat:read',
    ],
    [
      'a list separated by newlines',
      `${GOOD}:token:read\n${OTHER}:wechat:read`,
      /entry 1 .*line break/,
      '<your key 1>:token:read,<your key 2>:wechat:read',
    ],
    [
      'a bad second entry',
      `${OTHER}:token:read,${GOOD}:token:write`,
      /entry 2 has an unknown scope "token:write": use /,
      '<your key>:<scope>',
    ],
    [
      'a misspelled scope',
      `${GOOD}:token:reads+wechat:read`,
      /entry 1 has an unknown scope "token:reads" \(did you mean "token:read"\?\)/,
      '<your key>:token:read+wechat:read',
    ],
    [
      'a key where a scope belongs',
      `${GOOD}:token:read+${OTHER}`,
      /entry 1 has an unknown scope \(not shown/,
      '<your key>:token:read',
    ],
    [
      'a malformed appId',
      `${GOOD}:token:read:wx123`,
      /^GATEWAY_API_KEYS entry 1 has a malformed appId "wx123" after its scopes: an appId is wx \+ 16 lowercase hex digits/,
      '<your key>:token:read:wx<16 hex digits>',
    ],
    [
      'an appId in capitals',
      `${GOOD}:token:read:wx1234567890ABCDEF`,
      /entry 1 has a malformed appId "wx1234567890ABCDEF"/,
      '<your key>:token:read:wx1234567890abcdef',
    ],
    [
      'scopes joined with ","',
      `${GOOD}:token:read,wechat:read`,
      /^GATEWAY_API_KEYS entry 2 is a scope \("wechat:read"\), not a key: scopes are joined with "\+", not ","\. Fix: write entries 1 and 2 as one, /,
      '<your key>:token:read+wechat:read',
    ],
    [
      'scopes without a key',
      'wechat:read',
      /^GATEWAY_API_KEYS entry 1 is scopes without a key/,
      '<a new key from npm run keygen>:wechat:read',
    ],
  ])(
    'refuses %s by position, echoing no key, proposing the entry corrected',
    (_, value, pattern, proposal) => {
      const message = configError({ GATEWAY_API_KEYS: value });
      expect(message).toMatch(pattern);
      expect(message).not.toContain('\n');
      for (const key of [GOOD, OTHER, 'short', 'a long random key', 'change-me-to-a-long-random-key']) {
        expect(message).not.toContain(key);
      }
      if (proposal === undefined) return;
      expect(suggested(message)).toBe(proposal);
      // Where the proposal needs nothing else from the operator, their keys put in, it starts.
      if (!/<scope>|wx<16/.test(proposal)) {
        expect(loadConfig({ GATEWAY_API_KEYS: filledIn(proposal) }).auth.apiKeys.length).toBeGreaterThan(0);
      }
    },
  );

  it('refuses a key limited to an app that is not configured, naming the entry and the app', () => {
    const app = {
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
    };
    const message = configError({
      ...app,
      GATEWAY_API_KEYS: `${OTHER}:token:read:wx0123456789abcdef,${GOOD}:wechat:read:wx0123456789abcdee`,
    });
    expect(message).toBe(
      'GATEWAY_API_KEYS entry 2 is limited to wx0123456789abcdee, which is not a configured app (did you mean wx0123456789abcdef? configured: wx0123456789abcdef). Fix: configure that app (WECHAT_APP_ID or WECHAT_APPS_FILE), or correct the appId in the entry.',
    );
    const path = join(mkdtempSync(join(tmpdir(), 'wxgw-keys-')), 'keys.json');
    writeFileSync(
      path,
      JSON.stringify([{ sha256: 'a'.repeat(64), scopes: ['token:read'], appIds: ['wxffffffffffffffff'] }]),
    );
    expect(configError({ ...app, GATEWAY_API_KEYS_FILE: path })).toMatch(
      /^GATEWAY_API_KEYS_FILE ".*keys\.json" entry 1 is limited to wxffffffffffffffff, which is not a configured app \(configured: wx0123456789abcdef\)/,
    );
    // Without configured apps (development's sandbox) there is nothing to check against.
    expect(
      loadConfig({ GATEWAY_API_KEYS: `${GOOD}:token:read:wx0123456789abcdee` }).auth.apiKeys,
    ).toHaveLength(1);
  });

  describe('limited to the authorizers of components (:component=wx…, "componentAppIds")', () => {
    const component = {
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
      WECHAT_COMPONENT_APP_ID: 'wxc0c0c0c0c0c0c0c0',
      WECHAT_COMPONENT_APP_SECRET: 'c0'.repeat(16),
      WECHAT_COMPONENT_TOKEN: 'pushToken',
      WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    };

    it('reads the components beside the apps', () => {
      const [key] = loadConfig({
        ...component,
        GATEWAY_API_KEYS: `${GOOD}:token:read:wx0123456789abcdef+component=wxc0c0c0c0c0c0c0c0`,
      }).auth.apiKeys;
      expect(key).toMatchObject({ appIds: ['wx0123456789abcdef'], componentAppIds: ['wxc0c0c0c0c0c0c0c0'] });
      const [only] = loadConfig({
        ...component,
        GATEWAY_API_KEYS: `${GOOD}:token:read:component=wxc0c0c0c0c0c0c0c0`,
      }).auth.apiKeys;
      expect(only).toEqual({ key: GOOD, scopes: ['token:read'], componentAppIds: ['wxc0c0c0c0c0c0c0c0'] });
    });

    it('refuses a malformed component with one fix line that works when pasted', () => {
      const message = configError({
        ...component,
        GATEWAY_API_KEYS: `${GOOD}:token:read:component=WXC0C0C0C0C0C0C0C0`,
      });
      expect(message).toContain('GATEWAY_API_KEYS entry 1 has a malformed component');
      expect(message).not.toContain(GOOD);
      expect(message.split('\n')).toHaveLength(1);
      const proposal = suggested(message);
      expect(proposal).toBe('<your key>:token:read:component=wxc0c0c0c0c0c0c0c0');
      expect(loadConfig({ ...component, GATEWAY_API_KEYS: filledIn(proposal) }).auth.apiKeys).toHaveLength(1);
    });

    it('refuses a component that is not configured, from the variable and from the file', () => {
      expect(
        configError({ ...component, GATEWAY_API_KEYS: `${GOOD}:token:read:component=wxc1c1c1c1c1c1c1c1` }),
      ).toBe(
        'GATEWAY_API_KEYS entry 1 is limited to component wxc1c1c1c1c1c1c1c1, which is not a configured Open Platform component (configured: wxc0c0c0c0c0c0c0c0). Fix: configure it (WECHAT_COMPONENT_* or a "kind": "component" entry of WECHAT_APPS_FILE), or correct the appId after component=.',
      );
      const path = join(mkdtempSync(join(tmpdir(), 'wxgw-keys-')), 'keys.json');
      writeFileSync(
        path,
        JSON.stringify([
          { sha256: 'a'.repeat(64), scopes: ['token:read'], componentAppIds: ['wxc1c1c1c1c1c1c1c1'] },
        ]),
      );
      expect(configError({ ...component, GATEWAY_API_KEYS_FILE: path })).toMatch(
        /^GATEWAY_API_KEYS_FILE ".*keys\.json" entry 1 is limited to component wxc1c1c1c1c1c1c1c1/,
      );
      writeFileSync(
        path,
        JSON.stringify([
          { sha256: 'a'.repeat(64), scopes: ['token:read'], componentAppIds: ['wxc0c0c0c0c0c0c0c0'] },
        ]),
      );
      expect(loadConfig({ ...component, GATEWAY_API_KEYS_FILE: path }).auth.apiKeys[0]).toMatchObject({
        componentAppIds: ['wxc0c0c0c0c0c0c0c0'],
      });
    });
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
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const keygen = (args: string[]) =>
    promisify(execFile)(process.execPath, [builtEntry('src/keygen.ts'), ...args], { cwd: root });

  it.each([['--help'], ['-h'], ['help']])(
    'answers %s with its usage, scopes included, and no key',
    async (flag) => {
      const { stdout, stderr } = await keygen([flag]);
      expect(stdout).toMatch(/^Usage: npm run keygen \[-- <scope\+scope>\]/);
      expect(stdout).toContain(
        'token:read, token:refresh, wechat:read, wechat:admin, jssdk:sign, component:admin',
      );
      expect(stdout).not.toMatch(/^key: /m);
      expect(stderr).toBe('');
    },
  );

  it('answers `npm run keygen -- --help` through npm the same way', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'keygen', '--', '--help'], {
      cwd: root,
    });
    expect(stdout).toMatch(/^Usage: npm run keygen/);
  });

  it('refuses an unknown option or scope with the usage, exit 1', async () => {
    for (const args of [['--scopes=token:read'], ['token:write'], ['token:read', 'wechat:read']]) {
      const failed = await keygen(args).then(
        () => undefined,
        (error: { code: number; stderr: string; stdout: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('Usage: npm run keygen');
      expect(failed?.stdout).toBe('');
    }
  });

  it('prints a key that follows the rule and the digest line GATEWAY_API_KEYS_FILE accepts', async () => {
    const { stdout } = await keygen(['token:read']);
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

  /** Repeated header lines (an array value), which fetch would join into one. */
  async function post(headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
    const answer = await rawRequest(gw.url, {
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ apps { appId } }' }),
    });
    return { status: answer.status, body: answer.text };
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
