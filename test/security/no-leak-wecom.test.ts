import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureStream, piecesFinder } from './support/pieces.js';
import {
  KEYS,
  NO_LEAK_API_KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * The no-leak search of no-leak.test.ts on WeCom's paths (issue 27): a production gateway with WeCom
 * apps against the sandbox's qyapi over HTTP (tokens, corp and agent tickets, a wrong corpSecret, early
 * invalidation and expiry, an untrusted IP, the refused fields), then every answer, log line, /metrics,
 * /ready, /status and /status/events is searched for the corpSecrets and every token and ticket the
 * sandbox issued. Only a token:read caller's `accessToken` answer may hold a token.
 */

const CORP = 'ww99887766554433aa';
const GOOD = { corpId: CORP, corpSecret: 'leakSuiteApprovalsSecret-0123456789abcdefg', agentId: 1000002 };
const WRONG = { corpId: CORP, corpSecret: 'leakSuiteExpensesSecret--0123456789abcdefg', agentId: 1000003 };
const CONFIGURED_WRONG = 'leakSuiteMistypedSecret--0123456789abcdefg';
const APP = `${CORP}/1000002`;
const MISCONFIGURED = `${CORP}/1000003`;

interface Captured {
  what: string;
  text: string;
  mayHoldToken: boolean;
}

