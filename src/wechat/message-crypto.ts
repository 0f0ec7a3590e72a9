/**
 * WeChat's message encryption (WXBizMsgCrypt), shared by the Open Platform's pushes and WeCom's
 * callbacks: AES-256-CBC with the key `base64(EncodingAESKey + "=")` and the IV its first 16 bytes,
 * over `random(16) ‖ uint32_be(length) ‖ message ‖ receiveId`, padded PKCS#7-style to a multiple of
 * 32 bytes (a pad of 1 to 32, a whole block when aligned), so Node's own padding (16) is off and the
 * pad is checked here. `msg_signature` is the SHA-1 of the sorted `[token, timestamp, nonce, encrypt]`
 * joined. Nothing here checks freshness or replay: the push endpoint owns that rule.
 *
 * A refusal says which check failed (`reason`), never the key, the token or the plaintext.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every byte count in the scheme, from WeChat's description of it. */
const BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type MessageRefusal =
  /** `msg_signature` is not the SHA-1 of the sorted token, timestamp, nonce and ciphertext. */
  | 'signature'
  /** The ciphertext is not base64 of whole AES blocks. */
  | 'ciphertext'
  /** The last byte is not a pad of 1–32 repeated, so the key is not the one WeChat used. */
  | 'padding'
  /** The 4-byte length points outside the plaintext. */
  | 'length'
  /** The plaintext ends with another receiver's id (another component, corp or suite). */
  | 'receive-id';

/** A message that failed one of the checks: nothing in it may be used. */
export class MessageRefusedError extends Error {
  override name = 'MessageRefusedError';
  constructor(readonly reason: MessageRefusal) {
    super(`WeChat message refused: ${REFUSAL_TEXT[reason]}`);
  }
}

const REFUSAL_TEXT: Record<MessageRefusal, string> = {
  signature: 'msg_signature does not match the token, timestamp, nonce and ciphertext',
  ciphertext: 'the ciphertext is not base64 of whole AES blocks',
  padding: 'the padding is not 1–32 bytes of its own length (another EncodingAESKey?)',
  length: 'the message length points outside the plaintext',
  'receive-id': 'the message is addressed to another receiver',
};

export interface MessageCryptoOptions {
  /** The token set beside the EncodingAESKey on WeChat's console (the push URL's token). */
  token: string;
  /** 43 characters of [A-Za-z0-9], as the console shows it. */
  encodingAesKey: string;
  /** Who the messages are for: the component appId, an account's appId, a corpId or a suiteId ("" for some WeCom bots). */
  receiveId: string;
}

export interface SignedMessage {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

/** Whether a string can be an EncodingAESKey; config checks it once, with its own message. */
export function isEncodingAesKey(value: string): boolean {
  return ENCODING_AES_KEY.test(value);
}

export class MessageCrypto {
  readonly #token: string;
  readonly #key: Buffer;
  readonly #iv: Buffer;
  readonly #receiveId: Buffer;

  constructor(options: MessageCryptoOptions) {
    if (!isEncodingAesKey(options.encodingAesKey)) {
      throw new RangeError('An EncodingAESKey is 43 letters and digits, as WeChat’s console shows it.');
    }
    this.#token = options.token;
    this.#key = Buffer.from(`${options.encodingAesKey}=`, 'base64');
    this.#iv = this.#key.subarray(0, 16);
    this.#receiveId = Buffer.from(options.receiveId, 'utf8');
  }

  /** `msg_signature` for a ciphertext (lowercase hex SHA-1 of the sorted parts, joined). */
  signature(timestamp: string, nonce: string, encrypt: string): string {
    const parts = [this.#token, timestamp, nonce, encrypt].sort();
    return createHash('sha1').update(parts.join('')).digest('hex');
  }

  /** Checks the signature (in constant time), decrypts, checks pad, length and receiveId; returns the message. */
  open(message: SignedMessage): string {
    const expected = Buffer.from(this.signature(message.timestamp, message.nonce, message.encrypt), 'latin1');
    const given = Buffer.from(message.msgSignature.toLowerCase(), 'latin1');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new MessageRefusedError('signature');
    }
    return this.decrypt(message.encrypt);
  }

  /** Decrypts a ciphertext whose signature was checked by `open` (or that has none, as a WeCom echostr's is in the URL). */
  decrypt(encrypt: string): string {
    if (!BASE64.test(encrypt)) throw new MessageRefusedError('ciphertext');
    const cipherBytes = Buffer.from(encrypt, 'base64');
    if (cipherBytes.length === 0 || cipherBytes.length % 16 !== 0)
      throw new MessageRefusedError('ciphertext');
    const decipher = createDecipheriv('aes-256-cbc', this.#key, this.#iv).setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
    const plain = unpad(padded);
    if (plain.length < RANDOM_BYTES + LENGTH_BYTES) throw new MessageRefusedError('length');
    const length = plain.readUInt32BE(RANDOM_BYTES);
    const start = RANDOM_BYTES + LENGTH_BYTES;
    if (start + length > plain.length) throw new MessageRefusedError('length');
    const receiveId = plain.subarray(start + length);
    if (!receiveId.equals(this.#receiveId)) throw new MessageRefusedError('receive-id');
    return plain.subarray(start, start + length).toString('utf8');
  }

  /** Encrypts a message for this receiver; `random` (16 bytes) is fixed only by tests and the sandbox's vectors. */
  encrypt(message: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random.length !== RANDOM_BYTES) throw new RangeError(`random must be ${RANDOM_BYTES} bytes`);
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([random, length, body, this.#receiveId]);
    const pad = BLOCK - (plain.length % BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv).setAutoPadding(false);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }

  /** Encrypts and signs, as WeChat sends a push (or as a passive reply is sealed). */
  seal(message: string, timestamp: string, nonce: string, random?: Buffer): SignedMessage {
    const encrypt = this.encrypt(message, random);
    return { msgSignature: this.signature(timestamp, nonce, encrypt), timestamp, nonce, encrypt };
  }
}

/** Strips a pad of 1–32 bytes, each byte the pad's length; anything else is a wrong key or a forged message. */
function unpad(padded: Buffer): Buffer {
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > padded.length) throw new MessageRefusedError('padding');
  for (let i = padded.length - pad; i < padded.length; i++) {
    if (padded[i] !== pad) throw new MessageRefusedError('padding');
  }
  return padded.subarray(0, padded.length - pad);
}
