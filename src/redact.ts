import { createHash } from 'node:crypto';
import { setNewest } from './bounded-map.js';
import { nextWindowHash, shared, WINDOW, WindowIndex, whole, windowHash } from './redact-windows.js';

/** What replaces a secret or a token wherever text leaves the process. */
export const REDACTED = '[REDACTED]';

/** Query parameters and JSON fields whose values are credentials (JS-SDK tickets included). */
const SECRET_PARAMS = [
  'secret',
  'appsecret',
  'app_secret',
  'access_token',
  'accesstoken',
  'token',
  'key',
  'ticket',
  'jsapi_ticket',
  'api_ticket',
];

const SECRET_PARAM_IN_URL = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#\\s"']*`, 'gi');
const SECRET_FIELD_IN_JSON = new RegExp(`("(?:${SECRET_PARAMS.join('|')})"\\s*:\\s*")[^"]*(")`, 'gi');
/** WeChat access tokens are long runs of URL-safe characters; nothing legitimate in our text is. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{64,}/g;
/** AppSecrets are 32 hex digits, also when glued to other letters (`secret_<hex>x`). */
const SECRET_LIKE = /(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])/g;

/** Values shorter than this are too common to be removed from text by value. */
const MIN_VALUE_LENGTH = 8;
/** Bounds what one redactor remembers: the oldest values are forgotten first. */
const MAX_SECRETS = 4096;
const MAX_CREDENTIALS = 1024;
/** Texts up to this long have their redaction remembered (`Redactor.redact`), at most this many. */
const MAX_REMEMBERED_TEXT = 32;
const MAX_REMEMBERED_TEXTS = 512;

/** A bounded, insertion-ordered set whose most recent additions survive. */
class RecentSet {
  readonly #values = new Set<string>();
  constructor(
    private readonly limit: number,
    private readonly onEvict: (value: string) => void,
  ) {}

  /** False when the value was already there. */
  add(value: string): boolean {
    if (this.#values.delete(value)) {
      this.#values.add(value);
      return false;
    }
    this.#values.add(value);
    if (this.#values.size > this.limit) {
      const oldest = this.#values.values().next().value as string;
      this.#values.delete(oldest);
      this.onEvict(oldest);
    }
    return true;
  }
}

/**
 * Every secret a gateway was configured with and every credential it holds or has held, so text is
 * redacted by value first; the patterns above are only the fallback for values never seen.
 */
