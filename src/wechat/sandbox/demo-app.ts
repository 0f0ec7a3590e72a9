import type { AppCredentials } from '../endpoints.js';
import type { WeComAppCredentials } from './wecom-apis.js';

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

/**
 * The WeCom app (an agent of a demo corp) the embedded sandbox and `npm run sandbox` register, so qyapi
 * calls can be tried by hand: its id is `ww5a4d0e1f2b3c4d5e/1000002`. Public on purpose, as DEMO_APP.
 */
export const DEMO_WECOM_APP: Readonly<WeComAppCredentials & { name: string }> = Object.freeze({
  corpId: 'ww5a4d0e1f2b3c4d5e',
  corpSecret: 'demoWeComAgentSecret-de0de0de0de0de0de0de0',
  agentId: 1000002,
  name: 'Sandbox demo WeCom app',
});
