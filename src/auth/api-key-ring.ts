import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig, Scope } from '../config.js';

/** One configured key as the gateway keeps it: its digest, never the key itself. */
export interface ApiKeyEntry {
  /** A short non-reversible name for the key (logs, rate-limit buckets); never the key or its digest. */
  id: string;
  /** The configured name, or `key-<id>`. */
  name: string;
  scopes: ReadonlySet<Scope>;
  /** When set, the key may only act on these apps. */
  appIds?: ReadonlySet<string>;
  digest: Buffer;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
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
    const seen = new Set<string>();
    this.entries = keys.map((key, index) => {
      const digest = key.sha256 ? Buffer.from(key.sha256, 'hex') : key.key ? sha256(key.key) : undefined;
      if (digest?.length !== 32) {
        throw new TypeError(`API key ${index + 1} has neither a key nor a 64-hex-digit sha256 digest.`);
      }
      const id = keyId(digest);
      if (seen.has(id)) {
        throw new TypeError(
          `API key ${index + 1} (${key.name ?? `key-${id}`}) is configured twice; keep one.`,
        );
      }
      seen.add(id);
      return {
        id,
        name: key.name ?? `key-${id}`,
        scopes: new Set(key.scopes),
        ...(key.appIds ? { appIds: new Set(key.appIds) } : {}),
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
