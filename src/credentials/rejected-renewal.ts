import type { Clock } from '../clock.js';
import { TokenRejectedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tokenFingerprint } from '../redact.js';
import type { CredentialKey, CredentialStore, HoldStore, StoredCredential } from '../store/ports.js';
import { CircuitBoard } from '../upstream/circuit-board.js';
import type { WeChatError } from '../wechat/errors.js';
import { rejectedRenewalKey } from './hold-keys.js';
import type { CredentialKind } from './kind.js';

export interface RejectedRenewalOptions {
  credentials: Pick<CredentialStore, 'deleteIfSame'>;
  holds: HoldStore;
  clock: Clock;
  logger: Logger;
  /** A value renewed after a rejection and rejected again within this long is not renewed again. */
  windowMs: number;
  /** Obtains a new value in place of the rejected one (the engine's fetch, joined by every caller). */
  renew(kind: CredentialKind, key: CredentialKey, rejected: StoredCredential): Promise<StoredCredential>;
}

/**
 * The engine's renewal of a value WeChat rejected: renewed once, however many callers on however many
 * replicas met the rejection (they join one fetch). A value that was itself obtained by such a renewal
 * less than the window ago is not renewed again (held in the store, shared by replicas): a WeChat that
 * rejects every value would otherwise make each request renew it once.
 */
export class RejectedRenewal {
  readonly #options: RejectedRenewalOptions;
  /** The rejection holds, reported from process memory as the quota circuits are (status, /metrics). */
  readonly #board: CircuitBoard;

  constructor(options: RejectedRenewalOptions) {
    this.#options = options;
    this.#board = new CircuitBoard({ holds: options.holds, clock: options.clock });
  }

  /** How long a rejection of `credential` would not renew it (shared by replicas); 0 when it would. */
  blockedForMs(key: CredentialKey, credential: StoredCredential): Promise<number> {
    return this.#board.heldForMs(key.appId, () => [rejectedRenewalKey(key, credential)]);
  }

  /** `blockedForMs` of many values, in the order asked: the apps never read are read in one batch. */
  blockedForMsMany(
    values: readonly { key: CredentialKey; credential: StoredCredential }[],
  ): Promise<number[]> {
    return this.#board.heldForMsMany(
      values.map(({ key, credential }) => ({
        appId: key.appId,
        keys: () => [rejectedRenewalKey(key, credential)],
      })),
    );
  }

  /** The value to retry with after WeChat rejected `credential` (or `WECHAT_TOKEN_REJECTED`). */
  async renew(
    kind: CredentialKind,
    key: CredentialKey,
    credential: StoredCredential,
    error: WeChatError,
  ): Promise<StoredCredential> {
    const { holds, logger, windowMs, credentials } = this.#options;
    const fingerprint = tokenFingerprint(credential.value);
    const blockedMs = await holds.heldForMs(rejectedRenewalKey(key, credential));
    if (blockedMs > 0) {
      logger.warn(
        { appId: key.appId, kind: key.kind, errcode: error.errcode, fingerprint, retryInMs: blockedMs },
        `WeChat rejected a ${kind.noun} renewed moments ago for the same reason; not renewing it again yet`,
      );
      throw new TokenRejectedError(key.appId, blockedMs / 1000, { cause: error });
    }
    logger.info(
      { appId: key.appId, kind: key.kind, errcode: error.errcode, fingerprint },
      `WeChat rejected the ${kind.noun}; renewing it once and retrying`,
    );
    await credentials.deleteIfSame(key, credential.value);
    const renewed = await this.#options.renew(kind, key, credential);
    const hold = rejectedRenewalKey(key, renewed);
    await holds.hold(hold, windowMs);
    this.#board.record(hold, windowMs);
    return renewed;
  }

  close(): void {
    this.#board.close();
  }
}
