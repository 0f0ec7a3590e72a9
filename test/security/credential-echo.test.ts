import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, type ProductionGateway, startProductionGateway } from './support/production-gateway.js';

/**
 * Issue 29, item 5: WeChat's errmsg may echo a piece of a live credential. Every credential the
 * gateway holds, tickets included, is known to its redaction by value from the moment it is obtained,
 * so the piece never reaches a GraphQL error or a log line; and two gateways in one process do not
 * share what their redactors learned.
 */

const SIGN = (appId: string) => ({
  query: `{ jsSdkConfig(appId: "${appId}", url: "https://shop.example.com/") { signature } cardSignature(appId: "${appId}", cardId: "pCard1") { signature } }`,
});
const CALLBACK_IPS = (appId: string) => ({ query: `{ callbackIps(appId: "${appId}") { ips } }` });

/** Every `length`-character stretch of `value`: a text holding none of them holds no such piece. */
function piecesOf(value: string, length = 20): string[] {
  return Array.from({ length: value.length - length + 1 }, (_, i) => value.slice(i, i + length));
}

async function signOnce(gw: ProductionGateway): Promise<string[]> {
  const appId = gw.sandbox.app.appId;
  const signed = await gw.post(SIGN(appId), { key: KEYS.signer });
  expect(signed.json.errors).toBeUndefined();
  const tickets = [...gw.issuedTickets];
  expect(tickets.length).toBe(2);
  return tickets;
}

/** WeChat answers callbackIps with an errmsg that quotes `piece`. */
async function echo(gw: ProductionGateway, piece: string) {
  await gw.sandbox.setFault({
    kind: 'errcode',
    errcode: 48001,
    errmsg: `api unauthorized, hint: [${piece}]`,
    endpoint: '/cgi-bin/getcallbackip',
    times: 1,
  });
  const answer = await gw.post(CALLBACK_IPS(gw.sandbox.app.appId), { key: KEYS.reader });
  expect(answer.json.errors[0].extensions.code).toMatch(/^WECHAT_/);
  return answer;
}

describe('a piece of a live credential echoed by WeChat', () => {
  let gw: ProductionGateway;
  let other: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway();
    other = await startProductionGateway();
  });
  afterAll(async () => {
    await gw.close();
    await other.close();
  });

  it.each([
    ['jsapi', 0],
    ['wx_card', 1],
  ])(
    'a 50-character piece of the live %s ticket in errmsg: not in the GraphQL error nor any log line',
    async (_, which) => {
      const tickets = await signOnce(gw);
      const ticket = tickets[which] as string;
      const piece = ticket.slice(5, 55);
      const linesBefore = gw.logLines.length;
      const answer = await echo(gw, piece);
      expect(answer.text).toContain('api unauthorized');
      const texts = [answer.text, ...gw.logLines.slice(linesBefore)];
      for (const text of texts) {
        for (const stretch of piecesOf(piece)) expect(text.includes(stretch), text.slice(0, 300)).toBe(false);
      }
    },
  );

  it('a piece of the live access token in errmsg is not in the error either', async () => {
    const [token] = [...gw.issuedTokens];
    const piece = (token as string).slice(10, 60);
    const answer = await echo(gw, piece);
    for (const stretch of piecesOf(piece)) expect(answer.text.includes(stretch)).toBe(false);
  });

  it('two gateways in one process: one does not know what the other learned', async () => {
    const [ticket] = await signOnce(other);
    const piece = (ticket as string).slice(5, 55);
    // The gateway that obtained it removes it...
    expect((await echo(other, piece)).text).not.toContain(piece);
    // ...the other one never held it, so its redactor does not know it: its answer quotes WeChat as is.
    expect((await echo(gw, piece)).text).toContain(piece);
  });
});
