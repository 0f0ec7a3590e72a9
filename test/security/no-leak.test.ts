import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/pipeline/csrf.js';
import type { FaultSpec } from '../../src/wechat/sandbox/faults.js';
import { captureStream, piecesFinder } from './support/pieces.js';
import {
  answerOf,
  expectSameAnswer,
  FAST_PHASES,
  KEYS,
  NO_LEAK_API_KEYS,
  type PhaseAnswer,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * Drives every error path reachable over HTTP (auth, scopes, apps, limits, CSRF, body guard, WeChat
 * faults on both upstream endpoints, token rotation and expiry, rate limits), captures every answer and
 * every log line, and looks for the app secrets, every token WeChat issued and the API keys. The
 * only place a token may appear is an `accessToken` answer to a token:read caller: exactly those
 * answers are left out of the search.
 *
 * Each captured answer notes which execution phase gave it: a query document is Yoga's the first time
 * and the compiled phase's (or the answer cache's) from then on, so the error paths of queries are
 * answered (and logged) by the fast phases as well, and searched like Yoga's.
 */

/** Shaped like a WeChat token, reported as rejected though this gateway never issued it. */
const NEVER_ISSUED = `${'Zq9'.repeat(50)}_never-issued`;

interface Captured {
  what: string;
  text: string;
  /** A token:read caller asked for accessToken: the one answer allowed to hold a token. */
  mayHoldToken: boolean;
  /** Which execution phase answered a GraphQL POST ('none': admission refused it). */
  phase?: PhaseAnswer['phase'];
}

/** Every `extensions.code` in the captured answers. */
const codesIn = (entries: Captured[]) =>
  new Set(entries.flatMap((c) => [...c.text.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1])));

