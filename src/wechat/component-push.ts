/**
 * What WeChat pushes to a third-party platform's authorization event URL, read and checked: the
 * query (`timestamp`, `nonce`, `encrypt_type=aes`, `msg_signature`), the envelope
 * `<xml><AppId/><Encrypt/></xml>`, the message inside it (MessageCrypto) and its `InfoType`.
 * `openComponentPush` is a pure decision: it returns the event or the one reason it is refused, and a
 * refused push must change nothing. Freshness is judged on the signed query `timestamp` (what an
 * attacker replaying a captured push cannot change) against `maxAgeSeconds` either way.
 *
 * Refusal reasons name the check, never the key, the token or a value from inside the message.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { type MessageCrypto, type MessageRefusal, MessageRefusedError } from './message-crypto.js';

export type ComponentPushEvent =
  | { infoType: 'component_verify_ticket'; componentAppId: string; createTime: number; ticket: string }
  | {
      infoType: 'authorized' | 'updateauthorized';
      componentAppId: string;
      createTime: number;
      authorizerAppId: string;
      authorizationCode: string;
      /** Epoch seconds after which the authorization code is no longer accepted by api_query_auth. */
      authorizationCodeExpiredTime: number;
    }
  | { infoType: 'unauthorized'; componentAppId: string; createTime: number; authorizerAppId: string }
  /** An InfoType the gateway does not act on (WeChat adds them: fast registration, …): answered, ignored. */
  | { infoType: 'other'; name: string; componentAppId: string; createTime: number };

export type PushRefusal =
  | MessageRefusal
  /** Not a POST of `encrypt_type=aes` with timestamp, nonce and msg_signature. */
  | 'query'
  /** The body is not WeChat's envelope, or the message inside is not the XML of a known shape. */
  | 'malformed'
  /** The signed timestamp is further from now than the allowed age. */
  | 'stale'
  /** The envelope or the message names another component than the one whose URL it was sent to. */
  | 'component';

export type PushOutcome = { ok: true; event: ComponentPushEvent } | { ok: false; reason: PushRefusal };

export interface PushRequest {
  /** The URL's query parameters as received. */
  query: URLSearchParams;
  /** The body as text (its size is bounded by the caller). */
  body: string;
}

export interface PushCheck {
  componentAppId: string;
  crypto: MessageCrypto;
  /** Epoch milliseconds now (the gateway's clock). */
  nowMs: number;
  /** How far the signed timestamp may be from now, either way. */
  maxAgeSeconds: number;
}

const parser = new XMLParser({
  // Values stay text (an appId or a ticket is never a number), entities are not expanded.
  parseTagValue: false,
  processEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  trimValues: true,
});

const text = z.string().min(1).max(512);
const digits = z.string().regex(/^\d{1,12}$/);
const envelope = z.object({ xml: z.object({ AppId: text, Encrypt: z.string().min(1).max(65_536) }) });
const message = z.object({
  xml: z
    .object({
      AppId: text,
      CreateTime: digits,
      InfoType: z.string().regex(/^[a-z_]{1,64}$/),
      ComponentVerifyTicket: text.optional(),
      AuthorizerAppid: text.optional(),
      AuthorizationCode: text.optional(),
      AuthorizationCodeExpiredTime: digits.optional(),
    })
    .loose(),
});

const QUERY_NUMBER = /^\d{1,12}$/;

/** Reads, checks and decrypts one push; never throws on bad input. */
export function openComponentPush(request: PushRequest, check: PushCheck): PushOutcome {
  const { query } = request;
  const timestamp = query.get('timestamp') ?? '';
  const nonce = query.get('nonce') ?? '';
  const msgSignature = query.get('msg_signature') ?? '';
  if (query.get('encrypt_type') !== 'aes' || !QUERY_NUMBER.test(timestamp) || !nonce || !msgSignature) {
    return refuse('query');
  }
  if (Math.abs(check.nowMs / 1000 - Number(timestamp)) > check.maxAgeSeconds) return refuse('stale');
  const outer = parseXml(request.body, envelope);
  if (!outer) return refuse('malformed');
  if (outer.xml.AppId !== check.componentAppId) return refuse('component');
  let plain: string;
  try {
    plain = check.crypto.open({ msgSignature, timestamp, nonce, encrypt: outer.xml.Encrypt });
  } catch (error) {
    if (error instanceof MessageRefusedError) return refuse(error.reason);
    throw error;
  }
  const inner = parseXml(plain, message);
  if (!inner) return refuse('malformed');
  const fields = inner.xml;
  if (fields.AppId !== check.componentAppId) return refuse('component');
  const base = { componentAppId: fields.AppId, createTime: Number(fields.CreateTime) };
  switch (fields.InfoType) {
    case 'component_verify_ticket':
      if (!fields.ComponentVerifyTicket) return refuse('malformed');
      return accept({ infoType: 'component_verify_ticket', ...base, ticket: fields.ComponentVerifyTicket });
    case 'authorized':
    case 'updateauthorized':
      if (!fields.AuthorizerAppid || !fields.AuthorizationCode || !fields.AuthorizationCodeExpiredTime) {
        return refuse('malformed');
      }
      return accept({
        infoType: fields.InfoType,
        ...base,
        authorizerAppId: fields.AuthorizerAppid,
        authorizationCode: fields.AuthorizationCode,
        authorizationCodeExpiredTime: Number(fields.AuthorizationCodeExpiredTime),
      });
    case 'unauthorized':
      if (!fields.AuthorizerAppid) return refuse('malformed');
      return accept({ infoType: 'unauthorized', ...base, authorizerAppId: fields.AuthorizerAppid });
    default:
      return accept({ infoType: 'other', name: fields.InfoType, ...base });
  }
}

/** WeChat's XML has no declarations of its own: a DOCTYPE or an entity is refused before parsing. */
function parseXml<T>(xml: string, schema: z.ZodType<T>): T | undefined {
  if (/<!(?:DOCTYPE|ENTITY)/i.test(xml)) return undefined;
  try {
    const parsed = schema.safeParse(parser.parse(xml));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (reason: PushRefusal): PushOutcome => ({ ok: false, reason });
const accept = (event: ComponentPushEvent): PushOutcome => ({ ok: true, event });
