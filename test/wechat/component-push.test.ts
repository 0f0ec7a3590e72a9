import { describe, expect, it } from 'vitest';
import { openComponentPush, type PushCheck } from '../../src/wechat/component-push.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';

const COMPONENT = 'wx1234567890abcdef';
const crypto = new MessageCrypto({
  token: 'push-token',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  receiveId: COMPONENT,
});
const NOW = 1_765_000_000;
const check: PushCheck = { componentAppId: COMPONENT, crypto, nowMs: NOW * 1000, maxAgeSeconds: 300 };

/** A push as WeChat sends it: the message sealed, the envelope, the signed query. */
function push(
  inner: string,
  options: { timestamp?: number; envelopeAppId?: string; by?: MessageCrypto } = {},
) {
  const timestamp = String(options.timestamp ?? NOW);
  const sealed = (options.by ?? crypto).seal(inner, timestamp, 'n0nce');
  const query = new URLSearchParams({
    signature: 'unused-by-aes-mode',
    timestamp,
    nonce: 'n0nce',
    encrypt_type: 'aes',
    msg_signature: sealed.msgSignature,
  });
  const body = `<xml>\n<AppId><![CDATA[${options.envelopeAppId ?? COMPONENT}]]></AppId>\n<Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt>\n</xml>`;
  return { query, body };
}

const xml = (fields: Record<string, string | number>) =>
  `<xml>${Object.entries(fields)
    .map(([name, value]) =>
      typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
    )
    .join('')}</xml>`;

const TICKET = xml({
  AppId: COMPONENT,
  CreateTime: NOW,
  InfoType: 'component_verify_ticket',
  ComponentVerifyTicket: 'ticket@@@abc',
});

describe('openComponentPush: what it accepts', () => {
  it('reads a component_verify_ticket push', () => {
    expect(openComponentPush(push(TICKET), check)).toEqual({
      ok: true,
      event: {
        infoType: 'component_verify_ticket',
        componentAppId: COMPONENT,
        createTime: NOW,
        ticket: 'ticket@@@abc',
      },
    });
  });

  it.each(['authorized', 'updateauthorized'] as const)('reads an %s push', (infoType) => {
    const inner = xml({
      AppId: COMPONENT,
      CreateTime: NOW,
      InfoType: infoType,
      AuthorizerAppid: 'wxaaaaaaaaaaaaaaaa',
      AuthorizationCode: 'queryauthcode@@@x',
      AuthorizationCodeExpiredTime: NOW + 600,
      PreAuthCode: 'preauthcode@@@y',
    });
    expect(openComponentPush(push(inner), check)).toEqual({
      ok: true,
      event: {
        infoType,
        componentAppId: COMPONENT,
        createTime: NOW,
        authorizerAppId: 'wxaaaaaaaaaaaaaaaa',
        authorizationCode: 'queryauthcode@@@x',
        authorizationCodeExpiredTime: NOW + 600,
      },
    });
  });

  it('reads an unauthorized push', () => {
    const inner = xml({
      AppId: COMPONENT,
      CreateTime: NOW,
      InfoType: 'unauthorized',
      AuthorizerAppid: 'wxaaaaaaaaaaaaaaaa',
    });
    expect(openComponentPush(push(inner), check)).toMatchObject({
      ok: true,
      event: { infoType: 'unauthorized', authorizerAppId: 'wxaaaaaaaaaaaaaaaa' },
    });
  });

  it('accepts, as "other", an InfoType it does not act on', () => {
    const inner = xml({ AppId: COMPONENT, CreateTime: NOW, InfoType: 'notify_third_fasteregister' });
    expect(openComponentPush(push(inner), check)).toMatchObject({
      ok: true,
      event: { infoType: 'other', name: 'notify_third_fasteregister' },
    });
  });

  it('accepts a timestamp up to the allowed age either side of now', () => {
    expect(openComponentPush(push(TICKET, { timestamp: NOW - 300 }), check).ok).toBe(true);
    expect(openComponentPush(push(TICKET, { timestamp: NOW + 300 }), check).ok).toBe(true);
  });
});

describe('openComponentPush: what it refuses, and why', () => {
  const valid = push(TICKET);
  const withQuery = (change: Record<string, string | null>) => {
    const query = new URLSearchParams(valid.query);
    for (const [name, value] of Object.entries(change)) {
      if (value === null) query.delete(name);
      else query.set(name, value);
    }
    return { query, body: valid.body };
  };
  const otherCrypto = new MessageCrypto({
    token: 'push-token',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    receiveId: 'wx0000000000000000',
  });

  it.each([
    ['a plaintext push (no encrypt_type)', withQuery({ encrypt_type: null }), 'query'],
    ['no msg_signature', withQuery({ msg_signature: null }), 'query'],
    ['a timestamp that is not a number', withQuery({ timestamp: '1e9' }), 'query'],
    ['a timestamp 301 s old', push(TICKET, { timestamp: NOW - 301 }), 'stale'],
    ['a timestamp 301 s ahead', push(TICKET, { timestamp: NOW + 301 }), 'stale'],
    ['a signature over another nonce', withQuery({ nonce: 'other' }), 'signature'],
    ['a body that is not XML', { query: valid.query, body: 'success' }, 'malformed'],
    ['an empty body', { query: valid.query, body: '' }, 'malformed'],
    [
      'an envelope without Encrypt',
      { query: valid.query, body: `<xml><AppId>${COMPONENT}</AppId></xml>` },
      'malformed',
    ],
    ['a DOCTYPE', { query: valid.query, body: `<!DOCTYPE xml [<!ENTITY a "b">]>${valid.body}` }, 'malformed'],
    ['an envelope for another component', push(TICKET, { envelopeAppId: 'wx0000000000000000' }), 'component'],
    ['a message sealed for another receiver', push(TICKET, { by: otherCrypto }), 'receive-id'],
    [
      'a message naming another component',
      push(
        xml({
          AppId: 'wx0000000000000000',
          CreateTime: NOW,
          InfoType: 'component_verify_ticket',
          ComponentVerifyTicket: 't',
        }),
      ),
      'component',
    ],
    [
      'a ticket push without its ticket',
      push(xml({ AppId: COMPONENT, CreateTime: NOW, InfoType: 'component_verify_ticket' })),
      'malformed',
    ],
    [
      'an authorized push without its code',
      push(xml({ AppId: COMPONENT, CreateTime: NOW, InfoType: 'authorized', AuthorizerAppid: 'wxa' })),
      'malformed',
    ],
    ['a message that is not XML', push('component_verify_ticket'), 'malformed'],
    [
      'a message without CreateTime',
      push(xml({ AppId: COMPONENT, InfoType: 'unauthorized', AuthorizerAppid: 'wxa' })),
      'malformed',
    ],
  ])('refuses %s', (_what, request, reason) => {
    expect(openComponentPush(request, check)).toEqual({ ok: false, reason });
  });

  it('never throws, whatever the body', () => {
    const bodies = [
      '<',
      '<xml>',
      '<xml><AppId>a</AppId><AppId>b</AppId></xml>',
      '\u0000',
      '<xml><Encrypt><![CDATA[',
      'x'.repeat(10_000),
    ];
    for (const body of bodies) {
      expect(openComponentPush({ query: valid.query, body }, check).ok).toBe(false);
    }
  });
});
