import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyRing } from '../../src/auth/api-key-ring.js';
import { MAX_KEY_LENGTH, presentedKey } from '../../src/auth/presented-key.js';
import { createCallerResolver, OPEN_CALLER } from '../../src/auth/resolve-caller.js';
import { SCOPES } from '../../src/auth/scopes.js';
import { loadConfig } from '../../src/config/index.js';

const READER = 'reader-key-0123456789abcdef';
const REFRESHER = 'refresher-key-0123456789abcd';
const FILE_KEY = 'file-key-only-stored-as-digest-0001';
const APP = 'wx1234567890abcdef';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');

function headers(entries: Record<string, string>): Headers {
  return new Headers(entries);
}

describe('presentedKey', () => {
  it.each([
    [{ authorization: `Bearer ${READER}` }, READER],
    [{ authorization: `bearer   ${READER}  ` }, READER],
    [{ 'x-api-key': READER }, READER],
    [{ authorization: `Bearer ${READER}`, 'x-api-key': READER }, READER],
  ])('reads the key from %j', (sent, key) => {
    expect(presentedKey(headers(sent))).toEqual({ kind: 'key', key });
  });

  it('reports no key when neither header is sent (or x-api-key is blank)', () => {
    expect(presentedKey(headers({}))).toEqual({ kind: 'none' });
    expect(presentedKey(headers({ 'x-api-key': '  ' }))).toEqual({ kind: 'none' });
  });

  it.each([
    [{ authorization: `Basic ${Buffer.from(`u:${READER}`).toString('base64')}` }, /Bearer <API key>/],
    [{ authorization: 'Bearer' }, /Bearer <API key>/],
    [{ authorization: `Bearer ${READER} extra` }, /Bearer <API key>/],
    [{ authorization: `Bearer ${READER}`, 'x-api-key': REFRESHER }, /different keys/],
    [{ 'x-api-key': 'k'.repeat(MAX_KEY_LENGTH + 1) }, /longer than 512/],
  ])('refuses %j without quoting it', (sent, reason) => {
    const result = presentedKey(headers(sent));
    expect(result.kind).toBe('malformed');
    const text = result.kind === 'malformed' ? result.reason : '';
    expect(text).toMatch(reason);
    expect(text).not.toContain(READER);
    expect(text).not.toContain(REFRESHER);
  });
});

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing([
    { key: READER, scopes: ['token:read'], name: 'reader' },
    { sha256: hex(FILE_KEY), scopes: ['wechat:read'], appIds: [APP] },
  ]);

  it('matches plain keys and keys stored only as digests', () => {
    expect(ring.match(READER)?.name).toBe('reader');
    const fileEntry = ring.match(FILE_KEY);
    expect(fileEntry?.scopes).toEqual(new Set(['wechat:read']));
    expect(fileEntry?.appIds).toEqual(new Set([APP]));
  });

  it('matches nothing for near misses, prefixes and the digest itself', () => {
    for (const wrong of [READER.slice(0, -1), `${READER}x`, READER.toUpperCase(), hex(FILE_KEY), '', 'x']) {
      expect(ring.match(wrong)).toBeUndefined();
    }
  });

  it('names keys by an id that is neither the key nor its digest', () => {
    const entry = ring.match(FILE_KEY);
    expect(entry?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(hex(FILE_KEY)).not.toContain(entry?.id);
    expect(entry?.name).toBe(`key-${entry?.id}`);
  });

  it('refuses the same key configured twice (as text and as digest)', () => {
    expect(
      () =>
        new ApiKeyRing([
          { key: READER, scopes: ['token:read'] },
          { sha256: hex(READER), scopes: ['wechat:read'] },
        ]),
    ).toThrow(/configured twice/);
  });
});

describe('createCallerResolver', () => {
  it('lets everyone in with every scope when no key is configured', () => {
    const resolve = createCallerResolver({ apiKeys: [] });
    expect(resolve(headers({}))).toEqual({ caller: OPEN_CALLER });
    expect(OPEN_CALLER.scopes).toEqual(new Set(SCOPES));
  });

  it('resolves configured keys from GATEWAY_API_KEYS to their scopes and apps', () => {
    const { auth } = loadConfig({
      GATEWAY_API_KEYS: `${READER}:token:read+wechat:read,${REFRESHER}:token:refresh:${APP}`,
    });
    const resolve = createCallerResolver(auth);
    const reader = resolve(headers({ authorization: `Bearer ${READER}` }));
    expect('caller' in reader && reader.caller.scopes).toEqual(new Set(['token:read', 'wechat:read']));
    expect('caller' in reader && reader.caller.appIds).toBeUndefined();
    const refresher = resolve(headers({ 'x-api-key': REFRESHER }));
    expect('caller' in refresher && refresher.caller.scopes).toEqual(new Set(['token:refresh']));
    expect('caller' in refresher && refresher.caller.appIds).toEqual(new Set([APP]));
    expect('caller' in reader && 'caller' in refresher && reader.caller.id).not.toBe(
      'caller' in refresher && refresher.caller.id,
    );
  });

  it.each([
    [{}, /API key is required/],
    [{ authorization: 'Bearer not-a-configured-key-000' }, /not recognised/],
    [{ authorization: `Token ${READER}` }, /Bearer <API key>/],
  ])('answers UNAUTHENTICATED for %j', (sent, message) => {
    const resolve = createCallerResolver({ apiKeys: [{ key: READER, scopes: ['token:read'] }] });
    const result = resolve(headers(sent));
    expect('error' in result).toBe(true);
    if ('error' in result) {
      expect(result.error.code).toBe('UNAUTHENTICATED');
      expect(result.error.message).toMatch(message);
      expect(result.error.message).not.toContain(READER);
    }
  });
});
