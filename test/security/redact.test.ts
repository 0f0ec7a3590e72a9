import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createRequestLineWriter } from '../../src/plugins/request-line.js';
import { errorText, REDACTED, Redactor, redact } from '../../src/redact.js';
import { WindowIndex, windowHash, windowsOf } from '../../src/redact-windows.js';
import { finishTurn } from '../../src/turn-end.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** WeChat-shaped: long runs of URL-safe characters. */
const token = () => randomBytes(96).toString('base64url').slice(0, 136);

/** Each test its own gateway's redactor: nothing one learns reaches another. */
let r = new Redactor();
beforeEach(() => {
  r = new Redactor();
});

describe('redact by value', () => {
  it('indexes a value by its windows every 4 characters, leaving out those with fewer than 6 different characters', () => {
    // Windows at 0 and 4 are all "a", at 8 "aaaaaaaaabcd" has 4 different characters; from 12 on, 8 or more.
    expect([...windowsOf(`${'a'.repeat(16)}abcdefghijklmnop`)]).toEqual([12, 16, 20]);
    // Under 15 characters a value has no window: it is searched whole.
    expect([...windowsOf('abcdefghijklmn')]).toEqual([]);
  });

  it('tells apart values whose windows hash alike ("Aa" and "BB" hash alike) and forgets only the one replaced', () => {
    // Each window of one is a window of the other with "Aa" for "BB": the same hash, different text.
    const first = 'q7Aaw8Aae9Aar0Aat1Aay2Aau3';
    const second = first.replaceAll('Aa', 'BB');
    r.learnCredential(first, 'app-1');
    r.learnCredential(second, 'app-2');
    expect(r.redact(`a ${first} b`)).toBe(`a ${REDACTED} b`);
    expect(r.redact(`a ${second} b`)).toBe(`a ${REDACTED} b`);
    // A text with the same hashes but neither value's characters keeps its text.
    const neither = first.replaceAll('Aa', 'C#');
    expect(r.redact(`a ${neither} b`)).toBe(`a ${neither} b`);
    // app-1's value is replaced; as a recently retired value it is still redacted, and app-2's too.
    const replacement = token();
    r.learnCredential(replacement, 'app-1');
    expect(r.redact(`${first} ${second} ${replacement}`)).toBe(`${REDACTED} ${REDACTED} ${REDACTED}`);
    // Once 1024 newer values are retired it is forgotten; its hash-twin, still held, is not.
    for (let i = 0; i < 1024; i++) r.learnCredential(token());
    expect(r.redact(`a ${first} b`)).toBe(`a ${first} b`);
    expect(r.redact(`a ${second} b`)).toBe(`a ${REDACTED} b`);
  });

  it('finds every window of a value over several slots of the index (2,048 characters each), and forgets them all', () => {
    const long = randomBytes(4000).toString('base64url').slice(0, 5000);
    const index = new WindowIndex();
    expect(index.add(long, true)).toBe(true);
    const offsets = [...windowsOf(long)];
    for (const offset of offsets) {
      expect(index.hitAt(long, offset, windowHash(long, offset))).toEqual({
        value: long,
        offset,
        fragments: true,
      });
    }
    // A piece from past the first 2,048 characters, inside other text, is redacted as a credential's.
    r.learnCredential(long, 'app-1');
    expect(r.redact(`cut: ${long.slice(4100, 4140)}!`)).toBe(`cut: ${REDACTED}!`);

    index.remove(long);
    expect(index.size).toBe(0);
    // Its slots go to the next value: what that value's windows find is that value.
    const next = token();
    index.add(next, false);
    const [first] = windowsOf(next);
    expect(index.hitAt(next, first ?? 0, windowHash(next, first ?? 0))).toEqual({
      value: next,
      offset: first,
      fragments: false,
    });
    expect(index.hitAt(long, 4096, windowHash(long, 4096))).toBeUndefined();
  });

  it('redacts a short text anew once a value in it is learned: an earlier redaction of it is not reused', () => {
    const key = 'k3y-Sh0rt-9xQ2';
    const text = `key ${key}`;
    // Short texts' redactions are remembered; the same text again is the same answer.
    expect(r.redact(text)).toBe(text);
    expect(r.redact(text)).toBe(text);
    r.learnSecret(key);
    expect(r.redact(text)).toBe(`key ${REDACTED}`);
    const held = token();
    expect(r.redact(held.slice(0, 30))).toBe(held.slice(0, 30));
    r.learnCredential(held, 'app-1');
    expect(r.redact(held.slice(0, 30))).toBe(REDACTED);
  });

  it('finds each of thousands of remembered values, and still the others once some are forgotten', () => {
    const index = new WindowIndex();
    const values = Array.from({ length: 3000 }, () => token());
    for (const value of values) index.add(value, false);
    const found = (value: string) => {
      const [offset = 0] = windowsOf(value);
      return index.hitAt(value, offset, windowHash(value, offset))?.value;
    };
    expect(values.every((value) => found(value) === value)).toBe(true);
    for (const value of values.slice(0, 1500)) index.remove(value);
    expect(values.slice(0, 1500).some((value) => found(value) !== undefined)).toBe(false);
    expect(values.slice(1500).every((value) => found(value) === value)).toBe(true);
  });

  it('removes a remembered secret inside a word, where no pattern sees it', () => {
    const secret = hex(16);
    r.learnSecret(secret);
    const out = r.redact(`invalid appsecret_${secret}x, view more at https://developers.weixin.qq.com`);
    expect(out).not.toContain(secret);
    expect(out).toContain(`appsecret_${REDACTED}x`);
  });

  it('removes a short API key (not hex, not long) once remembered', () => {
    const key = `k_${randomBytes(12).toString('base64url')}`;
    expect(r.redact(`bad key ${key}`)).toContain(key);
    r.learnSecret(key);
    expect(r.redact(`bad key ${key}`)).toBe(`bad key ${REDACTED}`);
  });

  it.each([
    ['a 40-character fragment', 10, 50],
    ['a 15-character fragment glued to a word', 70, 85],
    ['the head of the token', 0, 30],
    ['the tail of the token', 100, 136],
  ])('removes %s of a remembered token', (_what, from, to) => {
    const value = token();
    r.learnCredential(value);
    const fragment = value.slice(from, to);
    const out = r.redact(`access_token is invalid or not latest: word${fragment}. rid: 6560a3e1-4a1b`);
    expect(out).not.toContain(fragment);
    expect(out).toContain('rid: 6560a3e1-4a1b');
  });

  it('leaves text that shares only a short stretch (under 15 characters) with a token', () => {
    const value = token();
    r.learnCredential(value);
    const text = `trace ${value.slice(20, 31)} end`;
    expect(r.redact(text)).toBe(text);
  });

  it('keeps appIds that share digits with a remembered secret (secrets are removed whole only)', () => {
    r.learnSecret('0123456789abcdef0123456789abcdef');
    expect(r.redact('No app with appId "wx0123456789abcdef"')).toBe('No app with appId "wx0123456789abcdef"');
  });

  it('removes a repetitive secret that has no usable window', () => {
    const secret = 'de0de0de0de0de0de0de0de0de0de0de';
    r.learnSecret(secret);
    expect(r.redact(`x${secret}y`)).toBe(`x${REDACTED}y`);
  });

  it('keeps memory bounded: a token remembered 1024 tokens ago falls back to the patterns', () => {
    const first = token();
    r.learnCredential(first);
    for (let i = 0; i < 1024; i++) r.learnCredential(token());
    // Forgotten by value, so only the 64+ character pattern catches it now; a fragment passes.
    expect(r.redact(first)).toBe(REDACTED);
    expect(r.redact(first.slice(0, 40))).toBe(first.slice(0, 40));
  });

  it('remembers every held credential however many are held, and a replaced one among the recent 1024', () => {
    const held = Array.from({ length: 3000 }, () => token());
    const learnAll = () => {
      for (const [at, value] of held.entries()) r.learnCredential(value, `token:app${at}`);
    };
    learnAll();
    // Learning them again (every read from the shared store does) changes nothing and forgets nothing.
    learnAll();
    // Framed by characters no credential has: a fragment's neighbours in the value may be `x` or `y`,
    // and the redactor rightly takes in every character the text shares with the value.
    for (const value of [held[0] as string, held[1500] as string, held[2999] as string])
      expect(r.redact(`<${value.slice(10, 40)}>`)).toBe(`<${REDACTED}>`);

    const replaced = held[0] as string;
    r.learnCredential(token(), 'token:app0');
    expect(r.redact(replaced.slice(10, 40))).toBe(REDACTED);
    for (let i = 0; i < 1024; i++) r.learnCredential(token(), `token:app${1 + (i % 2000)}`);
    // 1,024 values retired since: the replaced one is forgotten by value; those held still are not.
    expect(r.redact(replaced.slice(10, 40))).toBe(replaced.slice(10, 40));
    expect(r.redact((held[2999] as string).slice(10, 40))).toBe(REDACTED);
  });

  it('falls back to the patterns for values never seen: 32 hex digits glued to letters, long runs', () => {
    const secret = hex(16);
    for (const redactText of [(text: string) => r.redact(text), redact]) {
      expect(redactText(`secret_${secret}x`)).toBe(`secret_${REDACTED}x`);
      expect(redactText(`t=${'A1b2'.repeat(20)}`)).toBe(`t=${REDACTED}`);
      expect(redactText('/cgi-bin/token?secret=abc&appid=wx1')).toBe(
        `/cgi-bin/token?secret=${REDACTED}&appid=wx1`,
      );
    }
  });

  it('two gateways in one process: what one redactor learns, the other does not know', () => {
    const other = new Redactor({ secrets: ['key-of-the-other-gateway-0123'] });
    const value = token();
    r.learnCredential(value);
    r.learnSecret('key-of-this-gateway-0123456789');
    const piece = value.slice(30, 70);
    expect(r.redact(`echo ${piece}`)).toBe(`echo ${REDACTED}`);
    expect(other.redact(`echo ${piece}`)).toBe(`echo ${piece}`);
    expect(other.redact('key-of-this-gateway-0123456789')).toBe('key-of-this-gateway-0123456789');
    expect(r.redact('key-of-the-other-gateway-0123')).toBe('key-of-the-other-gateway-0123');
    expect(other.redact('key-of-the-other-gateway-0123')).toBe(REDACTED);
    // The stateless function knows no value at all: only the patterns and what it is handed.
    expect(redact(`echo ${piece}`)).toBe(`echo ${piece}`);
  });
});

