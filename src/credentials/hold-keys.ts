import { tokenFingerprint } from '../redact.js';
import type { CredentialKey, StoredCredential } from '../store/ports.js';

/** The engine's hold keys (`HoldStore`: `<purpose>:<appId>[:…]`), never holding a value. */

/** Forced renewals of the app's access token keep the key they always had. */
export function cooldownKey(key: CredentialKey): string {
  return key.kind === 'token' ? `cooldown:${key.appId}` : `cooldown:${key.appId}:${key.kind}`;
}

/** Names the value by fingerprint, never by value. */
export function rejectedRenewalKey(key: CredentialKey, credential: StoredCredential): string {
  const kind = key.kind === 'token' ? '' : `${key.kind}:`;
  return `rejected-renewal:${key.appId}:${kind}${tokenFingerprint(credential.value)}`;
}
