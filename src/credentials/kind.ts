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
  /**
   * WeChat's early window (stable tokens): before the last this-many milliseconds of the current
   * value's life, asking again hands the same value back. Undefined: asking gives a new one any time.
   */
  earlyWindowMs(appId: string): number | undefined;
  /**
   * Whether it may be obtained without the lease while the shared store is down: true where WeChat
   * hands every replica the same value; false where a second call retires the first (classic tokens).
   */
  obtainableWithoutLease(appId: string): boolean;
  /** Whether `error`, met while using this credential, says WeChat no longer accepts it. */
  rejects(error: WeChatError): boolean;
}