describe('no secret or token leaves the gateway', () => {
  let gw: ProductionGateway;
  const captured: Captured[] = [];
  let appA = '';
  let appB = '';

  async function ask(what: string, body: unknown, key?: string, headers: Record<string, string> = {}) {
    const answer = await gw.post(body, { ...(key ? { key } : {}), headers });
    const query = typeof body === 'object' && body !== null && 'query' in body ? String(body.query) : '';
    captured.push({
      what,
      text: `${answer.status} ${JSON.stringify(Object.fromEntries(answer.headers))} ${answer.text}`,
      mayHoldToken: key === KEYS.reader && query.includes('accessToken'),
      phase: answer.phase,
    });
    return answer;
  }

  /** A refusal without side effects, asked twice: the second is the compiled phase's, in the same words. */
  async function askTwice(what: string, body: unknown, key: string) {
    const first = await ask(what, body, key);
    const repeated = await ask(`${what} (again)`, body, key);
    expect(repeated.phase, what).toBeOneOf([...FAST_PHASES]);
    expectSameAnswer(first, repeated);
    return first;
  }

  /** Reads the current token as the token:read caller (an allowed answer), so every issued token is known. */
  const readToken = (appId: string) =>
    ask('token:read', { query: `{ tokenStatus(appId: "${appId}") { accessToken } }` }, KEYS.reader);

  beforeAll(async () => {
    gw = await startProductionGateway(
      {
        FORCE_REFRESH_COOLDOWN_SECONDS: '0',
        TOKEN_NEGATIVE_CACHE_SECONDS: '0',
        WECHAT_TIMEOUT_MS: '300',
        CALLBACK_IPS_TTL_SECONDS: '0',
        STATUS_PAGE: 'true',
        RATE_LIMIT_REQUESTS_PER_SECOND: '1',
        RATE_LIMIT_REQUEST_BURST: '400',
        REFRESH_LIMIT_PER_KEY_PER_MINUTE: '60',
        REFRESH_LIMIT_PER_APP_PER_MINUTE: '0',
        GATEWAY_API_KEYS: NO_LEAK_API_KEYS,
      },
      2,
    );
    appA = gw.sandbox.apps[0]?.appId ?? '';
    appB = gw.sandbox.apps[1]?.appId ?? '';
    // Forced refreshes are the way to make the gateway call the token endpoint again and again.
    await gw.sandbox.configure({ forceRefreshDailyLimit: 100_000, forceRefreshMinIntervalSeconds: 0 });
  });
  afterAll(() => gw.close());

  it('drives the error paths', async () => {
    // The status page's event stream, open through everything below.
    const statusEvents = captureStream(`${gw.origin}/status/events`);
    await ask(
      'refresh',
      { query: `mutation { refreshToken(appId: "${appA}", force: true) { state } }` },
      KEYS.refresher,
    );
    await readToken(appA);

    // Authentication and scopes.
    await ask('no key', { query: `{ tokenStatus(appId: "${appA}") { state } }` });
    await ask('wrong key', { query: '{ tokenStatus { state } }' }, 'not-a-key-0123456789abcdef');
    await ask('basic', { query: '{ tokenStatus { state } }' }, undefined, {
      authorization: `Basic ${KEYS.reader}`,
    });
    await ask('two keys', { query: '{ tokenStatus { state } }' }, KEYS.reader, {
      'x-api-key': KEYS.refresher,
    });
    await askTwice(
      'no token:read',
      { query: `{ tokenStatus(appId: "${appA}") { accessToken } }` },
      KEYS.statusOnly,
    );
    await ask(
      'no token:read (refresher)',
      { query: `mutation { refreshToken(appId: "${appA}") { accessToken } }` },
      KEYS.refresher,
    );
    await ask(
      'no token:refresh',
      { query: `mutation { refreshToken(appId: "${appA}") { state } }` },
      KEYS.reader,
    );
    await askTwice('no wechat:read', { query: `{ callbackIps(appId: "${appA}") { ips } }` }, KEYS.statusOnly);

    // A reported rejected token: the stored one (dropped, renewed), one never issued, and bad input.
    const stored = JSON.parse((await readToken(appA)).text).data.tokenStatus.accessToken as string;
    for (const [what, rejected] of [
      ['rejectedToken (stored)', stored],
      ['rejectedToken (never issued)', NEVER_ISSUED],
    ] as const) {
      await ask(
        what,
        {
          query:
            'mutation ($appId: ID, $t: String) { refreshToken(appId: $appId, rejectedToken: $t) { state } }',
          variables: { appId: appA, t: rejected },
        },
        KEYS.refresher,
      );
    }
    await ask(
      'rejectedToken with force',
      {
        query:
          'mutation ($t: String) { refreshToken(appId: "' +
          appA +
          '", force: true, rejectedToken: $t) { state } }',
        variables: { t: NEVER_ISSUED },
      },
      KEYS.refresher,
    );

    // Apps and input.
    await askTwice('appId required', { query: '{ tokenStatus { state } }' }, KEYS.reader);
    await askTwice(
      'unknown app',
      { query: '{ tokenStatus(appId: "wx0000000000000000") { state } }' },
      KEYS.reader,
    );
    await askTwice(
      'malformed app',
      { query: `{ tokenStatus(appId: "${'x'.repeat(5000)}") { state } }` },
      KEYS.reader,
    );
    await ask(
      'variables',
      { query: 'query ($a: ID) { tokenStatus(appId: $a) { state } }', variables: { a: [1] } },
      KEYS.reader,
    );
    await ask('syntax', { query: '{ tokenStatus( }' }, KEYS.reader);
    await ask('unknown field', { query: '{ tokenStatus { secret } }' }, KEYS.reader);
    await ask('introspection', { query: '{ __schema { types { name } } }' }, KEYS.reader);
    await ask(
      'depth',
      { query: `{ tokenStatus { ${'lastError { '.repeat(12)}code${' }'.repeat(12)} } }` },
      KEYS.reader,
    );
    await ask(
      'aliases',
      { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }` },
      KEYS.reader,
    );
    await ask('tokens', { query: `{ ${'__typename '.repeat(1500)}}` }, KEYS.reader);
    await ask('batch', [{ query: '{ __typename }' }], KEYS.reader);
    await ask('not json', '{"query":', KEYS.reader);
    await ask('413', { query: `{ __typename } #${'x'.repeat(70_000)}` }, KEYS.reader);
    for (const [what, init] of [
      ['csrf get', { headers: { authorization: `Bearer ${KEYS.reader}` } }],
      ['mutation over get', { headers: { authorization: `Bearer ${KEYS.refresher}`, [CSRF_HEADER]: '1' } }],
    ] as const) {
      const query =
        what === 'csrf get'
          ? `{ tokenStatus(appId: "${appA}") { state } }`
          : 'mutation { refreshToken { state } }';
      const answer = await fetch(`${gw.url}?query=${encodeURIComponent(query)}`, init).then(answerOf);
      captured.push({ what, text: `${answer.status} ${answer.text}`, mayHoldToken: false });
    }

    // Echoes: WeChat text carrying the secret inside a word or a cut token (no pattern sees either),
    // answered as an error and read back through requestLookup, whose bodies record it raw.
    const secretA = gw.sandbox.apps[0]?.appSecret ?? '';
    const tokenA = String((await readToken(appA)).json?.data?.tokenStatus?.accessToken ?? '');
    expect(tokenA.length).toBeGreaterThan(60);
    const echoes = [
      ['/cgi-bin/stable_token', 40125, `invalid appsecret_${secretA}x hint`, 'refresh'],
      ['/cgi-bin/getcallbackip', 48001, `api unauthorized for tok${tokenA.slice(3, 43)}…`, 'callbackIps'],
    ] as const;
    for (const [endpoint, errcode, errmsg, field] of echoes) {
      await gw.sandbox.setFault({ kind: 'errcode', errcode, errmsg, endpoint, times: 1 });
      const query =
        field === 'refresh'
          ? `mutation { refreshToken(appId: "${appA}", force: true) { state } }`
          : `{ callbackIps(appId: "${appA}") { ips } }`;
      const answer = await ask(`echo on ${endpoint}`, { query }, KEYS.refresher);
      const rid = answer.json?.errors?.[0]?.extensions?.rid;
      expect(String(rid), answer.text).toMatch(/^[0-9a-f-]+$/);
      expect(answer.json.errors[0].extensions.errmsg).toContain('[REDACTED]');
      const lookup = await ask(
        `requestLookup of the echo on ${endpoint}`,
        {
          query: `{ requestLookup(appId: "${appA}", rid: "${rid}") { requestUrl requestBody responseBody } }`,
        },
        KEYS.statusOnly,
      );
      expect(lookup.json?.data?.requestLookup?.responseBody, lookup.text).toContain('[REDACTED]');
    }
    await gw.sandbox.clearFaults();

    // WeChat failures on the token endpoint and on a data endpoint, for both apps.
    // Quota faults come last: they open the gateway's quota circuit for the app (another path).
    const faults: FaultSpec[] = [
      { kind: 'busy' },
      { kind: 'ip-not-whitelisted' },
      { kind: 'errcode', errcode: 40125, errmsg: 'invalid appsecret' },
      { kind: 'errcode', errcode: 40013, errmsg: 'invalid appid' },
      {
        kind: 'errcode',
        errcode: 40001,
        errmsg: 'invalid credential, access_token is invalid or not latest',
      },
      { kind: 'errcode', errcode: 48001, errmsg: 'api unauthorized' },
      { kind: 'bad-gateway' },
      { kind: 'invalid-json' },
      { kind: 'empty-body' },
      { kind: 'hang' },
      { kind: 'minute-quota' },
      { kind: 'daily-quota' },
    ];
    for (const fault of faults) {
      for (const endpoint of ['/cgi-bin/stable_token', '/cgi-bin/getcallbackip'] as const) {
        await gw.sandbox.setFault({ ...fault, endpoint });
        const label = `${fault.kind}${fault.errcode ?? ''} on ${endpoint}`;
        for (const appId of [appA, appB]) {
          await ask(
            `${label}: refresh`,
            {
              query: `mutation { refreshToken(appId: "${appId}", force: true) { state lastError { code message } } }`,
            },
            KEYS.refresher,
          );
          await ask(
            `${label}: callbackIps`,
            { query: `{ callbackIps(appId: "${appId}") { ips } }` },
            KEYS.refresher,
          );
          await ask(
            `${label}: status`,
            { query: `{ tokenStatus(appId: "${appId}") { state lastError { code message } } }` },
            KEYS.refresher,
          );
        }
        await gw.sandbox.clearFaults();
        await readToken(appA);
        await readToken(appB);
      }
    }

    // Tokens that WeChat stops accepting: rotated (40001) and expired (42001), renewed once.
    for (const change of ['rotate', 'expire'] as const) {
      await (change === 'rotate' ? gw.sandbox.rotateToken(appA) : gw.sandbox.expireToken(appA));
      await ask(
        `${change}: callbackIps`,
        { query: `{ callbackIps(appId: "${appA}") { ips } }` },
        KEYS.refresher,
      );
      await readToken(appA);
    }

    // JS-SDK tickets: signing, card signatures, ticket state, getticket failures and token renewals.
    const sign = (what: string, appId: string) =>
      ask(
        what,
        {
          query: `{ jsSdkConfig(appId: "${appId}", url: "https://shop.example.com/?a=1#x") { signature nonceStr timestamp url } cardSignature(appId: "${appId}", cardId: "pCard1") { signature } app(appId: "${appId}") { tickets { type state expiresAt } } }`,
        },
        KEYS.signer,
      );
    // Tickets that live one second, obtained inside the margin: renewed at their expiry, not before
    // (WeChat would hand the same one back).
    await gw.sandbox.configure({ ticketExpiresInSeconds: 0.001 });
    for (const appId of [appA, appB]) await sign('sign', appId);
    await ask(
      'sign: bad url',
      { query: `{ jsSdkConfig(appId: "${appA}", url: "javascript:alert(1)") { signature } }` },
      KEYS.signer,
    );
    await ask(
      'sign: no scope',
      { query: `{ jsSdkConfig(appId: "${appA}", url: "https://a.example/") { signature } }` },
      KEYS.reader,
    );
    await ask(
      'network check',
      { query: `{ networkCheck(appId: "${appA}", action: ALL, operator: DEFAULT) { ping { ip } } }` },
      KEYS.signer,
    );
    await ask(
      'callback ip check',
      { query: `{ callbackIpCheck(appId: "${appA}", ip: "::ffff:101.226.103.9") { allowed } }` },
      KEYS.signer,
    );
    const ticketFaults: FaultSpec[] = [
      { kind: 'busy' },
      {
        kind: 'errcode',
        errcode: 40001,
        errmsg: 'invalid credential, access_token is invalid or not latest',
      },
      { kind: 'errcode', errcode: 40201, errmsg: 'invalid url' },
      { kind: 'bad-gateway' },
      { kind: 'invalid-json' },
      { kind: 'empty-body' },
    ];
    for (const fault of ticketFaults) {
      for (const endpoint of ['/cgi-bin/ticket/getticket', '/cgi-bin/callback/check'] as const) {
        // A cold ticket each time, so getticket is really called.
        await gw.forgetTickets(appB);
        await gw.sandbox.setFault({ ...fault, endpoint, times: 1 });
        await ask(
          `${fault.kind} on ${endpoint}: sign`,
          { query: `{ cardSignature(appId: "${appB}", code: "123") { signature } }` },
          KEYS.signer,
        );
        await ask(
          `${fault.kind} on ${endpoint}: check`,
          { query: `{ networkCheck(appId: "${appB}", action: DNS, operator: CAP) { dns { ip } } }` },
          KEYS.signer,
        );
        await gw.sandbox.clearFaults();
      }
    }
    const ticketCalls = (await gw.sandbox.counters())['/cgi-bin/ticket/getticket'];
    expect(ticketCalls).toBeGreaterThan(ticketFaults.length + 2);
    for (const change of ['rotate', 'expire'] as const) {
      await (change === 'rotate' ? gw.sandbox.rotateToken(appB) : gw.sandbox.expireToken(appB));
      await sign(`${change}: sign`, appB);
      await readToken(appB);
    }
    await gw.sandbox.configure({ ticketExpiresInSeconds: 7200 });

    // Rate limits: refresh budget per key, then the request budget.
    for (let i = 0; i < 80; i++) {
      const answer = await ask(
        'refresh budget',
        { query: `mutation { refreshToken(appId: "${appA}") { state } }` },
        KEYS.refresher,
      );
      if (answer.json?.errors?.[0]?.extensions?.code === 'RATE_LIMITED') break;
    }
    for (let i = 0; i < 500; i++) {
      const answer = await ask('request budget', { query: '{ __typename }' }, KEYS.statusOnly);
      if (answer.status === 429) break;
    }

    // What an operator's tools read: readiness (with per-app errors), every metric label, the status page.
    for (const path of ['/ready', '/metrics', '/status']) {
      const response = await fetch(`${gw.origin}${path}`);
      captured.push({ what: path, text: `${response.status} ${await response.text()}`, mayHoldToken: false });
    }
    expect(captured.find((c) => c.what === '/metrics')?.text).toMatch(/wxgw_upstream_calls_total\{/);
    // The page shows the apps and their last errors: it was really rendered with state to leak.
    const page = captured.find((c) => c.what === '/status')?.text ?? '';
    expect(page).toMatch(/^200 /);
    expect(page).toContain(`data-app-id="${appA}"`);
    expect(page).toContain(`data-app-id="${appB}"`);
    expect(page).toContain('data-field="last-error"');
    statusEvents.stop();
    const events = await statusEvents.text;
    expect(events).toContain('event: token');
    captured.push({ what: '/status/events', text: events, mayHoldToken: false });

    const codes = codesIn(captured);
    // The paths above were really reached.
    for (const code of [
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'UNKNOWN_APP',
      'RATE_LIMITED',
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_BAD_RESPONSE',
    ]) {
      expect(codes, `no answer had code ${code}`).toContain(code);
    }
    const reasons = new Set(
      captured.flatMap((c) => [...c.text.matchAll(/"reason":"([A-Z_]+)"/g)].map((m) => m[1])),
    );
    for (const reason of ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']) {
      expect(reasons, `no answer had reason ${reason}`).toContain(reason);
    }
    expect(captured.some((c) => c.text.startsWith('429'))).toBe(true);
    // No stack trace and no schema hint in any answer.
    for (const { what, text } of captured) {
      expect(text, what).not.toMatch(/\bat [\w.<>]+ \(|\.(?:ts|js):\d+:\d+|Did you mean/);
    }
    expect(captured.some((c) => /"errcode":4/.test(c.text))).toBe(true);
    // The fast phases answered the error paths of queries (scopes, input, apps, WeChat's faults and
    // errcodes) and the signatures, so their answers and log lines are part of the search below...
    const fast = captured.filter((c) => (FAST_PHASES as readonly string[]).includes(c.phase ?? ''));
    for (const code of [
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'UNKNOWN_APP',
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_BAD_RESPONSE',
    ]) {
      expect(codesIn(fast), `no answer of a fast phase had code ${code}`).toContain(code);
    }
    expect(fast.some((c) => /"errcode":4/.test(c.text))).toBe(true);
    expect(fast.some((c) => /"signature":"[0-9a-f]{40}"/.test(c.text))).toBe(true);
    expect(fast.some((c) => c.mayHoldToken)).toBe(true);
    // ...and admission refused the keys and the spent budget, before any phase ran.
    const refused = captured.filter(
      (c) => ['no key', 'wrong key', 'basic', 'two keys'].includes(c.what) || c.text.startsWith('429'),
    );
    expect(refused.length).toBeGreaterThan(4);
    expect(refused.filter((c) => c.phase !== 'none')).toEqual([]);
  });

  it('finds no JS-SDK ticket, whole or in pieces, in any answer or log line', () => {
    const tickets = [...gw.issuedTickets];
    expect(tickets.length).toBeGreaterThanOrEqual(4);
    expect(captured.some((c) => /"signature":"[0-9a-f]{40}"/.test(c.text))).toBe(true);
    const searched = [
      ...captured.map((c) => ({ where: `answer to ${c.what}`, text: c.text })),
      ...gw.logLines.map((line, i) => ({ where: `log line ${i}`, text: line })),
    ];
    const pieceIn = piecesFinder(tickets);
    const leaks: string[] = [];
    for (const { where, text } of searched) {
      for (const ticket of tickets)
        if (text.includes(ticket)) leaks.push(`ticket in ${where}: ${text.slice(0, 200)}`);
      if (pieceIn(text)) leaks.push(`ticket piece in ${where}: ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
    expect(gw.logLines.some((line) => line.includes('obtained a new JS-SDK ticket'))).toBe(true);
  });

  it('finds no app secret, no API key and no issued token in any answer or log line', () => {
    const secrets = gw.sandbox.apps.map((app) => app.appSecret);
    const keys = Object.values(KEYS);
    const tokens = [...gw.issuedTokens];
    expect(tokens.length).toBeGreaterThan(5);
    expect(gw.logLines.length).toBeGreaterThan(50);
    // The allowed answers do hold tokens, so the search below is able to find one.
    expect(captured.filter((c) => c.mayHoldToken).some((c) => tokens.some((t) => c.text.includes(t)))).toBe(
      true,
    );

    // Pieces of every credential kind the gateway held: tokens and both kinds of ticket.
    const fragmentIn = piecesFinder([...tokens, ...gw.issuedTickets]);
    const searched = [
      ...captured.filter((c) => !c.mayHoldToken).map((c) => ({ where: `answer to ${c.what}`, text: c.text })),
      ...gw.logLines.map((line, i) => ({ where: `log line ${i}`, text: line })),
    ];
    // Plain loops, one assertion: an expect() per needle and line costs seconds on this many lines.
    const needles = [
      ...secrets.map((value) => ({ kind: 'app secret', value })),
      ...keys.map((value) => ({ kind: 'API key', value })),
      ...tokens.map((value) => ({ kind: 'token', value })),
      { kind: 'reported rejected token', value: NEVER_ISSUED },
    ];
    const leaks: string[] = [];
    for (const { where, text } of searched) {
      for (const { kind, value } of needles) {
        if (text.includes(value)) leaks.push(`${kind} in ${where}: ${text.slice(0, 200)}`);
      }
      if (fragmentIn(text)) leaks.push(`credential piece in ${where}: ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });
});
