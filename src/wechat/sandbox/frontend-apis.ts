import { parseIpRange } from '../../net/ip-ranges.js';
import { SandboxInputError } from './input-error.js';
import { randomToken } from './random.js';
import { json, type Reply, wechatError } from './reply.js';

/**
 * What WeChat serves for web pages and callbacks, per app: JS-SDK tickets (`/cgi-bin/ticket/getticket`),
 * the network check of the callback URL (`/cgi-bin/callback/check`) and the callback address list.
 * Callers have already checked the access token; times are epoch ms.
 */

export const TICKET_TYPES = ['jsapi', 'wx_card'] as const;
export type SandboxTicketType = (typeof TICKET_TYPES)[number];

/** The addresses the sandbox reports; CIDR entries are included because real WeChat lists some. */
export const DEFAULT_CALLBACK_IPS: readonly string[] = [
  '101.226.62.77',
  '101.226.62.78',
  '101.226.103.0/25',
  '180.163.15.0/24',
];

/** Every app starts with a callback URL configured; clear it to get 40201. */
export const DEFAULT_CALLBACK_URL = 'https://callback.example.com/wechat';

/** What the callback URL's host resolves to, in the shape of WeChat's documented answer. */
const CALLBACK_HOST_ADDRESSES = [
  { ip: '111.161.64.40', real_operator: 'UNICOM' },
  { ip: '111.161.64.48', real_operator: 'CHINANET' },
];
const ACTIONS = ['all', 'dns', 'ping'];
const OPERATORS = ['DEFAULT', 'CHINANET', 'UNICOM', 'CAP'];

interface IssuedTicket {
  ticket: string;
  expiresAt: number;
}

export class FrontendApis {
  private readonly tickets = new Map<string, IssuedTicket[]>();
  private readonly callbackUrls = new Map<string, string | null>();
  private ips: string[] = [...DEFAULT_CALLBACK_IPS];

  /** `GET /cgi-bin/ticket/getticket?type=`: a new ticket each call; earlier ones live out their own lifetime. */
  getTicket(appId: string, type: string | null, now: number, lifetimeMs: number): Reply {
    if (!TICKET_TYPES.includes(type as SandboxTicketType)) return wechatError(40097, 'invalid args');
    const issued = { ticket: randomToken().slice(0, 86), expiresAt: now + lifetimeMs };
    const key = `${type}:${appId}`;
    this.tickets.set(key, [...(this.tickets.get(key) ?? []).filter((t) => t.expiresAt > now), issued]);
    return json({
      errcode: 0,
      errmsg: 'ok',
      ticket: issued.ticket,
      expires_in: Math.max(1, Math.ceil(lifetimeMs / 1000)),
    });
  }

  /** Tickets of the app still valid at `now`, newest last: what a page's wx.config would be checked against. */
  validTickets(appId: string, type: SandboxTicketType, now: number): string[] {
    return (this.tickets.get(`${type}:${appId}`) ?? []).filter((t) => t.expiresAt > now).map((t) => t.ticket);
  }

  /** `POST /cgi-bin/callback/check { action, check_operator }`. */
  checkNetwork(appId: string, body: Record<string, unknown>): Reply {
    const { action, check_operator: operator } = body;
    if (typeof action !== 'string' || !ACTIONS.includes(action)) return wechatError(40202, 'invalid action');
    if (typeof operator !== 'string' || !OPERATORS.includes(operator)) {
      return wechatError(40203, 'invalid check operator');
    }
    if (!this.callbackUrl(appId)) return wechatError(40201, 'invalid url');
    const dns = action === 'ping' ? [] : CALLBACK_HOST_ADDRESSES;
    const ping =
      action === 'dns'
        ? []
        : CALLBACK_HOST_ADDRESSES.map(({ ip, real_operator }, index) => ({
            ip,
            from_operator: operator === 'DEFAULT' ? real_operator : operator,
            package_loss: '0%',
            time: index === 0 ? '23.079ms' : '21.434ms',
          }));
    return json({ dns, ping });
  }

  callbackUrl(appId: string): string | null {
    const url = this.callbackUrls.get(appId);
    return url === undefined ? DEFAULT_CALLBACK_URL : url;
  }

  /** `null` removes the app's callback URL (the network check then answers 40201). */
  setCallbackUrl(appId: string, url: unknown): void {
    if (url !== null && (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url))) {
      throw new SandboxInputError('"url" must be an http(s) URL, or null for none');
    }
    this.callbackUrls.set(appId, url);
  }

  callbackIps(): string[] {
    return [...this.ips];
  }

  /** Replaces the list `/cgi-bin/getcallbackip` answers: IPv4/IPv6 addresses or CIDR ranges. */
  setCallbackIps(ips: unknown): string[] {
    if (!Array.isArray(ips) || ips.some((ip) => typeof ip !== 'string' || !parseIpRange(ip))) {
      throw new SandboxInputError(
        '"ips" must be an array of IP addresses or CIDR ranges, e.g. ["101.226.62.77", "101.226.103.0/25"]',
      );
    }
    this.ips = [...(ips as string[])];
    return this.callbackIps();
  }

  reset(): void {
    this.tickets.clear();
    this.callbackUrls.clear();
    this.ips = [...DEFAULT_CALLBACK_IPS];
  }
}
