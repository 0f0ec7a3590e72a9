import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isEncodingAesKey, MessageCrypto, MessageRefusedError } from '../../src/wechat/message-crypto.js';

// WeChat's published WXBizMsgCrypt sample (cryptoDemo, WXBizMsgCryptTest.java).
const MP = {
  token: 'pamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  receiveId: 'wxb11529c136998cb6',
};
const MP_RANDOM = Buffer.from('aaaabbbbccccdddd');
const MP_SHORT = 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==';

// WeCom's published sample (Sample.cs / Sample.java of its crypto library).
const WECOM = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
};
const WECOM_ENCRYPT =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';

// wechatpy's crypto tests (tests/test_crypto.py).
const WECHATPY = {
  token: '123456',
  encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  receiveId: 'wx49f0ab532d5d035a',
};
const WECHATPY_ENCRYPT =
  'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof MessageRefusedError) return error.reason;
    throw error;
  }
  return 'accepted';
}

/** AES-256-CBC of raw bytes under an EncodingAESKey, with no padding of its own: to forge bad pads. */
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function framed(message: string, receiveId: string): Buffer {
  const body = Buffer.from(message);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.alloc(16, 7), length, body, Buffer.from(receiveId)]);
}

describe('MessageCrypto on published vectors', () => {
  it("encrypts WeChat's sample to its published ciphertext and decrypts it back (pad 7)", () => {
    const crypto = new MessageCrypto(MP);
    expect(crypto.encrypt('我是中文abcd123', MP_RANDOM)).toBe(MP_SHORT);
    expect(crypto.decrypt(MP_SHORT)).toBe('我是中文abcd123');
  });

  it('signs the sorted token, timestamp, nonce and ciphertext', () => {
    const crypto = new MessageCrypto(MP);
    expect(crypto.signature('1409304348', 'xxxxxx', MP_SHORT)).toBe(
      '82c962d39941aa48552f90ef55aa323dc620cc10',
    );
    const sealed = crypto.seal('我是中文abcd123', '1409304348', 'xxxxxx', MP_RANDOM);
    expect(sealed).toEqual({
      msgSignature: '82c962d39941aa48552f90ef55aa323dc620cc10',
      timestamp: '1409304348',
      nonce: 'xxxxxx',
      encrypt: MP_SHORT,
    });
  });

  it("opens WeCom's sample callback (pad 30, more than one AES block) and its URL check", () => {
    const crypto = new MessageCrypto(WECOM);
    const xml = crypto.open({
      msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
      timestamp: '1409659813',
      nonce: '1372623149',
      encrypt: WECOM_ENCRYPT,
    });
    expect(xml).toContain('<Content><![CDATA[hello]]></Content>');
    expect(xml).toContain('<AgentID>218</AgentID>');
    expect(
      crypto.open({
        msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
        timestamp: '1409659589',
        nonce: '263014780',
        encrypt: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
      }),
    ).toBe('1616140317555161061');
  });

  it("opens wechatpy's vectors (pad 1) and refuses its nonce off by one", () => {
    const crypto = new MessageCrypto(WECHATPY);
    const xml = crypto.open({
      msgSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
      timestamp: '1411525903',
      nonce: '461056294',
      encrypt: WECHATPY_ENCRYPT,
    });
    expect(xml).toContain('<MsgId>4363689963896700987</MsgId>');
    const echo = {
      msgSignature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
      timestamp: '1411443780',
      nonce: '437374425',
      encrypt: '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==',
    };
    expect(crypto.open(echo)).toBe('5927782489442352469');
    expect(refusal(() => crypto.open({ ...echo, nonce: '437374424' }))).toBe('signature');
  });
});

describe('MessageCrypto padding to 32 bytes', () => {
  // 16 random + 4 length + message + receiveId (18 bytes): the message's length sets the pad.
  it.each([
    { pad: 1, message: 'x'.repeat(25) },
    { pad: 16, message: 'x'.repeat(10) },
    { pad: 32, message: 'x'.repeat(26) },
  ])('round-trips a message padded with $pad bytes', ({ pad, message }) => {
    const crypto = new MessageCrypto(MP);
    const encrypt = crypto.encrypt(message, MP_RANDOM);
    const plainLength = 16 + 4 + message.length + MP.receiveId.length;
    expect(Buffer.from(encrypt, 'base64').length).toBe(plainLength + pad);
    expect(crypto.decrypt(encrypt)).toBe(message);
  });
});

