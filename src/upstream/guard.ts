import { z } from 'zod';
import type { Clock, Random } from '../clock.js';
import type { Logger } from '../logger.js';
import type { HoldStore } from '../store/ports.js';
import { WeChatError, type WeChatErrorDetails } from '../wechat/errors.js';
import { type BusyRetryPolicy, busyRetryDelay } from './backoff.js';
import { NegativeCache } from './negative-cache.js';
import { QuotaCircuits } from './quota-circuits.js';
import { isQuotaReaction } from './quota-window.js';

export interface UpstreamGuardOptions {
  holds: HoldStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  busy: BusyRetryPolicy;
  negativeCacheMs: number;
  /**
   * What an app's remembered refusals are kept under besides its appId: a fingerprint of the settings
   * WeChat's answer depends on (`appSettingsFingerprint`), so a reload that changes them (a fixed
   * secret) asks WeChat again at once. @default none: the appId alone
   */
  settingsOf?: (appId: string) => string | undefined;
}

/**
 * The errcode rules around one upstream call that need no token change: quota circuits (45009/45011,
 * shared through the store), bounded jittered retries while WeChat is busy, and the negative cache of
 * configuration errors.
 */
export class UpstreamGuard {
  readonly circuits: QuotaCircuits;
  readonly #negative: NegativeCache;
  readonly #options: UpstreamGuardOptions;

  constructor(options: UpstreamGuardOptions) {
    this.#options = options;
    this.circuits = new QuotaCircuits(options.holds, options.clock);
    this.#negative = new NegativeCache(options.clock, options.negativeCacheMs);
  }

  /** Rethrows a configuration error this or another replica met within the negative-cache window. */
  async throwIfNegativelyCached(appId: string): Promise<void> {
    const key = this.#negativeKey(appId);
    const local = this.#negative.recall(key);
    if (local) throw local;
    if (this.#options.negativeCacheMs <= 0) return;
    const shared = parseNegative(await this.#options.holds.noteOf(key));
    if (!shared) return;
    const error = new WeChatError(shared.details);
    this.#negative.remember(key, error, shared.until);
    throw error;
  }

  /**
   * Remembers a configuration error (wrong secret, IP not whitelisted, …: the credential kind's verdict)
   * for the negative-cache window, in this process and in the store, so a fleet asks WeChat once per
   * window, not once per replica.
   */
  async noteConfigurationError(appId: string, error: WeChatError): Promise<void> {
    const ttlMs = this.#options.negativeCacheMs;
    if (ttlMs <= 0) return;
    const until = this.#options.clock.now() + ttlMs;
    const key = this.#negativeKey(appId);
    this.#negative.remember(key, error, until);
    const details: WeChatErrorDetails = {
      errcode: error.errcode,
      errmsg: error.errmsg,
      endpoint: error.endpoint,
      kind: error.kind,
      platform: error.platform,
    };
    await this.#options.holds.hold(key, ttlMs, JSON.stringify({ details, until }));
  }

  /**
   * The hold every replica reads the app's last configuration error from (`<purpose>:<appId>[:…]`),
   * for the settings in force: one the app no longer has is not read.
   */
  #negativeKey(appId: string): string {
    const settings = this.#options.settingsOf?.(appId);
    return settings === undefined ? `negative-cache:${appId}` : `negative-cache:${appId}:${settings}`;
  }

  async checkTokenCircuits(appId: string, endpoints: readonly string[]): Promise<void> {
    for (const endpoint of endpoints) await this.circuits.check(appId, endpoint, 'token');
  }

  /**
   * Runs `fn` with bounded jittered retries while WeChat is busy; a quota answer opens the circuit
   * of `endpoint` (callers check it beforehand) and is rethrown with its `retryAfterSeconds`.
   */
  async run<T>(appId: string, endpoint: string, fn: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof WeChatError)) throw error;
        if (error.gatewayBug) {
          this.#options.logger.error(
            { appId, endpoint, errcode: error.errcode, platform: error.platform, rid: error.rid },
            `WeChat answered errcode ${error.errcode}, which only a gateway bug causes: ${error.advice}`,
          );
        }
        if (isQuotaReaction(error.reaction)) {
          throw await this.circuits.open(appId, endpoint, error.reaction, error);
        }
        const delay =
          error.reaction === 'backoff'
            ? busyRetryDelay(retry, this.#options.busy, this.#options.random)
            : undefined;
        if (delay === undefined) throw error;
        this.#options.logger.debug(
          { appId, endpoint, retry: retry + 1, delayMs: delay },
          'WeChat busy; backing off',
        );
        await this.#options.clock.sleep(delay);
      }
    }
  }
}

const negativeSchema = z.object({
  details: z.object({
    errcode: z.number(),
    errmsg: z.string(),
    endpoint: z.string(),
    kind: z.enum(['token', 'api']),
    platform: z.enum(['officialAccount', 'wecom', 'openPlatform']).optional(),
  }),
  until: z.number(),
});

/** A note another replica wrote; anything malformed is ignored (WeChat is asked again). */
function parseNegative(raw: string | undefined): z.infer<typeof negativeSchema> | undefined {
  if (raw === undefined) return undefined;
  try {
    return negativeSchema.parse(JSON.parse(raw));
  } catch {
    return undefined;
  }
}
