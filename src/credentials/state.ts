import type { StoredCredential } from '../store/ports.js';

/** FRESH: usable beyond the refresh margin; EXPIRING: inside it; EXPIRED: past expiry; MISSING: none. */
export type CredentialState = 'FRESH' | 'EXPIRING' | 'EXPIRED' | 'MISSING';

/** FRESH beyond the margin, EXPIRING inside it, EXPIRED at or past `expiresAt`, MISSING when none. */
export function credentialState(
  credential: StoredCredential | undefined,
  now: number,
  marginMs: number,
): CredentialState {
  if (!credential) return 'MISSING';
  if (now >= credential.expiresAt) return 'EXPIRED';
  if (now >= credential.expiresAt - marginMs) return 'EXPIRING';
  return 'FRESH';
}

/**
 * What a caller does in each state: `none` serves the stored value, `background` serves it (still
 * valid) while a renewal starts behind it, `blocking` must wait for a new one.
 */
export type RefreshAction = 'none' | 'background' | 'blocking';

const REFRESH_ACTION: Record<CredentialState, RefreshAction> = {
  FRESH: 'none',
  EXPIRING: 'background',
  EXPIRED: 'blocking',
  MISSING: 'blocking',
};

export function refreshAction(state: CredentialState): RefreshAction {
  return REFRESH_ACTION[state];
}

/** True when the store holds a value written after `seen` (by this or another replica). */
export function isNewer(current: StoredCredential | undefined, seen: StoredCredential | undefined): boolean {
  if (!current) return false;
  if (!seen) return true;
  return current.value !== seen.value || current.obtainedAt !== seen.obtainedAt;
}

/**
 * False when the value was obtained already inside its margin: WeChat handed back one near its end,
 * so asking again before its expiry would only return it again.
 */
export function renewableEarly(credential: StoredCredential, marginMs: number): boolean {
  return credential.obtainedAt < credential.expiresAt - marginMs;
}
