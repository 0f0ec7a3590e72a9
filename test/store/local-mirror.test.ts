import { describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/redact.js';
import { isAuthorizerCredentialId } from '../../src/store/redis/keys.js';
import { LocalMirror } from '../../src/store/redis/local-mirror.js';

const credential = { value: 'a-credential-value', expiresAt: 60_000, obtainedAt: 0 };

describe('LocalMirror', () => {
  it('does not remember a Redis read that a change overtook', () => {
    const mirror = new LocalMirror();
    const generation = mirror.generation('k');
    mirror.changed('k');
    mirror.remember('k', credential, 0, generation);
    expect(mirror.fresh('k', 0, 1000)).toBeUndefined();
    mirror.remember('k', credential, 0, mirror.generation('k'));
    expect(mirror.fresh('k', 0, 1000)?.credential).toEqual(credential);
  });

  it('keeps a changed credential only as a fallback, drops an invalidated one, and stales all on reconnect', () => {
    const mirror = new LocalMirror();
    mirror.write('k', credential, 0);
    mirror.write('other', credential, 0);
    expect(mirror.fresh('k', 10, 1000)?.credential).toEqual(credential);

    mirror.changed('k');
    expect(mirror.fresh('k', 10, 1000)).toBeUndefined();
    expect(mirror.last('k')).toEqual(credential);
    mirror.changed('k', 'not-its-fingerprint');
    expect(mirror.last('k')).toEqual(credential);
    mirror.changed('k', tokenFingerprint(credential.value));
    expect(mirror.last('k')).toBeUndefined();

    mirror.staleAll();
    expect(mirror.fresh('other', 10, 1000)).toBeUndefined();
    expect(mirror.last('other')).toEqual(credential);
  });

  it('claims and holds by the time it is given, with notes', () => {
    const mirror = new LocalMirror();
    expect(mirror.claim('h', 100, 0)).toEqual({ ok: true });
    expect(mirror.claim('h', 100, 40)).toEqual({ ok: false, remainingMs: 60 });
    expect(mirror.claim('h', 100, 100)).toEqual({ ok: true });
    mirror.hold('h', 500, 100, 'why');
    expect(mirror.heldForMs('h', 200)).toBe(400);
    expect(mirror.noteOf('h', 200)).toBe('why');
    expect(mirror.heldForMs('h', 600)).toBe(0);
    expect(mirror.noteOf('h', 600)).toBeUndefined();
    mirror.hold('h', 500, 600);
    mirror.hold('h', 0, 700);
    expect(mirror.heldForMs('h', 700)).toBe(0);
  });

  describe('bounded copies of authorizers (OPEN_PLATFORM_LOCAL_CACHE_SIZE)', () => {
    const authorizer = (i: number) =>
      `wxgw:{wx${i.toString(16).padStart(16, '0')}}:authorizer-token:wxc0c0c0c0c0c0c0c0`;
    const app = (i: number) => `wxgw:{wx${i.toString(16).padStart(16, 'a')}}:token`;

    it('recognises authorizer token and ticket keys only', () => {
      expect(isAuthorizerCredentialId(authorizer(1))).toBe(true);
      expect(
        isAuthorizerCredentialId('wxgw:{wx0000000000000001}:authorizer-ticket:jsapi:wxc0c0c0c0c0c0c0c0'),
      ).toBe(true);
      expect(isAuthorizerCredentialId(app(1))).toBe(false);
      expect(isAuthorizerCredentialId('wxgw:{wxc0c0c0c0c0c0c0c0}:component:verify-ticket')).toBe(false);
    });

    it('keeps at most `capacity` authorizer copies, the most recently used, and every app copy', () => {
      const mirror = new LocalMirror({ bounded: isAuthorizerCredentialId, capacity: 3 });
      for (let i = 0; i < 100; i++) mirror.write(app(i), credential, 0);
      for (let i = 0; i < 5; i++) mirror.write(authorizer(i), credential, 0);
      // Used again: 2 is now the most recent of the kept 2, 3, 4.
      expect(mirror.fresh(authorizer(2), 0, 1000)).toBeDefined();
      mirror.write(authorizer(5), credential, 0);
      expect(mirror.size).toBe(100 + 3);
      expect(mirror.last(authorizer(0))).toBeUndefined();
      expect(mirror.last(authorizer(3))).toBeUndefined();
      for (const i of [2, 4, 5]) expect(mirror.last(authorizer(i))).toEqual(credential);
      for (let i = 0; i < 100; i++) expect(mirror.last(app(i))).toEqual(credential);
    });

    it('does not remember a read that a change overtook, even when the copy was dropped meanwhile', () => {
      const mirror = new LocalMirror({ bounded: isAuthorizerCredentialId, capacity: 1 });
      const generation = mirror.generation(authorizer(0));
      mirror.changed(authorizer(0));
      mirror.write(authorizer(1), credential, 0); // drops authorizer(0) and its generation
      mirror.remember(authorizer(0), credential, 0, generation);
      expect(mirror.last(authorizer(0))).toBeUndefined();
      mirror.remember(authorizer(0), credential, 0, mirror.generation(authorizer(0)));
      expect(mirror.last(authorizer(0))).toEqual(credential);
    });
  });
});
