import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/logger.js';
import { type PushOutcomeLabel, useComponentPush } from '../../src/plugins/use-component-push.js';
import { Redactor } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { ComponentTickets } from '../../src/wechat/component-ticket.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import { WeChatEmulator } from '../../src/wechat/sandbox/emulator.js';
import { startTestGateway } from '../graphql/support/gateway.js';
import { COMPONENT } from '../support/component.js';
import { startSandbox } from '../support/sandbox.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function setup() {
  let now = Date.UTC(2026, 11, 5, 8);
  const emulator = new WeChatEmulator({ apps: [], components: [COMPONENT], clock: { now: () => now } });
  const stores = new MemoryStores();
  const tickets = new ComponentTickets(stores.credentials, new Redactor());
  const outcomes: [string, string, PushOutcomeLabel][] = [];
  const yoga = createYoga({
    schema: undefined as never,
    logging: false,
    plugins: [
      useComponentPush({
        components: [{ ...COMPONENT, name: 'ISV' }],
        tickets,
        logger: silentLogger,
        now: () => now,
        rate: { capacity: 3, refillPerSecond: 1 },
        onOutcome: (...o) => outcomes.push(o),
      }),
    ],
  });
  const server = createServer(yoga);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (query: URLSearchParams, body: string, appId = COMPONENT.appId) =>
    fetch(`${base}/wechat/component/${appId}/events?${query}`, { method: 'POST', body });
  return {
    base,
    emulator,
    tickets,
    outcomes,
    post,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('POST /wechat/component/<componentAppId>/events over HTTP', () => {
  it('a sandbox ticket push is answered 200 text/plain success and stored; the same push again changes nothing', async () => {
    const s = await setup();
    const push = s.emulator.component.ticketPush(COMPONENT.appId, s.now());
    const reply = await s.post(push.query, push.body);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await reply.text()).toBe('success');
    const stored = await s.tickets.latest(COMPONENT.appId);
    expect(stored?.ticket).toMatch(/^ticket@@@/);

    s.advance(600_000);
    const newer = s.emulator.component.ticketPush(COMPONENT.appId, s.now());
    expect(await (await s.post(newer.query, newer.body)).text()).toBe('success');
    const latest = await s.tickets.latest(COMPONENT.appId);
    expect(latest?.ticket).not.toBe(stored?.ticket);
    // The first push replayed within the allowed age: answered success, the newer ticket kept.
    s.advance(-599_000);
    expect(await (await s.post(push.query, push.body)).text()).toBe('success');
    expect(await s.tickets.latest(COMPONENT.appId)).toEqual(latest);
    expect(s.outcomes.map((o) => o[2])).toEqual(['accepted', 'accepted', 'duplicate']);
  });

  function tamper(query: URLSearchParams, change: (q: URLSearchParams) => void) {
    const copy = new URLSearchParams(query);
    change(copy);
    return copy;
  }

  it.each([
    ['a wrong signature', 'signature'],
    ['a too-old timestamp', 'stale'],
    ['a wrong receiveId', 'receive-id'],
    ['a bad pad', 'padding'],
  ] as const)('%s is refused 403 with nothing stored', async (_name, reason) => {
    const s = await setup();
    let { query, body } = s.emulator.component.ticketPush(COMPONENT.appId, s.now());
    if (reason === 'signature') query = tamper(query, (q) => q.set('msg_signature', '0'.repeat(40)));
    if (reason === 'stale') s.advance(301_000);
    if (reason === 'receive-id' || reason === 'padding') {
      // Sealed with the right token for another receiver, or with another EncodingAESKey (its pad reads wrong).
      const other = new MessageCrypto({
        token: COMPONENT.token,
        encodingAesKey: reason === 'padding' ? 'Z'.repeat(43) : COMPONENT.encodingAesKey,
        receiveId: reason === 'padding' ? COMPONENT.appId : 'wxd0d0d0d0d0d0d0d0',
      });
      const inner = `<xml><AppId><![CDATA[${COMPONENT.appId}]]></AppId><CreateTime>${Math.floor(s.now() / 1000)}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket></xml>`;
      const timestamp = String(Math.floor(s.now() / 1000));
      const sealed = other.seal(inner, timestamp, 'n0nce');
      query = new URLSearchParams({
        timestamp,
        nonce: 'n0nce',
        encrypt_type: 'aes',
        msg_signature: sealed.msgSignature,
      });
      body = `<xml><AppId><![CDATA[${COMPONENT.appId}]]></AppId><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt></xml>`;
    }
    const reply = await s.post(query, body);
    expect(reply.status).toBe(403);
    expect(await reply.text()).toBe('');
    expect(await s.tickets.latest(COMPONENT.appId)).toBeUndefined();
    expect(s.outcomes.map((o) => o[2])).toEqual([reason]);
  });

  it('bounds the pushes read per component: over the rate a 429 before the body is read, nothing stored', async () => {
    const s = await setup();
    const push = s.emulator.component.ticketPush(COMPONENT.appId, s.now());
    for (let i = 0; i < 3; i++) expect((await s.post(push.query, 'not a push')).status).toBe(403);
    expect((await s.post(push.query, push.body)).status).toBe(429);
    expect(await s.tickets.latest(COMPONENT.appId)).toBeUndefined();
    s.advance(1_000);
    expect((await s.post(push.query, push.body)).status).toBe(200);
    expect(s.outcomes.map((o) => o[2])).toEqual(['malformed', 'malformed', 'malformed', 'rate', 'accepted']);
  });

  it('an unknown component is 403, another method 405 and a body over the bound 413, nothing stored', async () => {
    const s = await setup();
    const push = s.emulator.component.ticketPush(COMPONENT.appId, s.now());
    expect((await s.post(push.query, push.body, 'wxd0d0d0d0d0d0d0d0')).status).toBe(403);
    expect((await fetch(`${s.base}/wechat/component/${COMPONENT.appId}/events?${push.query}`)).status).toBe(
      405,
    );
    expect((await s.post(push.query, 'x'.repeat(70_000))).status).toBe(413);
    expect(await s.tickets.latest(COMPONENT.appId)).toBeUndefined();
    expect(s.outcomes.map((o) => o[2])).toEqual(['unknown-component', 'method', 'too-large']);
  });
});

