import { z } from 'zod';
import type { CredentialEvent, CredentialKey, StoredCredential } from '../ports.js';
import { TOKEN_KIND } from './keys.js';

/**
 * What `RedisStores` writes to Redis and to an app's channel, checked when read back. The previous
 * version (one token per app) wrote `{ accessToken, … }` and read the `event` field of an envelope
 * without a kind: both are still read, and a token is still written with `accessToken` beside `value`
 * and announced under `event`, so replicas of both versions share tokens during a rolling upgrade.
 */

const credentialSchema = z.union([
  z.object({
    value: z.string().min(1),
    expiresAt: z.number(),
    obtainedAt: z.number(),
    fence: z.number().optional(),
  }),
  z
    .object({
      accessToken: z.string().min(1),
      expiresAt: z.number(),
      obtainedAt: z.number(),
      fence: z.number().optional(),
    })
    .transform(({ accessToken, ...rest }) => ({ value: accessToken, ...rest })),
]);

/** The stored credential in `raw`, or undefined when it is not one (logged by the caller). */
export function parseCredential(raw: string): StoredCredential | undefined {
  try {
    const parsed = credentialSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    const { value, expiresAt, obtainedAt, fence } = parsed.data;
    return { value, expiresAt, obtainedAt, ...(fence !== undefined && { fence }) };
  } catch {
    return undefined;
  }
}

export function serializeCredential(key: CredentialKey, credential: StoredCredential): string {
  const { value, expiresAt, obtainedAt, fence } = credential;
  const stored = { value, expiresAt, obtainedAt, ...(fence !== undefined && { fence }) };
  return JSON.stringify(key.kind === TOKEN_KIND ? { ...stored, accessToken: value } : stored);
}

const reasonSchema = z.enum(['cold', 'margin', 'invalidated', 'forced']);

/** A credential event; without `kind` it comes from the previous version and is a token's. */
const eventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('updated'),
    appId: z.string(),
    kind: z.string().default(TOKEN_KIND),
    fingerprint: z.string(),
    expiresAt: z.number(),
    reason: reasonSchema,
  }),
  z.object({
    type: z.literal('invalidated'),
    appId: z.string(),
    kind: z.string().default(TOKEN_KIND),
    fingerprint: z.string(),
  }),
]);

/**
 * What travels on an app's channel, with the sending store's `origin` so a store skips its own echo: a
 * token's event under `event` (the field the previous version reads), any other kind's under
 * `credential` (which the previous version ignores instead of taking it for a token's), or a hold.
 */
const envelopeSchema = z.union([
  z.object({ origin: z.string(), event: eventSchema }),
  z.object({ origin: z.string(), credential: eventSchema }),
  z.object({
    origin: z.string(),
    hold: z.object({ key: z.string().max(300), ttlMs: z.number().int().min(0) }),
  }),
]);

export type Envelope =
  | { origin: string; event: CredentialEvent }
  | { origin: string; hold: { key: string; ttlMs: number } };

/** The envelope in `message`, or undefined when it is not one. */
export function parseEnvelope(message: string): Envelope | undefined {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(message));
    if (!parsed.success) return undefined;
    const data = parsed.data;
    if ('hold' in data) return data;
    return { origin: data.origin, event: 'event' in data ? data.event : data.credential };
  } catch {
    return undefined;
  }
}

/**
 * How every envelope `origin` sends begins (`credentialEnvelope` and `holdEnvelope` write the origin
 * first): a store knows its own echo by it without parsing the message.
 */
export function envelopePrefix(origin: string): string {
  return `{"origin":${JSON.stringify(origin)},`;
}

export function credentialEnvelope(origin: string, event: CredentialEvent): string {
  return JSON.stringify(event.kind === TOKEN_KIND ? { origin, event } : { origin, credential: event });
}

export function holdEnvelope(origin: string, key: string, ttlMs: number): string {
  return JSON.stringify({ origin, hold: { key, ttlMs } });
}
