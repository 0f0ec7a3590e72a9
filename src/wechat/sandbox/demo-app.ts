import type { AppCredentials } from '../endpoints.js';
import type { ComponentCredentials } from './component-apis.js';
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

/**
 * The Open Platform component `npm run dev` runs against the embedded sandbox (public values, accepted
 * by the sandbox only), and the two demo accounts that authorize it at start.
 */
export const DEMO_COMPONENT: Readonly<ComponentCredentials & { name: string }> = Object.freeze({
  appId: 'wxc0de0c0de0c0de01',
  appSecret: 'c0dec0dec0dec0dec0dec0dec0dec0de',
  token: 'sandboxPushToken',
  encodingAesKey: 'sandboxDemoEncodingAesKey0123456789abcdefgh',
  name: 'Sandbox demo component',
});

export const DEMO_AUTHORIZERS: readonly string[] = Object.freeze([
  'wxa0a0a0a0a0a0a0a1',
  'wxa0a0a0a0a0a0a0a2',
]);