describe('errorText and the log serializer', () => {
  /** What ioredis throws on a refused AUTH: the password sits in `command.args`. */
  function refusedAuth(password: string): Error {
    return Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
      command: { name: 'auth', args: ['gateway', password] },
      code: 'WRONGPASS',
    });
  }

  it.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'plain', 'plain'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
  ])('turns %s into its text', (_what, error, text) => {
    expect(errorText(error)).toBe(text);
  });

  it('never reads the properties libraries hang on errors', () => {
    const password = `pw-${hex(8)}`;
    expect(errorText(refusedAuth(password))).not.toContain(password);
    expect(JSON.stringify(r.serializeError(refusedAuth(password)))).not.toContain(password);
    expect(r.serializeError(refusedAuth(password))).toMatchObject({ type: 'Error', code: 'WRONGPASS' });
  });

  it('a logger line with a raw error, a secret in its message and in other fields shows none of them', () => {
    const password = `pw-${hex(8)}`;
    const secret = hex(16);
    r.learnSecret(secret);
    const lines: string[] = [];
    const logger = createLogger({
      redactor: r,
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    logger.warn({ err: refusedAuth(password) }, 'Redis is not answering');
    logger.warn({ err: new Error(`bad secret_${secret}x`), detail: { nested: secret } }, `msg ${secret}`);
    logger.error(`text ${secret}`);
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    expect(text).toContain('WRONGPASS');
    expect(text).not.toContain(password);
    expect(text).not.toContain(secret);
  });
  it('a credential field is censored whatever its value, at every depth a line is walked', () => {
    const lines: string[] = [];
    const logger = createLogger({
      redactor: r,
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    // Values no pattern knows and the redactor never learnt: only the field's name says what they are.
    logger.info(
      {
        appSecret: 'plain-1',
        Access_Token: 'plain-2',
        refresh: { refreshToken: 'plain-3', authorizer_refresh_token: 'plain-4' },
        req: { headers: { authorization: 'Bearer plain-5', 'X-Api-Key': 'plain-6', accept: 'keep-7' } },
        component_verify_ticket: 'plain-8',
        absent: { ticket: undefined },
        size: 3,
      },
      'fields',
    );
    const line = JSON.parse(lines.join(''));
    expect(lines.join('')).not.toMatch(/plain-/);
    expect(line).toMatchObject({
      appSecret: REDACTED,
      Access_Token: REDACTED,
      refresh: { refreshToken: REDACTED, authorizer_refresh_token: REDACTED },
      req: { headers: { authorization: REDACTED, 'X-Api-Key': REDACTED, accept: 'keep-7' } },
      component_verify_ticket: REDACTED,
      absent: {},
      size: 3,
    });
  });
});

describe('whatever they are given', () => {
  /** What a client can put where a string belongs, and what no `String()` can print. */
  const odd: [string, unknown][] = [
    ['an array', ['Q']],
    ['true', true],
    ['an object without a prototype', Object.create(null)],
    ['a symbol', Symbol('s')],
    [
      'an object whose toString throws',
      {
        toString: () => {
          throw new Error('no');
        },
      },
    ],
  ];

  it.each(odd)('redact, errorText and serializeError accept %s without throwing', (_what, value) => {
    expect(typeof r.redact(value)).toBe('string');
    expect(typeof redact(value)).toBe('string');
    expect(typeof r.errorText(value)).toBe('string');
    expect(typeof errorText(value)).toBe('string');
    expect(() => r.serializeError(value)).not.toThrow();
  });

  it('an error whose message is not a string, or whose getters throw, still becomes text', () => {
    const strange = new Error('x');
    Object.defineProperty(strange, 'message', {
      get: () => {
        throw new Error('getter');
      },
    });
    const listed = Object.assign(new Error('y'), { message: ['Q'] });
    expect(typeof errorText(strange)).toBe('string');
    expect(errorText(listed)).toBe('Q');
    expect(r.serializeError(strange)).toMatchObject({ type: 'Error' });
  });

  it('the request line and the logger take a non-string operation name without throwing', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    }).child({ module: 'http' });
    const writer = createRequestLineWriter(logger, r);
    const write = (line: Parameters<typeof writer>[0]) => {
      writer(line);
      finishTurn();
    };
    const line = { reqId: 'r1', reqIdFromCaller: true, code: 'ok', status: 200, durationMs: 1 };
    for (const [, name] of odd) write({ ...line, operationName: name as string });
    write({ ...line, code: 'BAD_USER_INPUT', status: 400, operationName: ['Q'] as unknown as string });
    logger.info({ operation: ['Q'], nested: { value: true } }, 'odd fields');
    await new Promise((resolve) => setImmediate(resolve));
    const parsed = lines
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(odd.length + 2);
    expect(parsed.slice(0, odd.length + 1).map((l) => l.operation)).toEqual(
      Array(odd.length + 1).fill('[invalid]'),
    );
  });
});
