import { z } from 'zod';

/** What `RedisStore` writes to Redis and to the app's channel, checked when read back. */

export const storedTokenSchema = z.object({
  accessToken: z.string().min(1),
  expiresAt: z.number(),
  obtainedAt: z.number(),
  fence: z.number().optional(),
});

const reasonSchema = z.enum(['cold', 'margin', 'invalidated', 'forced']);

/** What travels on the channel: the event plus the sending store, so a store skips its own echo. */
export const envelopeSchema = z.object({
  origin: z.string(),
  event: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('updated'),
      appId: z.string(),
      fingerprint: z.string(),
      expiresAt: z.number(),
      reason: reasonSchema,
    }),
    z.object({ type: z.literal('invalidated'), appId: z.string(), fingerprint: z.string() }),
  ]),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/** A hold another replica set (quota circuits), on the app's channel: circuits kept in process follow it. */
export const holdEnvelopeSchema = z.object({
  origin: z.string(),
  hold: z.object({ key: z.string().max(300), ttlMs: z.number().int().min(0) }),
});
