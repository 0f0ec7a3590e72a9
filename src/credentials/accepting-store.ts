import type { CredentialKey, CredentialStore, StoredCredential } from '../store/ports.js';

/**
 * The credential store as the engine sees it: every value that passes through it, read (the shared
 * copy another replica may have obtained) or written (obtained here), is handed to `accept` first.
 * The engine reads and writes values only through it, so nothing it serves or lends escapes `accept`.
 */
export function acceptingStore(
  store: CredentialStore,
  accept: (key: CredentialKey, value: string) => void,
): CredentialStore {
  const seen = (key: CredentialKey, credential: StoredCredential | undefined) => {
    if (credential) accept(key, credential.value);
    return credential;
  };
  return {
    get: async (key) => seen(key, await store.get(key)),
    getLatest: async (key) => seen(key, await store.getLatest(key)),
    getMany: async (keys) => {
      const credentials = await store.getMany(keys);
      credentials.forEach((credential, i) => {
        const key = keys[i];
        if (key) seen(key, credential);
      });
      return credentials;
    },
    set: (key, credential, reason, leaseOwner) => {
      accept(key, credential.value);
      return store.set(key, credential, reason, leaseOwner);
    },
    deleteIfSame: (key, value) => store.deleteIfSame(key, value),
    subscribe: (listener) => store.subscribe(listener),
  };
}
