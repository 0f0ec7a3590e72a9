import type { Clock } from '../clock.js';
import { cachedHealth } from '../store/health-cache.js';
import type { CredentialKey, Stores } from '../store/ports.js';
import { quotaWindowEnd } from '../upstream/quota-window.js';
import type { CredentialEngine } from './engine.js';
import { credentialState } from './state.js';
import type { TokenStatus } from './types.js';

/** One token whose status is asked: an app's, a component's or an authorizer's. */
export interface StatusSubject {
  appId: string;
  name: string;
  /** Where its token lives on `engine`. */
  key: CredentialKey;
  /** The endpoints whose quota circuits hold its token or its calls back (circuits of `appId`). */
  circuitEndpoints: () => Iterable<string>;
}

export interface StatusReading {
  engine: CredentialEngine;
  stores: Pick<Stores, 'health'>;
  clock: Pick<Clock, 'now'>;
  marginMs: number;
}

/**
 * The one mapping of stored tokens to `TokenStatus` (state, expiry, last error, open circuit, blocked
 * renewal, degraded store), for one subject or a page of them at the same cost: one store read of the
 * tokens (`readMany`: one MGET, one per slot in a Cluster) and one of the holds of the apps this replica
 * has not read yet (`CircuitBoard`); never calls WeChat. In the order asked.
 */
export async function tokenStatuses(
  reading: StatusReading,
  subjects: readonly StatusSubject[],
): Promise<TokenStatus[]> {
  const { engine, stores, clock, marginMs } = reading;
  if (subjects.length === 0) return [];
  const [tokens, health] = await Promise.all([
    engine.readMany(subjects.map(({ key }) => key)),
    cachedHealth(stores),
  ]);
  const held = subjects.flatMap(({ key }, at) => {
    const credential = tokens[at];
    return credential ? [{ key, credential }] : [];
  });
  const [circuitMs, rejectedMs] = await Promise.all([
    engine.guard.circuits.openForMsMany(
      subjects.map(({ appId, circuitEndpoints }) => ({ appId, endpoints: circuitEndpoints })),
    ),
    engine.rejectedRenewalsBlockedForMs(held),
  ]);
  const now = clock.now();
  let heldAt = 0;
  return subjects.map(({ appId, name, key }, at) => {
    const token = tokens[at];
    const blockedMs = token ? (rejectedMs[heldAt++] ?? 0) : 0;
    const openMs = circuitMs[at] ?? 0;
    const lastError = engine.lastError(key);
    return {
      appId,
      name,
      state: credentialState(token, now, marginMs),
      degraded: health.degraded,
      ...(token && {
        accessToken: token.value,
        expiresAt: new Date(token.expiresAt),
        obtainedAt: new Date(token.obtainedAt),
        expiresInSeconds: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
      }),
      ...(lastError && { lastError }),
      ...(openMs > 0 && { circuitOpenUntil: quotaWindowEnd(now, openMs) }),
      ...(blockedMs > 0 && { renewalOnRejectionBlockedUntil: new Date(now + blockedMs) }),
    };
  });
}
