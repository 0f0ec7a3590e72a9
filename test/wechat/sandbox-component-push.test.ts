import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ComponentPushEvent, openComponentPush } from '../../src/wechat/component-push.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { COMPONENT, MERCHANT } from '../support/component.js';

const crypto = new MessageCrypto({ ...COMPONENT, receiveId: COMPONENT.appId });

const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** A stand-in for the gateway's push endpoint: each push read as the gateway reads it, in order. */
async function receiver() {
  const events: ComponentPushEvent[] = [];
  const waiting: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://gw');
      const opened = openComponentPush(
        { query: url.searchParams, body: Buffer.concat(chunks).toString() },
        { componentAppId: COMPONENT.appId, crypto, nowMs: Date.now(), maxAgeSeconds: 300 },
      );
      if (opened.ok) events.push(opened.event);
      response.end(opened.ok ? 'success' : '');
      for (const wake of waiting.splice(0)) wake();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  closing.push(() => new Promise((done) => server.close(done)));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    /** Resolves once `count` pushes have arrived (event-driven, no timer). */
    until: (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (events.length >= count ? resolve() : waiting.push(check));
        check();
      }),
  };
}

async function sandboxWithComponent(): Promise<Sandbox> {
  const sandbox = await createSandbox({ apps: [], components: [COMPONENT] });
  closing.push(() => sandbox.close());
  return sandbox;
}

const admin = (sandbox: Sandbox, method: string, path: string, body?: unknown) =>
  fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('the sandbox pushing to a gateway', () => {
  it('pushes an encrypted verify ticket at once, then delivers the authorizations its controls make', async () => {
    const sandbox = await sandboxWithComponent();
    const gateway = await receiver();
    await sandbox.pushTo(gateway.origin, 600_000);
    expect(gateway.events.map((e) => e.infoType)).toEqual(['component_verify_ticket']);
    expect(
      (await admin(sandbox, 'POST', `components/${COMPONENT.appId}/authorizers/${MERCHANT}`, {})).status,
    ).toBe(202);
    await gateway.until(2);
    expect(
      (
        await admin(sandbox, 'POST', `components/${COMPONENT.appId}/authorizers/${MERCHANT}`, {
          update: true,
        })
      ).status,
    ).toBe(202);
    await gateway.until(3);
    expect(
      (await admin(sandbox, 'DELETE', `components/${COMPONENT.appId}/authorizers/${MERCHANT}`)).status,
    ).toBe(202);
    await gateway.until(4);
    expect(gateway.events.map((e) => e.infoType)).toEqual([
      'component_verify_ticket',
      'authorized',
      'updateauthorized',
      'unauthorized',
    ]);
  });

  it('a lost push sends nothing until api_start_push_ticket restarts it', async () => {
    const sandbox = await sandboxWithComponent();
    const gateway = await receiver();
    expect(
      (await admin(sandbox, 'POST', `components/${COMPONENT.appId}/push`, { running: false })).status,
    ).toBe(204);
    await sandbox.pushTo(gateway.origin, 600_000);
    expect(gateway.events).toEqual([]);
    expect(sandbox.component.isPushing(COMPONENT.appId)).toBe(false);
    const restart = await fetch(`${sandbox.url}/cgi-bin/component/api_start_push_ticket`, {
      method: 'POST',
      body: JSON.stringify({ component_appid: COMPONENT.appId, component_secret: COMPONENT.appSecret }),
    });
    expect(await restart.json()).toMatchObject({ errcode: 0 });
    expect(sandbox.component.isPushing(COMPONENT.appId)).toBe(true);
    await sandbox.pushTo(gateway.origin, 600_000);
    expect(gateway.events.map((e) => e.infoType)).toEqual(['component_verify_ticket']);
  });

  it('refuses a control for a component it does not know', async () => {
    const sandbox = await sandboxWithComponent();
    const reply = await admin(sandbox, 'POST', 'components/wxd4d4d4d4d4d4d4d4/push', { running: false });
    expect(reply.status).toBe(400);
  });
});
