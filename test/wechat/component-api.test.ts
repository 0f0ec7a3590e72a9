import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeChatClient } from '../../src/wechat/client.js';
import { ComponentApi } from '../../src/wechat/component-api.js';
import { openComponentPush } from '../../src/wechat/component-push.js';
import { describeErrcode, WeChatError } from '../../src/wechat/errors.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { COMPONENT, MERCHANT } from '../support/component.js';

const SECRETS = { componentAppId: COMPONENT.appId, componentAppSecret: COMPONENT.appSecret };

let sandbox: Sandbox;
let client: WeChatClient;
let api: ComponentApi;
let now = Date.UTC(2026, 11, 5, 8);

beforeAll(async () => {
  sandbox = await createSandbox({ apps: [], components: [COMPONENT], clock: { now: () => now } });
  client = new WeChatClient({ baseUrls: [sandbox.url] });
  api = new ComponentApi(client);
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

function pushedTicket(): string {
  const push = sandbox.component.ticketPush(COMPONENT.appId, now);
  const opened = openComponentPush(push, {
    componentAppId: COMPONENT.appId,
    crypto: new MessageCrypto({ ...COMPONENT, receiveId: COMPONENT.appId }),
    nowMs: now,
    maxAgeSeconds: 300,
  });
  if (!opened.ok || opened.event.infoType !== 'component_verify_ticket') throw new Error('no ticket push');
  return opened.event.ticket;
}

async function failure(promise: Promise<unknown>): Promise<WeChatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WeChatError)) throw new Error(`expected a WeChatError, got ${String(error)}`);
  return error;
}

describe('the component endpoints against the sandbox, over HTTP', () => {
  it('api_start_push_ticket: ok with the secret; a wrong one is a configuration error', async () => {
    await expect(api.startPushTicket(SECRETS)).resolves.toBeUndefined();
    const error = await failure(api.startPushTicket({ ...SECRETS, componentAppSecret: 'd0'.repeat(16) }));
    expect(error).toMatchObject({ errcode: 40125, code: 'WECHAT_INVALID_SECRET', reaction: 'config' });
  });

  it('api_component_token: 61006 without a pushed ticket is COMPONENT_TICKET_INVALID, never retryable', async () => {
    const error = await failure(api.componentToken(SECRETS, 'ticket@@@never-pushed'));
    expect(error).toMatchObject({
      errcode: 61006,
      code: 'COMPONENT_TICKET_INVALID',
      reaction: 'restart-ticket-push',
      retryable: false,
      platform: 'openPlatform',
    });
    expect(error.message).not.toContain(COMPONENT.appSecret);
  });

  it('from a ticket to an authorizer: component token, pre-auth code, query_auth, authorizer token, list', async () => {
    const token = await api.componentToken(SECRETS, pushedTicket());
    expect(token.expiresInSeconds).toBeGreaterThan(0);
    const preAuth = await api.createPreAuthCode(COMPONENT.appId, token.value);
    expect(preAuth.value).toMatch(/^preauthcode@@@/);
    const { authorizationCode } = sandbox.component.authorize(COMPONENT.appId, MERCHANT, now);
    const auth = await api.queryAuth(COMPONENT.appId, token.value, authorizationCode);
    expect(auth).toMatchObject({ authorizerAppId: MERCHANT, permissions: [1, 15] });
    const renewed = await api.authorizerToken(COMPONENT.appId, token.value, MERCHANT, auth.refreshToken);
    expect(renewed.refreshToken).toBe(auth.refreshToken);
    expect(renewed.accessToken.value).not.toBe(auth.accessToken.value);
    const page = await api.authorizerList(COMPONENT.appId, token.value, 0, 500);
    expect(page.totalCount).toBe(1);
    expect(page.list[0]).toMatchObject({ authorizerAppId: MERCHANT, refreshToken: auth.refreshToken });

    const stale = await failure(
      api.authorizerToken(COMPONENT.appId, token.value, MERCHANT, 'refreshtoken@@@old'),
    );
    expect(stale).toMatchObject({
      errcode: 61023,
      code: 'AUTHORIZER_REAUTHORIZATION_REQUIRED',
      retryable: false,
    });
    expect(stale.message).not.toContain('refreshtoken@@@old');

    now += 601_000;
    const expired = await failure(api.queryAuth(COMPONENT.appId, token.value, authorizationCode));
    expect(expired).toMatchObject({ errcode: 61010, code: 'WECHAT_INVALID_REQUEST', retryable: false });
    expect(expired.message).toMatch(/expired.*authorize again/);
  });
});

// One row per line of the Open Platform table in docs/error-codes.md: errcode, endpoint kind, code, reaction, retryable.
const rows = [
  [-1, 'api', 'WECHAT_BUSY', 'backoff', true],
  [40001, 'token', 'WECHAT_INVALID_SECRET', 'config', false],
  [40001, 'api', 'WECHAT_INVALID_CREDENTIAL', 'renew-token', true],
  [40014, 'api', 'WECHAT_TOKEN_INVALID', 'renew-token', true],
  [42001, 'api', 'WECHAT_TOKEN_EXPIRED', 'renew-token', true],
  [40125, 'token', 'WECHAT_INVALID_SECRET', 'config', false],
  [41004, 'token', 'WECHAT_INVALID_REQUEST', 'config', false],
  [45009, 'api', 'WECHAT_QUOTA_EXCEEDED', 'daily-quota', true],
  [45011, 'api', 'WECHAT_RATE_LIMITED', 'minute-quota', true],
  [47001, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [48001, 'api', 'WECHAT_API_UNAUTHORIZED', 'fatal', false],
  [61003, 'api', 'AUTHORIZER_UNAUTHORIZED', 'fatal', false],
  [61004, 'token', 'WECHAT_IP_NOT_WHITELISTED', 'config', false],
  [61005, 'token', 'COMPONENT_TICKET_INVALID', 'restart-ticket-push', false],
  [61006, 'token', 'COMPONENT_TICKET_INVALID', 'restart-ticket-push', false],
  [61009, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [61010, 'api', 'WECHAT_INVALID_REQUEST', 'fatal', false],
  [61011, 'token', 'WECHAT_INVALID_APPID', 'config', false],
  [61023, 'api', 'AUTHORIZER_REAUTHORIZATION_REQUIRED', 'recover-refresh-token', false],
  [99999, 'api', 'WECHAT_ERROR', 'fatal', false],
] as const;

describe('the Open Platform errcode catalog', () => {
  it.each(rows)('errcode %i on a %s endpoint → %s (%s)', (errcode, kind, code, reaction, retryable) => {
    const row = describeErrcode(errcode, kind, 'openPlatform');
    expect(row).toMatchObject({ code, reaction, retryable });
    expect(row.advice.length).toBeGreaterThan(10);
  });

  it('leaves the Official Account reading of 61005 alone', () => {
    expect(describeErrcode(61005, 'api').code).toBe('WECHAT_ERROR');
  });
});
