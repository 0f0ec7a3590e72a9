import { type Clock, systemClock } from '../clock.js';
import type { JsSdkTickets } from '../credentials/kinds/js-sdk-ticket.js';
import { BadUserInputError } from '../errors.js';
import { type PageRules, pageUrlToSign } from '../jssdk/page-url.js';
import { cardSignature, jsSdkSignature, randomNonceStr } from '../jssdk/signature.js';

/** What a page passes to `wx.config` (besides `jsApiList`). */
export interface JsSdkConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  /** The URL signed: the page URL without its fragment. */
  url: string;
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
  readonly #clock: Pick<Clock, 'now'>;
  readonly #nonce: () => string;

  constructor(options: JsSdkSignerOptions) {
    this.#tickets = options.tickets;
    this.#pageRules = options.pageRules;
    this.#clock = options.clock ?? systemClock;
    this.#nonce = options.nonce ?? randomNonceStr;
  }

  /** Checks the URL before any ticket is fetched: a refused URL costs WeChat nothing. */
  async config(appId: string, url: string): Promise<JsSdkConfig> {
    const signed = pageUrlToSign(url, this.#pageRules(appId));
    const ticket = await this.#tickets.get(appId, 'jsapi');
    const timestamp = Math.floor(this.#clock.now() / 1000);
    const nonceStr = this.#nonce();
    const signature = jsSdkSignature({ jsapiTicket: ticket.value, nonceStr, timestamp, url: signed });
    return { appId, timestamp, nonceStr, signature, url: signed };
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