describe('no WeCom secret, token or ticket leaves the gateway', () => {
  let gw: ProductionGateway;
  const captured: Captured[] = [];

  async function ask(what: string, query: string, key: string, variables: Record<string, unknown> = {}) {
    const answer = await gw.post({ query, variables }, { key });
    captured.push({
      what,
      text: `${answer.status} ${answer.text}`,
      mayHoldToken: key === KEYS.reader && query.includes('accessToken'),
    });
    return answer;
  }

  beforeAll(async () => {
    gw = await startProductionGateway(
      {
        FORCE_REFRESH_COOLDOWN_SECONDS: '0',
        CALLBACK_IPS_TTL_SECONDS: '0',
        STATUS_PAGE: 'true',
        RATE_LIMIT_REQUEST_BURST: '400',
        GATEWAY_API_KEYS: NO_LEAK_API_KEYS,
      },
      1,
      {
        wecomApps: [GOOD, WRONG],
        configuredCorpSecret: (app) => (app.agentId === WRONG.agentId ? CONFIGURED_WRONG : app.corpSecret),
      },
    );
  });
  afterAll(() => gw.close());

  it('drives the WeCom paths', async () => {
    const statusEvents = captureStream(`${gw.origin}/status/events`);
    const token = '{ tokenStatus(appId: $appId) { state accessToken lastError { code message } } }';
    const read = (appId: string) => ask('token:read', `query ($appId: ID) ${token}`, KEYS.reader, { appId });
    const ips = (what: string, appId: string) =>
      ask(
        what,
        'query ($appId: ID) { callbackIps(appId: $appId) { ips } apiDomainIps(appId: $appId) { ips } }',
        KEYS.reader,
        {
          appId,
        },
      );
    const sign = (what: string, appId: string) =>
      ask(
        what,
        'query ($appId: ID) { jsSdkConfig(appId: $appId, url: "https://oa.example.com/p") { appId signature agentConfig { signature } } }',
        KEYS.signer,
        { appId },
      );
    const refresh = (what: string, appId: string) =>
      ask(
        what,
        'mutation ($appId: ID) { refreshToken(appId: $appId, force: true) { state } }',
        KEYS.refresher,
        { appId },
      );

    await read(APP);
    expect((await sign('jsSdkConfig', APP)).json.data.jsSdkConfig.agentConfig.signature).toMatch(
      /^[0-9a-f]{40}$/,
    );
    await ips('ips', APP);
    await refresh('refresh', APP);
    await read(APP);

    // WeCom ends the token early: renewed once, the caller served (expiry: test/credentials/wecom-sandbox.test.ts).
    gw.sandbox.direct.endWeComToken(APP, 'invalidate');
    const renewed = await ips('ips after invalidation', APP);
    expect(renewed.json.errors, renewed.text).toBeUndefined();
    await read(APP);

    // A wrong corpSecret (40001) on every path.
    for (const what of ['wrong secret: ips', 'wrong secret: again']) {
      const answer = await ips(what, MISCONFIGURED);
      expect(answer.json.errors[0].extensions.code).toBe('WECHAT_INVALID_SECRET');
    }
    await sign('wrong secret: jsSdkConfig', MISCONFIGURED);
    await read(MISCONFIGURED);
    await refresh('wrong secret: refresh', MISCONFIGURED);

    // An address outside the app's trusted IPs (60020), then trusted again.
    gw.sandbox.direct.setWeComTrusted(APP, false);
    const untrusted = await refresh('untrusted: refresh', APP);
    expect(untrusted.json.errors[0].extensions.code).toBe('WECHAT_IP_NOT_WHITELISTED');
    expect(untrusted.json.errors[0].message).toContain('trusted IPs');
    gw.sandbox.direct.setWeComTrusted(APP, true);
    await refresh('trusted again: refresh', APP);
    await read(APP);

    // Fields WeCom has no counterpart for, and a WeCom id in the wrong shape.
    await ask('cardSignature', `{ cardSignature(appId: "${APP}") { signature } }`, KEYS.signer);
    await ask('malformed WeCom id', `{ tokenStatus(appId: "${CORP}/Agent") { state } }`, KEYS.reader);

    for (const path of ['/ready', '/metrics', '/status']) {
      const response = await fetch(`${gw.origin}${path}`);
      captured.push({ what: path, text: `${response.status} ${await response.text()}`, mayHoldToken: false });
    }
    // The misconfigured app is named as such where operators look, and the working one is ready.
    const ready = captured.find((c) => c.what === '/ready')?.text ?? '';
    expect(ready).toContain(`"appId":"${MISCONFIGURED}"`);
    expect(ready).toMatch(/"reason":"config_error","error":"WECHAT_INVALID_SECRET"/);
    expect(captured.find((c) => c.what === '/status')?.text).toContain(`data-app-id="${MISCONFIGURED}"`);
    expect(captured.find((c) => c.what === '/metrics')?.text).toContain(
      `wxgw_token_refreshes_total{app="${APP}"`,
    );
    statusEvents.stop();
    const events = await statusEvents.text;
    expect(events).toContain('event: token');
    captured.push({ what: '/status/events', text: events, mayHoldToken: false });
    const counters = await gw.sandbox.counters();
    expect(counters['/cgi-bin/gettoken']).toBeGreaterThanOrEqual(4);
    expect(counters['/cgi-bin/ticket/get']).toBe(1);
  });

  it('finds no corpSecret, token or ticket, whole or in pieces, outside token:read answers', () => {
    const tokens = [...gw.issuedTokens];
    const tickets = [...gw.issuedTickets];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(tickets.length).toBeGreaterThanOrEqual(2);
    expect(captured.filter((c) => c.mayHoldToken).some((c) => tokens.some((t) => c.text.includes(t)))).toBe(
      true,
    );
    const secrets = [
      GOOD.corpSecret,
      WRONG.corpSecret,
      CONFIGURED_WRONG,
      ...gw.sandbox.apps.map((a) => a.appSecret),
    ];
    const needles = [...secrets, ...tokens, ...tickets];
    const pieceIn = piecesFinder(needles);
    const searched = [
      ...captured.filter((c) => !c.mayHoldToken).map((c) => ({ where: `answer to ${c.what}`, text: c.text })),
      ...gw.logLines.map((line, i) => ({ where: `log line ${i}`, text: line })),
    ];
    const leaks: string[] = [];
    for (const { where, text } of searched) {
      for (const value of needles) if (text.includes(value)) leaks.push(`${where}: ${text.slice(0, 200)}`);
      if (pieceIn(text)) leaks.push(`piece in ${where}: ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
    // The token:read answers hold a token and no ticket or secret.
    const allowed = captured.filter((c) => c.mayHoldToken).map((c) => c.text);
    expect(allowed.some((text) => piecesFinder([...tickets, ...secrets])(text))).toBe(false);
  });
});
