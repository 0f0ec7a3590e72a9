import { describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/redact.js';
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
});