describe('the push endpoint in the whole gateway', () => {
  it('is served before the API-key, CORS and GraphQL plugins and stores the ticket in the gateway store', async () => {
    const sandbox = await startSandbox();
    const store = new MemoryStores();
    const gateway = await startTestGateway({
      sandbox,
      store,
      logger: silentLogger,
      components: [{ ...COMPONENT, name: 'ISV' }],
    });
    try {
      const emulator = new WeChatEmulator({ apps: [], components: [COMPONENT] });
      const push = emulator.component.ticketPush(COMPONENT.appId, Date.now());
      const reply = await fetch(
        `${gateway.origin}/wechat/component/${COMPONENT.appId}/events?${push.query}`,
        {
          method: 'POST',
          headers: { origin: 'https://elsewhere.example' },
          body: push.body,
        },
      );
      expect(reply.status).toBe(200);
      expect(await reply.text()).toBe('success');
      expect(
        (await new ComponentTickets(store.credentials, new Redactor()).latest(COMPONENT.appId))?.ticket,
      ).toMatch(/^ticket@@@/);
      const scraped = await (await fetch(`${gateway.origin}/metrics`)).text();
      expect(scraped).toContain(
        `wxgw_component_push_total{component="${COMPONENT.appId}",info_type="component_verify_ticket",outcome="accepted"} 1`,
      );
      expect(scraped).not.toContain(push.body.slice(20, 60));
    } finally {
      await gateway.close();
      await sandbox.close();
    }
  });
});

describe('no leak from the push endpoint', () => {
  it('log lines and outcome labels of accepted and refused pushes hold no ticket, token, key or secret', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(line) },
    });
    const emulator = new WeChatEmulator({ apps: [], components: [COMPONENT] });
    const tickets = new ComponentTickets(new MemoryStores().credentials, new Redactor());
    const labels: string[] = [];
    const plugin = useComponentPush({
      components: [{ ...COMPONENT, name: 'ISV' }],
      tickets,
      logger,
      onOutcome: (...o) => labels.push(o.join(' ')),
    });
    const yoga = createYoga({ schema: undefined as never, logging: false, plugins: [plugin] });
    const push = emulator.component.ticketPush(COMPONENT.appId, Date.now());
    const url = (q: URLSearchParams) => `http://gw/wechat/component/${COMPONENT.appId}/events?${q}`;
    expect((await yoga.fetch(url(push.query), { method: 'POST', body: push.body })).status).toBe(200);
    const bad = new URLSearchParams(push.query);
    bad.set('msg_signature', '0'.repeat(40));
    expect((await yoga.fetch(url(bad), { method: 'POST', body: push.body })).status).toBe(403);
    const ticket = (await tickets.latest(COMPONENT.appId))?.ticket as string;
    const text = [...lines, ...labels].join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const secret of [ticket, COMPONENT.appSecret, COMPONENT.token, COMPONENT.encodingAesKey])
      expect(text).not.toContain(secret);
    expect(text).not.toContain(push.query.get('msg_signature') as string);
  });
});
