/** Typed shapes of the WeChat endpoints behind web pages: JS-SDK tickets and the callback network check. */

/** `jsapi` signs `wx.config`; `wx_card` signs card calls (`wx.addCard`, `wx.chooseCard`). */
export type TicketType = 'jsapi' | 'wx_card';
export const TICKET_TYPES: readonly TicketType[] = ['jsapi', 'wx_card'];

/** A ticket as WeChat issued it; `expiresInSeconds` is honoured, never assumed to be 7200. */
export interface IssuedTicket {
  ticket: string;
  expiresInSeconds: number;
}

export type NetworkCheckAction = 'all' | 'dns' | 'ping';
export type NetworkOperator = 'DEFAULT' | 'CHINANET' | 'UNICOM' | 'CAP';

export interface NetworkDnsResult {
  ip: string;
  realOperator: string;
}

export interface NetworkPingResult {
  ip: string;
  fromOperator: string;
  /** As WeChat writes it, e.g. "0%". */
  packageLoss: string;
  /** As WeChat writes it, e.g. "23.079ms". */
  time: string;
}

/** `/cgi-bin/callback/check`: how WeChat resolves and reaches the account's callback URL. */
export interface NetworkCheckAnswer {
  dns: NetworkDnsResult[];
  ping: NetworkPingResult[];
}

/** What the gateway's page-facing fields need from WeChat; `WeChatClient` is the HTTP implementation. */
export interface WeChatFrontendApi {
  /** `GET /cgi-bin/ticket/getticket?type=`. */
  getTicket(accessToken: string, type: TicketType): Promise<IssuedTicket>;
  /** `POST /cgi-bin/callback/check { action, check_operator }`. */
  checkCallbackNetwork(
    accessToken: string,
    action: NetworkCheckAction,
    operator: NetworkOperator,
  ): Promise<NetworkCheckAnswer>;
}