describe('MessageCrypto refusals', () => {
  const crypto = new MessageCrypto(MP);
  const sealed = crypto.seal(
    '<xml><InfoType>component_verify_ticket</InfoType></xml>',
    '1700000000',
    'n0nce',
  );

  it.each([
    [
      'a signature of other parts',
      { ...sealed, msgSignature: crypto.signature('1700000001', 'n0nce', sealed.encrypt) },
      'signature',
    ],
    ['a signature of another length', { ...sealed, msgSignature: 'abc' }, 'signature'],
    ['no signature', { ...sealed, msgSignature: '' }, 'signature'],
  ])('refuses %s', (_what, message, reason) => {
    expect(refusal(() => crypto.open(message))).toBe(reason);
  });

  it('accepts a signature in upper case, as hex is', () => {
    expect(crypto.open({ ...sealed, msgSignature: sealed.msgSignature.toUpperCase() })).toContain('InfoType');
  });

  it('refuses a message for another receiver (another component with the same key)', () => {
    const other = new MessageCrypto({ ...MP, receiveId: 'wx0000000000000000' });
    expect(refusal(() => other.open(sealed))).toBe('receive-id');
  });

  it('refuses a message sealed with another EncodingAESKey', () => {
    const other = new MessageCrypto({ ...MP, encodingAesKey: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg' });
    const forged = other.seal('<xml/>', '1700000000', 'n0nce');
    // Under the wrong key the pad is garbage (or, 1 time in ~32, the length or receiveId is).
    expect(['padding', 'length', 'receive-id']).toContain(refusal(() => crypto.open(forged)));
  });

  it.each([
    ['a pad byte of 0', (p: Buffer) => Buffer.concat([p, Buffer.alloc(32 - (p.length % 32), 0)])],
    [
      'a pad byte over 32',
      (p: Buffer) => Buffer.concat([p, Buffer.alloc(32 - (p.length % 32) - 1, 0), Buffer.from([33])]),
    ],
    [
      'pad bytes that differ',
      (p: Buffer) => {
        const pad = 32 - (p.length % 32);
        const bytes = Buffer.alloc(pad, pad);
        bytes[0] = pad - 1;
        return Buffer.concat([p, bytes]);
      },
    ],
  ])('refuses %s', (_what, pad) => {
    const plain = framed('<xml/>', MP.receiveId);
    expect(refusal(() => crypto.decrypt(rawEncrypt(MP.encodingAesKey, pad(plain))))).toBe('padding');
  });

  it('refuses a length that points past the plaintext', () => {
    const plain = framed('<xml/>', MP.receiveId);
    plain.writeUInt32BE(10_000, 16);
    const pad = 32 - (plain.length % 32);
    const encrypt = rawEncrypt(MP.encodingAesKey, Buffer.concat([plain, Buffer.alloc(pad, pad)]));
    expect(refusal(() => crypto.decrypt(encrypt))).toBe('length');
  });

  it.each([
    ['text that is not base64', 'not base64!'],
    ['an empty ciphertext', ''],
    ['bytes that are not whole AES blocks', Buffer.alloc(20).toString('base64')],
  ])('refuses %s', (_what, encrypt) => {
    expect(refusal(() => crypto.decrypt(encrypt))).toBe('ciphertext');
  });

  it('never says the key, the token or the message in a refusal', () => {
    try {
      crypto.open({ ...sealed, msgSignature: '0'.repeat(40) });
    } catch (error) {
      const text = `${(error as Error).message} ${(error as Error).stack}`;
      expect(text).not.toContain(MP.encodingAesKey);
      expect(text).not.toContain(MP.token);
      expect(text).not.toContain('component_verify_ticket');
      return;
    }
    throw new Error('expected a refusal');
  });
});

describe('isEncodingAesKey', () => {
  it.each([
    [MP.encodingAesKey, true],
    [`${MP.encodingAesKey}=`, false],
    [MP.encodingAesKey.slice(1), false],
    [`${MP.encodingAesKey.slice(1)}+`, false],
  ])('%s → %s', (value, ok) => {
    expect(isEncodingAesKey(value)).toBe(ok);
  });

  it('is checked when a MessageCrypto is made, without echoing the value', () => {
    expect(() => new MessageCrypto({ ...MP, encodingAesKey: 'short-secret-value' })).toThrow(
      /43 letters and digits/,
    );
    expect(() => new MessageCrypto({ ...MP, encodingAesKey: 'short-secret-value' })).not.toThrow(
      /short-secret-value/,
    );
  });
});
