import type { CredentialKey } from '../store/ports.js';
import type { WeChatError } from '../wechat/errors.js';

/** What WeChat answered when asked for a credential. */
export interface Obtained {
  value: string;
  /** WeChat's `expires_in`: how long the value is accepted from now. */
  expiresInSeconds: number;
}

/** What the engine hands a kind when it asks WeChat for a new value. */
export interface ObtainRequest {
  /** A forced renewal (stable_token's `force_refresh`); only kinds with `forceable` are asked for one. */
  force: boolean;
  /** The value of the credential this kind `requires`, lent for this one call. */
  with?: string;
}

/**
 * One kind of credential, described for the engine (`engine.ts`), which does everything else the same
 * way for every kind: the single flight, the fenced lease, the re-read before calling WeChat, renewal
 * ahead of expiry, invalidation on rejection, the negative cache, budgets and events.
 */
export interface CredentialKind {
  /** The kind's name in store keys, events and logs (`token`, `ticket:jsapi`); never a secret. */
  readonly name: string;
  /** What people call it, for messages and logs ("access token"). */
  readonly noun: string;
  /**
   * Whether a value of this kind is a secret (every WeChat credential so far: tokens, tickets, refresh
   * tokens, auth codes). The engine hands each such value to the gateway's redaction the moment it
   * accepts it, obtained or read from the shared store, so a new kind needs no redaction code of its own.
   */
  readonly secret: boolean;
  /**
   * The credential a value of this kind is obtained with, named from the value's own key (a JS-SDK
   * ticket needs its app's access token, an authorizer token its component's token): the engine lends
   * it through its `call`, so a rejection of that credential renews it once.
   */
  readonly requires?: (key: CredentialKey) => CredentialKey;
  /**
   * Whether `refresh(force: true)` may ask WeChat for a new value before the current one ends (its own
   * quota and cooldown apply).
   */
  readonly forceable: boolean;
  /**
   * Renewed ahead of expiry by the background timers from start-up (`eager`), or only once some
   * caller has used it (`after-use`: kinds that cost quota and may never be needed).
   */
  readonly renewal: 'eager' | 'after-use';
  /**
   * The WeChat path it is obtained from, by which its quota circuit is keyed; a forced renewal may
   * name its own quota first (stable_token's `force_refresh`).
   */
  endpoints(appId: string, force: boolean): [string, ...string[]];
  /** Asks WeChat for a new value. */
  obtain(appId: string, request: ObtainRequest): Promise<Obtained>;
  /** How a value of this kind lives (per app: an app's token mode decides its token's). */
  lifetime(appId: string): CredentialLifetime;
  /** What `error`, met while obtaining or using this credential, says: see `CredentialVerdict`. */
  verdict(error: WeChatError): CredentialVerdict;
}

/** "Until the value's own expiry": a new value does not retire the previous one. */
export const UNTIL_ITS_EXPIRY = Number.POSITIVE_INFINITY;

/**
 * How long WeChat keeps accepting the previous value once a new one is issued where a new one retires
 * it: 5 minutes for `/cgi-bin/token` (its Access_token guide; the sandbox's `rotationOverlapSeconds`),
 * about as long for the Open Platform's component and authorizer tokens.
 */
export const ROTATION_OVERLAP_MS = 5 * 60_000;

/**
 * How a value lives. `expires`: it ends `expires_in` after WeChat issued it; inside its last
 * `earlyWindowMs` asking again gives a new value, before that the same one back (0: a new one any time,
 * WeChat's stable_token has a window); the previous value stays accepted `previousValidForMs` after a new
 * one is issued (`UNTIL_ITS_EXPIRY`: a new value retires nothing, so every replica may ask on its own
 * when the shared store is down). `none`: it never expires by time (a refresh token): kept until
 * replaced, never renewed ahead.
 */
export type CredentialLifetime =
  | { readonly expires: { readonly earlyWindowMs: number; readonly previousValidForMs: number } }
  | { readonly none: true };

/**
 * What an error says about a credential: WeChat no longer accepts the value (`rejected`: invalidate it
 * if unchanged, renew once, retry once), the configuration behind it is wrong (`configuration-wrong`: a
 * secret, a whitelist; never retried, remembered for the negative-cache window), or `neither`.
 */
export type CredentialVerdict = 'rejected' | 'configuration-wrong' | 'neither';

/**
 * The verdict of the errcode catalog of the platform that answered (`wechat/errcode-catalog.ts`, read
 * through the error's `reaction`): the one rule every kind uses. A kind never lent to a WeChat call
 * (a JS-SDK ticket is handed to pages) is never `rejected` by one: a token rejected while obtaining it is
 * the token's, renewed by the engine's `call`.
 */
export function catalogVerdict(error: WeChatError, lentToCalls: boolean): CredentialVerdict {
  if (error.reaction === 'config') return 'configuration-wrong';
  if (error.reaction === 'renew-token' && lentToCalls) return 'rejected';
  return 'neither';
}

/** The early window the renewal schedule honours; undefined when asking gives a new value at any time. */
export function earlyWindowMsOf(lifetime: CredentialLifetime): number | undefined {
  if ('none' in lifetime) return undefined;
  return lifetime.expires.earlyWindowMs > 0 ? lifetime.expires.earlyWindowMs : undefined;
}

/**
 * Whether a value may be obtained without the lease while the shared store is down: only where a new
 * value retires nothing (every replica may hold its own), never where a second call retires the first
 * (a classic token, a component token).
 */
export function obtainableWithoutLease(lifetime: CredentialLifetime): boolean {
  return 'none' in lifetime || lifetime.expires.previousValidForMs === UNTIL_ITS_EXPIRY;
}
