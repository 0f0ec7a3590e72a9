import { createHash, timingSafeEqual } from 'node:crypto';
import { type ApiKeyConfig, assertDistinctKeys, keyDigest, sha256 } from './api-keys.js';
import type { Scope } from './scopes.js';

/** One configured key as the gateway keeps it: its digest, never the key itself. */
export interface ApiKeyEntry {
  /** A short non-reversible name for the key (logs, rate-limit buckets); never the key or its digest. */
  id: string;
  /** The configured name, or `key-<id>`. */
  name: string;
  scopes: ReadonlySet<Scope>;
  /** When set, the key may only act on these apps (and the authorizers of `componentAppIds`). */
  appIds?: ReadonlySet<string>;
  /** When set, the key may act on every authorizer of these components, and on no other app than `appIds`. */
  componentAppIds?: ReadonlySet<string>;
  digest: Buffer;
}

/** Derived from the digest with a label, so the id reveals neither the key nor its stored digest. */
function keyId(digest: Buffer): string {
  return createHash('sha256').update('wxgw-api-key-id\0').update(digest).digest('hex').slice(0, 16);
}

/**
 * The configured API keys. A presented key is hashed and compared with every digest in constant time
 * (both sides are 32 bytes, so `timingSafeEqual` never sees different lengths), without stopping at the
 * first match, so neither the key's content nor its position shows in the response time.
 */
export class ApiKeyRing {
  private readonly entries: readonly ApiKeyEntry[];

  constructor(keys: readonly ApiKeyConfig[]) {
    assertDistinctKeys(keys);
    this.entries = keys.map((key) => {
      const digest = keyDigest(key) as Buffer;
      const id = keyId(digest);
      return {
        id,
        name: key.name ?? `key-${id}`,
        scopes: new Set(key.scopes),
        appIds: key.appIds && new Set(key.appIds),
        componentAppIds: key.componentAppIds && new Set(key.componentAppIds),
        digest,
      };
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry whose key is `presented`, or undefined. */
  match(presented: string): ApiKeyEntry | undefined {
    const digest = sha256(presented);
    let found: ApiKeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
    }
    return found;
  }
}
