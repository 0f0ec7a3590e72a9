import { type Clock, systemClock } from '../clock.js';
import type { WeComAppConfig } from '../config/index.js';
import type { JsSdkTickets } from '../credentials/kinds/js-sdk-ticket.js';
import { BadUserInputError } from '../errors.js';
import { type PageRules, pageUrlToSign } from '../jssdk/page-url.js';
import { cardSignature, jsSdkSignature, randomNonceStr } from '../jssdk/signature.js';

/** What a WeCom page passes to `wx.agentConfig` (besides `jsApiList`), signed with the agent ticket. */
export interface AgentConfig {
  corpId: string;
  agentId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** What a page passes to `wx.config` (besides `jsApiList`). */
export interface JsSdkConfig {
  /** The AppID; a WeCom app's CorpID. */
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  /** The URL signed: the page URL without its fragment. */
  url: string;
  /** A WeCom app's `wx.agentConfig`; absent for Official Accounts. */
  agentConfig?: AgentConfig;
}

/** What a page passes as `cardExt` (timestamp, nonce_str, signature) to `wx.addCard` / `wx.chooseCard`. */
export interface CardSignatureResult {
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export interface CardSignatureInput {
  cardId?: string | null;
  code?: string | null;
  openId?: string | null;
}

export interface JsSdkSignerOptions {
  tickets: Pick<JsSdkTickets, 'get'>;
  /** Each app's rules for the pages it signs (`jsSdkDomains`, `jsSdkHttpsOnly` in the apps file). */
  pageRules: (appId: string) => PageRules | undefined;
  /** A WeCom app's corp and agent; undefined for any other app. */
  wecom?: (appId: string) => WeComAppConfig | undefined;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** @default randomNonceStr */
  nonce?: () => string;
}

/** Card ids, codes and openids are short tokens of letters, digits, `_` and `-`. */
const CARD_VALUE = /^[A-Za-z0-9_-]{1,128}$/;

/** Signs pages and card calls with the app's tickets; only digests leave, never a ticket. */
export class JsSdkSigner {
  readonly #tickets: JsSdkSignerOptions['tickets'];
  readonly #pageRules: JsSdkSignerOptions['pageRules'];
  readonly #wecom: NonNullable<JsSdkSignerOptions['wecom']>;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #nonce: () => string;

  constructor(options: JsSdkSignerOptions) {
    this.#tickets = options.tickets;
    this.#pageRules = options.pageRules;
    this.#wecom = options.wecom ?? (() => undefined);
    this.#clock = options.clock ?? systemClock;
    this.#nonce = options.nonce ?? randomNonceStr;
  }

  /**
   * Checks the URL (and that a WeCom app has an agent) before any ticket is fetched: a refused request
   * costs WeChat nothing. A WeCom app's `wx.config` is signed with its corp ticket and names the corp;
   * its `wx.agentConfig` with its agent ticket.
   */
  async config(appId: string, url: string): Promise<JsSdkConfig> {
    const signed = pageUrlToSign(url, this.#pageRules(appId));
    const wecom = this.#wecom(appId);
    if (wecom && wecom.agentId === undefined) {
      throw new BadUserInputError(
        `${appId} is a WeCom special secret (secretName "${wecom.secretName}"), not an app with an agent: wx.agentConfig needs an app's agentId and its own secret, so jsSdkConfig signs pages for WeCom apps configured with "agentId".`,
      );
    }
    const [ticket, agentTicket] = await Promise.all([
      this.#tickets.get(appId, 'jsapi'),
      wecom ? this.#tickets.get(appId, 'agent_config') : undefined,
    ]);
    const timestamp = Math.floor(this.#clock.now() / 1000);
    const nonceStr = this.#nonce();
    const signature = jsSdkSignature({ jsapiTicket: ticket.value, nonceStr, timestamp, url: signed });
    if (!wecom || !agentTicket) return { appId, timestamp, nonceStr, signature, url: signed };
    const agentNonce = this.#nonce();
    const agentConfig: AgentConfig = {
      corpId: wecom.corpId,
      agentId: wecom.agentId as string,
      timestamp,
      nonceStr: agentNonce,
      signature: jsSdkSignature({
        jsapiTicket: agentTicket.value,
        nonceStr: agentNonce,
        timestamp,
        url: signed,
      }),
    };
    return { appId: wecom.corpId, timestamp, nonceStr, signature, url: signed, agentConfig };
  }

  async card(appId: string, input: CardSignatureInput): Promise<CardSignatureResult> {
    const values = (['cardId', 'code', 'openId'] as const).map((field) => {
      const value = input[field] ?? undefined;
      if (value !== undefined && !CARD_VALUE.test(value)) {
        throw new BadUserInputError(
          `${field} must be 1 to 128 letters, digits, "_" or "-", as WeChat issues them (got ${value.length} characters).`,
        );
      }
      return value;
    });
    const ticket = await this.#tickets.get(appId, 'wx_card');
    const timestamp = Math.floor(this.#clock.now() / 1000);
    const nonceStr = this.#nonce();
    return { timestamp, nonceStr, signature: cardSignature([ticket.value, timestamp, nonceStr, ...values]) };
  }
}
