import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  credentialEnvelope,
  envelopePrefix,
  holdEnvelope,
  parseEnvelope,
} from '../../src/store/redis/wire.js';

it('every envelope a store sends begins with its origin prefix, and only its own do', () => {
  const origin = randomUUID();
  const other = randomUUID();
  const sent = [
    credentialEnvelope(origin, {
      type: 'invalidated',
      appId: 'wx0000000000000001',
      kind: 'token',
      fingerprint: 'f',
    }),
    credentialEnvelope(origin, {
      type: 'updated',
      appId: 'wx0000000000000001',
      kind: 'ticket:jsapi',
      fingerprint: 'f',
      expiresAt: 1,
      reason: 'cold',
    }),
    holdEnvelope(origin, 'quota:wx0000000000000001:/cgi-bin/token:daily-quota', 1000),
  ];
  for (const message of sent) {
    expect(message.startsWith(envelopePrefix(origin))).toBe(true);
    expect(message.startsWith(envelopePrefix(other))).toBe(false);
    expect(parseEnvelope(message)?.origin).toBe(origin);
  }
});