class SecretBook {
  /** The windows of every value that has one. */
  readonly #windows = new WindowIndex();
  /** Values without a usable window (short or repetitive), searched one by one. */
  readonly #plain = new Set<string>();
  readonly #secrets = new RecentSet(MAX_SECRETS, (value) => this.#forget(value));
  /** Each holder's current value: remembered while it is held, however many holders there are. */
  readonly #held = new Map<string, string>();
  /** How many holders hold each value. */
  readonly #holders = new Map<string, number>();
  /** Values no holder holds any more (replaced, or learned without a holder): the most recent ones. */
  readonly #credentials = new RecentSet(MAX_CREDENTIALS, (value) => {
    if (!this.#holders.has(value)) this.#forget(value);
  });

  rememberSecret(value: string): void {
    if (value.length >= MIN_VALUE_LENGTH && this.#secrets.add(value)) this.#index(value, false);
  }

  rememberCredential(value: string, holder: string | undefined): void {
    if (value.length < MIN_VALUE_LENGTH) return;
    if (holder === undefined) {
      if (this.#credentials.add(value)) this.#index(value, true);
      return;
    }
    const previous = this.#held.get(holder);
    if (previous === value) return;
    this.#held.set(holder, value);
    this.#holders.set(value, (this.#holders.get(value) ?? 0) + 1);
    this.#index(value, true);
    if (previous === undefined) return;
    const left = (this.#holders.get(previous) ?? 1) - 1;
    if (left > 0) this.#holders.set(previous, left);
    else this.#holders.delete(previous);
    // Still indexed: it joins the recently retired values, and is forgotten once they move past it.
    this.#credentials.add(previous);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.#plain) out = removeValue(out, value);
    const ranges = this.#ranges(out);
    for (let i = ranges.length - 1; i >= 0; i--) {
      const [start, end] = ranges[i] as [number, number];
      out = `${out.slice(0, start)}${REDACTED}${out.slice(end)}`;
    }
    return out;
  }

  #ranges(text: string): [number, number][] {
    const ranges: [number, number][] = [];
    if (this.#windows.size === 0 || text.length < WINDOW) return ranges;
    let hash = windowHash(text, 0);
    for (let i = 0; ; ) {
      const hit = this.#windows.hitAt(text, i, hash);
      const range = hit && (hit.fragments ? shared(text, i, hit) : whole(text, i, hit));
      if (range) {
        const last = ranges[ranges.length - 1];
        if (last && range[0] < last[1]) last[1] = Math.max(last[1], range[1]);
        else ranges.push(range);
        // Go on after the range: the hash is taken afresh there.
        i = range[1];
        if (i + WINDOW > text.length) break;
        hash = windowHash(text, i);
        continue;
      }
      if (i + WINDOW >= text.length) break;
      hash = nextWindowHash(hash, text, i);
      i++;
    }
    return ranges;
  }

  /** Changes whenever what `redact` searches for changes (a value indexed or forgotten). */
  get version(): number {
    return this.#version;
  }

  #version = 0;

  #index(value: string, fragments: boolean): void {
    this.#version++;
    if (!this.#windows.add(value, fragments)) this.#plain.add(value);
  }

  #forget(value: string): void {
    this.#version++;
    this.#plain.delete(value);
    this.#windows.remove(value);
  }
}

function removeValue(text: string, value: unknown): string {
  return typeof value === 'string' && value.length >= MIN_VALUE_LENGTH && text.includes(value)
    ? text.split(value).join(REDACTED)
    : text;
}

function removeKnown(text: string, known: Iterable<unknown>): string {
  let out = text;
  for (const value of known) out = removeValue(out, value);
  return out;
}

/**
 * The fallback for values never seen: credential parameters and fields, long runs, 32 hex digits.
 * Each pattern runs only on text it could match (a parameter needs `=`, a field `"`, a run 64
 * characters, a secret 32): the short strings of every log line skip them.
 */
function removePatterns(text: string): string {
  let out = text;
  if (out.includes('=')) out = out.replace(SECRET_PARAM_IN_URL, `$1${REDACTED}`);
  if (out.includes('"')) out = out.replace(SECRET_FIELD_IN_JSON, `$1${REDACTED}$2`);
  if (out.length >= 64) out = out.replace(TOKEN_LIKE, REDACTED);
  if (out.length >= 32) out = out.replace(SECRET_LIKE, REDACTED);
  return out;
}

/**
 * Anything as text, never throwing: a log line or an error message is often made of what a client
 * sent (`"operationName": ["Q"]`), and an object without `toString` makes `String()` throw.
 */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

/** A property read that never throws (a getter may). */
function read(value: object, name: string): unknown {
  try {
    return (value as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** What is thrown, as what may be said of it: an error's message, never its other properties. */
function messageOf(error: unknown): unknown {
  return error instanceof Error ? read(error, 'message') : error;
}

/** pino's `err` shape of whatever was thrown, every text through `redactText`. */
function serializeWith(value: unknown, redactText: (text: unknown) => string): unknown {
  if (!(value instanceof Error)) {
    if (typeof value === 'object' && value !== null) return value;
    return redactText(value);
  }
  const code = read(value, 'code');
  const stack = read(value, 'stack');
  return {
    type: textOf(read(value, 'name')),
    message: redactText(read(value, 'message')),
    ...(stack ? { stack: redactText(stack) } : {}),
    ...(typeof code === 'string' ? { code: redactText(code) } : {}),
  };
}

export interface RedactorOptions {
  /** Configured secrets known from the start (`configuredSecrets(config)`). @default [] */
  secrets?: Iterable<string | undefined>;
}

/**
 * One gateway's redaction (docs/security.md, "Secrets in logs and answers"): what it removes by value
 * is what this gateway was told, nothing another gateway in the same process learned. It learns the
 * configured secrets from the configuration (`configuredSecrets`, and the token manager the AppSecrets
 * of the apps it serves, a reload's included) and every credential value from the moment the
 * credential engine accepts it, obtained from WeChat or read from the shared store (another replica
 * obtained it). The logger, the GraphQL error mask, the WeChat client, the status page and readiness
 * of the gateway all redact through it.
 */
export class Redactor {
  readonly #book = new SecretBook();
  /**
   * Short texts redacted while the book had `#redactedVersion`, with their redacted form: log lines
   * repeat their messages, operation names and codes, whose redaction is the same until the book
   * changes. Cleared when it changes; the oldest dropped beyond `MAX_REMEMBERED_TEXTS`.
   */
  readonly #redacted = new Map<string, string>();
  #redactedVersion = 0;

  constructor(options: RedactorOptions = {}) {
    for (const secret of options.secrets ?? []) this.learnSecret(secret);
  }

  /** A configured secret (AppSecret, API key, Redis password): removed whole, also inside a word. */
  learnSecret(value: string | undefined): void {
    if (typeof value === 'string' && value) this.#book.rememberSecret(value);
  }

  /**
   * A credential value (token, ticket, …): removed whole or as any piece of 15 characters or more.
   * Given its `holder` (the credential's id), it is remembered for as long as it is that holder's
   * value, so every credential held is redacted however many are held, and learning it again costs
   * nothing; a value replaced, or learned without a holder, is remembered among the most recent
   * 1,024 such values.
   */
  learnCredential(value: string | undefined, holder?: string): void {
    if (typeof value === 'string' && value) this.#book.rememberCredential(value, holder);
  }

  /**
   * Removes credentials from free text (error messages, WeChat `errmsg`, URLs, bodies) before it is
   * logged or returned: every learned secret and credential by value (also inside a word, and
   * credential pieces), the exact values in `known`, then the credential patterns as a fallback.
   * Takes anything (client text included) and never throws.
   */
  redact(text: unknown, known?: Iterable<string | undefined>): string {
    if (known === undefined && typeof text === 'string' && text.length <= MAX_REMEMBERED_TEXT) {
      if (this.#redactedVersion !== this.#book.version) {
        this.#redacted.clear();
        this.#redactedVersion = this.#book.version;
      }
      let redacted = this.#redacted.get(text);
      if (redacted === undefined) {
        redacted = removePatterns(this.#book.redact(text));
        setNewest(this.#redacted, text, redacted, MAX_REMEMBERED_TEXTS);
      }
      return redacted;
    }
    return removePatterns(this.#book.redact(removeKnown(textOf(text), known ?? [])));
  }

  /**
   * The one way to turn anything thrown into text for a log line, an error message or an event: its
   * message (or its string form), redacted. Never the error's other properties, where libraries keep
   * what they sent (ioredis' `command.args` hold the Redis password of a refused AUTH).
   */
  errorText(error: unknown, known: Iterable<string | undefined> = []): string {
    return this.redact(messageOf(error), known);
  }

  /**
   * pino's `err` serializer: errors and free text alike leave through `redact`; an object already in
   * the logged shape is left to the logger, which redacts every string it writes.
   */
  serializeError(value: unknown): unknown {
    return serializeWith(value, (text) => this.redact(text));
  }
}

/**
 * Redaction where no gateway is at hand (settings checked before one exists, option checks, text a
 * client sent echoed back, which the gateway's error mask redacts again): the exact values in `known`,
 * then the patterns. Text that may hold a credential the gateway holds goes through its `Redactor`.
 */
export function redact(text: unknown, known: Iterable<string | undefined> = []): string {
  return removePatterns(removeKnown(textOf(text), known));
}

/** `Redactor.errorText` where no gateway is at hand: `known` and the patterns only. */
export function errorText(error: unknown, known: Iterable<string | undefined> = []): string {
  return redact(messageOf(error), known);
}

/**
 * A short, stable, non-reversible name for a token, so logs and events can tell two tokens apart
 * without containing either.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
