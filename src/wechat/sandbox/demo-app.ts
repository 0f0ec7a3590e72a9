import type { AppCredentials } from '../endpoints.js';

/**
 * The app `npm run dev` and `npm run sandbox` register in the embedded sandbox. These values are
 * public on purpose (documented in docs/sandbox.md) and only ever accepted by the sandbox; tests
 * use random credentials instead (test/support/sandbox.ts).
 */
export const DEMO_APP: Readonly<AppCredentials & { name: string }> = Object.freeze({
  appId: 'wx5a4d0e1f2b3c4d5e',
  appSecret: 'de0de0de0de0de0de0de0de0de0de0de',
  name: 'Sandbox demo app',
});
